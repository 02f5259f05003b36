import XCTest
@testable import JSON

/// RFC 8259 accept/reject cases (JSONTestSuite-style edge cases), each checked for the exact
/// outcome: the parsed value for accepts, the byte offset for rejects.
final class JSONConformanceTests: XCTestCase {
    // MARK: - Accept

    /// Documents that must parse, with the value they must give.
    let accepted: [(String, JSONValue)] = [
        ("null", .null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .integer(0)),
        ("-0", .number("-0")),
        ("1", .integer(1)),
        ("-1", .integer(-1)),
        ("123456789", .integer(123456789)),
        ("9223372036854775807", .integer(Int64.max)),
        ("-9223372036854775808", .integer(Int64.min)),
        ("9223372036854775808", .number("9223372036854775808")),
        ("-9223372036854775809", .number("-9223372036854775809")),
        ("18446744073709551616", .number("18446744073709551616")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        ("1.5", .number("1.5")),
        ("-0.0", .number("-0.0")),
        ("1.0", .number("1.0")),
        ("1e3", .number("1e3")),
        ("1E3", .number("1E3")),
        ("1e+3", .number("1e+3")),
        ("1e-3", .number("1e-3")),
        ("0e0", .number("0e0")),
        ("1e400", .number("1e400")),
        ("-1e-400", .number("-1e-400")),
        ("0.000000000000000000000000000001", .number("0.000000000000000000000000000001")),
        ("\"\"", .string("")),
        ("\"abc\"", .string("abc")),
        ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", .string("\"\\/\u{8}\u{c}\n\r\t")),
        ("\"\\u0041\"", .string("A")),
        ("\"\\u00e9\"", .string("é")),
        ("\"\\u00E9\"", .string("é")),
        ("\"\\u20ac\"", .string("€")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        ("\"\\ud800\\udc00\"", .string("\u{10000}")),
        ("\"\\udbff\\udfff\"", .string("\u{10FFFF}")),
        ("\"\\u0000\"", .string("\u{0}")),
        ("\"é€😀\"", .string("é€😀")),
        ("\"\u{7F}\"", .string("\u{7F}")),
        ("\"\u{FEFF}inside\"", .string("\u{FEFF}inside")),
        ("\"a/b\"", .string("a/b")),
        ("[]", .array([])),
        ("[1]", .array([.integer(1)])),
        ("[1,\"a\",null,true,{}]", .array([.integer(1), .string("a"), .null, .bool(true), .object(JSONObject())])),
        ("{}", .object(JSONObject())),
        ("{\"a\":1}", ["a": 1]),
        ("{\"\":0}", ["": 0]),
        (" \t\r\n{ \"a\" : [ 1 , 2 ] } \t\r\n", ["a": [1, 2]]),
        ("[[[[[]]]]]", [[[[[]]]]]),
        ("{\"a\":{\"b\":{\"c\":null}}}", ["a": ["b": ["c": nil]]]),
        ("{\"a\":1,\"a\":2}", ["a": 2]),
    ]

    func testAcceptedDocuments() throws {
        XCTAssertGreaterThanOrEqual(accepted.count, 45)
        for (text, expected) in accepted {
            do {
                let value = try JSONValue.parse(text)
                XCTAssertEqual(value, expected, "document \(text.debugDescription)")
            } catch {
                XCTFail("\(text.debugDescription) rejected: \(error)")
            }
        }
    }

    /// `.number` equality falls back to Double comparison, so check the literal exactly too.
    func testNumberLiteralsKeptExactly() throws {
        for literal in ["-0", "1.0", "1e400", "1E+03", "9223372036854775808", "0.10", "-0.0e-0"] {
            XCTAssertEqual(try JSONValue.parse(literal), .number(literal))
            if case .number(let kept) = try JSONValue.parse(literal) {
                XCTAssertEqual(kept, literal)
            } else {
                XCTFail("\(literal) not kept as a literal")
            }
            XCTAssertEqual(try JSONValue.parse(literal).jsonString, literal)
        }
    }

