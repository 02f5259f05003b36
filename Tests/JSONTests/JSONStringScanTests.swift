import XCTest
@testable import JSON

/// The parser and the serializer scan strings eight bytes at a time (SWAR in JSONParser.swift).
/// Every special byte at every position of strings around the word size must still be found.
final class JSONStringScanTests: XCTestCase {
    /// Bytes that end the fast path: quote, backslash, controls, and the first byte of non-ASCII.
    private let specials: [String] = ["\"", "\\", "\n", "\u{0}", "\u{1F}", "\t", "é", "😀", "\u{7F}", "/"]

    func testSpecialCharacterAtEveryPositionRoundTrips() throws {
        for length in 0...27 {
            for position in 0...length {
                for special in specials {
                    var text = String(repeating: "a", count: position) + special
                    text += String(repeating: "b", count: length - position)
                    let value = JSONValue.string(text)
                    let bytes = value.serialized()
                    let reparsed = try JSONValue.parse(bytes)
                    XCTAssertEqual(reparsed, value, "length \(length), \(special.debugDescription) at \(position)")
                    // Quote, backslash and controls are escaped; DEL, `/` and non-ASCII are not.
                    let escaped = special == "\"" || special == "\\" || special.utf8.first.map { $0 < 0x20 } == true
                    XCTAssertEqual(bytes.count, text.utf8.count + 2 + (escaped ? (special == "\u{0}" || special == "\u{1F}" ? 5 : 1) : 0),
                                   "length \(length), \(special.debugDescription) at \(position)")
                }
            }
        }
    }

    func testUnescapedControlCharacterRejectedAtEveryPosition() {
        for length in 1...27 {
            for position in 0..<length {
                var bytes = Array("\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: length) + Array("\"".utf8)
                bytes[1 + position] = 0x0A
                XCTAssertThrowsError(try JSONValue.parse(bytes), "newline at \(position) of \(length)") { error in
                    XCTAssertEqual((error as? JSONParseError)?.offset, 1 + position)
                }
            }
        }
    }

    func testInvalidUTF8RejectedAtEveryPosition() {
        for length in 1...27 {
            for position in 0..<length {
                var bytes = Array("\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: length) + Array("\"".utf8)
                bytes[1 + position] = 0xFF
                XCTAssertThrowsError(try JSONValue.parse(bytes), "0xFF at \(position) of \(length)") { error in
                    XCTAssertEqual((error as? JSONParseError)?.offset, 1 + position)
                }
            }
        }
    }

    func testUnterminatedLongStringRejected() {
        for length in 0...27 {
            let bytes = Array("\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: length)
            XCTAssertThrowsError(try JSONValue.parse(bytes)) { error in
                XCTAssertEqual((error as? JSONParseError)?.reason, "unterminated string")
            }
        }
    }
}

/// `serialized(reservingCapacity:)` is only a size hint: the bytes are those of `serialized()`.
final class JSONSerializerCapacityTests: XCTestCase {
    func testCapacityHintDoesNotChangeOutput() throws {
        let document = try JSONValue.parse(#"{"a":[1,-2,"x\"y",{"b":null,"c":1.5e3}],"long":"\#(String(repeating: "z", count: 5000))"}"#)
        let plain = document.serialized()
        for hint in [Int.min, -1, 0, 1, 7, 64, plain.count - 1, plain.count, plain.count * 3, Int.max] {
            XCTAssertEqual(document.serialized(reservingCapacity: hint), plain, "hint \(hint)")
        }
    }
}