    func testKeyOrderKeptAndDuplicateLastWinsAtFirstPosition() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3,"a":4}"#)
        XCTAssertEqual(value.objectValue?.keys, ["z", "a", "m"])
        XCTAssertEqual(value["a"], .integer(4))
        XCTAssertEqual(value.jsonString, #"{"z":1,"a":4,"m":3}"#)
    }

    func testDuplicateKeysInLargeObject() throws {
        var text = "{"
        for k in 0..<100 { text += "\"k\(k)\":\(k)," }
        text += "\"k7\":\"last\"}"
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value.objectValue?.count, 100)
        XCTAssertEqual(value.objectValue?.keys[7], "k7")
        XCTAssertEqual(value["k7"], .string("last"))
    }

    // MARK: - Reject

    /// Documents that must be rejected, with the byte offset the error must name.
    let rejected: [(String, Int)] = [
        ("", 0),
        (" ", 1),
        ("[1,]", 3),
        ("[,1]", 1),
        ("[1 2]", 3),
        ("{\"a\":1,}", 7),
        ("{\"a\" 1}", 5),
        ("{\"a\":}", 5),
        ("{a:1}", 1),
        ("{'a':1}", 1),
        ("{1:1}", 1),
        ("[1", 2),
        ("{\"a\":1", 6),
        ("[", 1),
        ("]", 0),
        ("01", 0),
        ("-01", 0),
        ("00", 0),
        ("-", 1),
        ("1.", 2),
        (".1", 0),
        ("+1", 0),
        ("1.e3", 2),
        ("1e", 2),
        ("1e+", 3),
        ("0x10", 1),
        ("NaN", 0),
        ("Infinity", 0),
        ("-Infinity", 1),
        ("tru", 0),
        ("nul", 0),
        ("True", 0),
        ("nulll", 4),
        ("[]  x", 4),
        ("{} {}", 3),
        ("1 2", 2),
        ("\"abc", 0),
        ("\"\\x\"", 1),
        ("\"\\u12\"", 1),
        ("\"\\u12G4\"", 1),
        ("\"\\ud800\"", 1),
        ("\"\\udc00\"", 1),
        ("\"\\ud800\\u0041\"", 1),
        ("\"\\ud800x\"", 1),
        ("\"a\u{1}b\"", 2),
        ("\"a\nb\"", 2),
        ("\"a\tb\"", 2),
        ("\u{FEFF}{}", 0),
        ("[1,2]\u{0}", 5),
        ("/* c */ 1", 0),
        ("[1] // c", 4),
        ("\u{C}1", 0),
        ("'a'", 0),
    ]

    func testRejectedDocuments() {
        XCTAssertGreaterThanOrEqual(rejected.count, 50)
        for (text, offset) in rejected {
            do {
                let value = try JSONValue.parse(text)
                XCTFail("\(text.debugDescription) accepted as \(value)")
            } catch {
                XCTAssertEqual(error.offset, offset, "\(text.debugDescription): \(error)")
                XCTAssertFalse(error.reason.isEmpty)
            }
        }
    }

    /// Raw bytes that are not well-formed UTF-8 inside a string (and a valid control).
    func testInvalidUTF8Rejected() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0x80, 0x22], 1),                    // lone continuation byte
            ([0x22, 0xC3, 0x22], 1),                    // truncated 2-byte sequence
            ([0x22, 0xC0, 0xAF, 0x22], 1),              // overlong '/'
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),        // overlong 3-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),        // UTF-8-encoded surrogate U+D800
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
            ([0x22, 0xFF, 0x22], 1),
            ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),        // truncated €
            ([0x22, 0xE2, 0x82], 1),                    // truncated at end of input
            ([0x80], 0),                                // non-ASCII outside a string
        ]
        for (bytes, offset) in cases {
            XCTAssertThrowsError(try JSONValue.parse(bytes), "\(bytes)") { error in
                XCTAssertEqual((error as? JSONParseError)?.offset, offset, "\(bytes)")
            }
        }
        // The well-formed boundaries pass.
        let good: [[UInt8]] = [[0x22, 0xC2, 0x80, 0x22], [0x22, 0xED, 0x9F, 0xBF, 0x22], [0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22], [0x22, 0xEF, 0xBF, 0xBF, 0x22]]
        for bytes in good {
            XCTAssertEqual(try JSONValue.parse(bytes).stringValue.map { Array($0.utf8) }, Array(bytes.dropFirst().dropLast()))
        }
    }

    // MARK: - Limits

    func testDepthLimitNamesOffset() throws {
        let limits = JSONParseLimits(maxDepth: 10, maxBytes: 1 << 20)
        // Exactly at the limit parses.
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        XCTAssertNoThrow(try JSONValue.parse(ok, limits: limits))
        // One more is rejected at the opening bracket that crosses it.
        let deep = String(repeating: "[", count: 11) + String(repeating: "]", count: 11)
        XCTAssertThrowsError(try JSONValue.parse(deep, limits: limits)) { error in
            XCTAssertEqual((error as? JSONParseError)?.offset, 10)
            XCTAssertTrue("\(error)".contains("nesting"), "\(error)")
        }
        // Mixed objects and arrays count alike.
        let mixed = String(repeating: "{\"a\":[", count: 6)
        XCTAssertThrowsError(try JSONValue.parse(mixed, limits: limits)) { error in
            XCTAssertEqual((error as? JSONParseError)?.offset, 5 * 6) // the 11th opening: the sixth "{"
        }
    }

    func testDefaultDepthLimitWithHugeNestingDoesNotCrash() {
        // 1 MB of '[': far beyond the default limit; must be an error, not a stack overflow.
        let bytes = [UInt8](repeating: 0x5B, count: 1 << 20)
        XCTAssertThrowsError(try JSONValue.parse(bytes)) { error in
            XCTAssertEqual((error as? JSONParseError)?.offset, JSONParseLimits().maxDepth)
        }
    }

    func testSizeLimit() {
        let limits = JSONParseLimits(maxDepth: 512, maxBytes: 16)
        XCTAssertNoThrow(try JSONValue.parse("[1,2,3,4,5,6,7]", limits: limits)) // 15 bytes
        XCTAssertThrowsError(try JSONValue.parse("[1,2,3,4,5,6,78]  ", limits: limits)) { error in
            XCTAssertEqual((error as? JSONParseError)?.offset, 16)
            XCTAssertTrue("\(error)".contains("limit"), "\(error)")
        }
        // The same through the generic Collection entry point.
        XCTAssertThrowsError(try JSONValue.parse(ArraySlice(Array("[1,2,3,4,5,6,78]  ".utf8)), limits: limits))
    }

    func testNonContiguousCollectionInput() throws {
        let bytes = Array(#"{"a":[1,2.5,"x"]}"#.utf8)
        // A lazy map is not contiguous: exercises the copying path.
        let lazy = bytes.lazy.map { $0 }
        XCTAssertEqual(try JSONValue.parse(lazy), ["a": [1, .number("2.5"), "x"]])
        XCTAssertEqual(try JSONValue.parse(bytes[...]), ["a": [1, .number("2.5"), "x"]])
        XCTAssertEqual(try JSONValue.parse(Data(bytes)), ["a": [1, .number("2.5"), "x"]])
        // A slice that does not start at index 0: offsets count from the slice's start.
        let padded = Array("xx[1,]".utf8)
        XCTAssertThrowsError(try JSONValue.parse(padded[2...])) { error in
            XCTAssertEqual((error as? JSONParseError)?.offset, 3)
        }
    }

    func testErrorDescriptionNamesOffset() {
        XCTAssertThrowsError(try JSONValue.parse("[1,]")) { error in
            XCTAssertEqual("\(error)".hasPrefix("invalid JSON at byte 3:"), true, "\(error)")
        }
    }
}
