import XCTest
import TestSupport
@testable import JSON


/// Random JSON values for round-trip properties (shared with the YAML tests).
struct RandomJSON {
    var rng: SeededGenerator

    /// Strings that stress quoting and escaping in both JSON and YAML.
    static let trickyStrings: [String] = [
        "", " ", "a", "yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~", "1", "-1", "+1",
        "0x1F", "0o17", "0777", "1_000", "1.5", ".5", "1e3", ".inf", "-.Inf", ".nan", "2024-01-15", "2024-01-15T10:20:30Z",
        "12:30", "1:20:30", "- a", "-", "--- ", "---", "...", "a: b", "a:b", "# c", "a #c", "@x", "`x", "!x", "&a", "*a", "|", ">",
        "%x", "{a}", "[a]", "'q'", "\"q\"", " lead", "trail ", "two\nlines", "trailing newline\n", "\ttab", "back\\slash",
        "é", "日本語", "😀", "\u{0}", "\u{7}", "\u{1B}[0m", "\u{7F}", "\u{85}", "\u{2028}", "\u{FEFF}bom", "<<", "=", "?", "? x",
        "a\r\nb", "\r", "line\n  indented", "ray.io/cluster", "500m", "2Gi", "http://x/y?z#w", ",", "a,b", "x]", "}",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func string() -> String {
        if int(0...2) == 0 { return RandomJSON.trickyStrings[int(0...(RandomJSON.trickyStrings.count - 1))] }
        let alphabet: [Character] = Array("abcXYZ019 -_.:/#'\"\\\n\t{}[],&*!|>%@`?éü日😀\u{1}")
        return String((0..<int(0...12)).map { _ in alphabet[int(0...(alphabet.count - 1))] })
    }

    mutating func scalar() -> JSONValue {
        switch int(0...9) {
        case 0: return .null
        case 1: return .bool(int(0...1) == 1)
        case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .integer(Int64(int(-1000...1000)))
        case 4:
            let literals = ["1.5", "-0.25", "1e3", "2.5E-7", "9223372036854775808", "-9223372036854775809", "1e400", "0.1", "-0"]
            return .number(literals[int(0...(literals.count - 1))])
        default: return .string(string())
        }
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        guard depth < 5, int(0...2) == 0 else { return scalar() }
        if int(0...1) == 0 {
            return .array((0..<int(0...4)).map { _ in value(depth: depth + 1) })
        }
        var object = JSONObject()
        for _ in 0..<int(0...4) { object[string()] = value(depth: depth + 1) }
        return .object(object)
    }
}

/// Random and mutated input must never crash the parser; whatever it accepts must round-trip.
final class JSONFuzzTests: XCTestCase {
    func testRandomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        // Bytes biased towards JSON's own alphabet, so the parser gets past the first byte often.
        let alphabet = Array("{}[]\",:0123456789-+.eEtruefalsn \\u/\n\t".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xED, 0xF4, 0xFF]
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &rng)
            let bytes = (0..<length).map { _ in
                Int.random(in: 0...3, using: &rng) == 0 ? UInt8.random(in: 0...255, using: &rng) : alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
            }
            if let value = try? JSONValue.parse(bytes) {
                accepted += 1
                XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
            }
        }
        // A few random strings are valid JSON (numbers, short literals): the harness saw both outcomes.
        XCTAssertGreaterThan(accepted, 0)
    }

    func testMutatedDocumentsNeverCrash() throws {
        var rng = SeededGenerator(seed: 42)
        let seedDocument = Array(#"{"apiVersion":"ray.io/v1","kind":"RayCluster","metadata":{"name":"r","labels":{"a":"b"}},"spec":{"workerGroupSpecs":[{"replicas":2,"minReplicas":-1,"ratio":1.5e3,"s":"é\"\\\u0041\ud83d\ude00","n":null,"t":true,"f":false}]}}"#.utf8)
        XCTAssertNoThrow(try JSONValue.parse(seedDocument))
        var accepted = 0, rejected = 0
        for _ in 0..<10_000 {
            var bytes = seedDocument
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: at)
                case 3: bytes.removeSubrange(at...)
                default: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                }
            }
            do {
                let value = try JSONValue.parse(bytes)
                accepted += 1
                XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
            } catch {
                rejected += 1
                XCTAssertTrue(error.offset >= 0 && error.offset <= bytes.count, "offset \(error.offset) outside input of \(bytes.count)")
            }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertGreaterThan(rejected, 0)
    }

    func testGeneratedValuesRoundTrip() throws {
        var random = RandomJSON(rng: SeededGenerator(seed: 7))
        for _ in 0..<3_000 {
            let value = random.value()
            let bytes = value.serialized()
            let parsed = try JSONValue.parse(bytes)
            XCTAssertEqual(parsed, value)
            // Compact output is a fixed point: re-serializing gives the same bytes.
            XCTAssertEqual(parsed.serialized(), bytes)
        }
    }
}

/// The serializer's exact output.
final class JSONSerializerTests: XCTestCase {
    func testCompactDeterministicOutput() {
        let value: JSONValue = ["b": [1, -2, .number("1.5e3"), true, false, nil], "a": ["x": "y"], "": [:], "e": []]
        XCTAssertEqual(value.jsonString, #"{"b":[1,-2,1.5e3,true,false,null],"a":{"x":"y"},"":{},"e":[]}"#)
    }

    func testIntegerExtremes() {
        XCTAssertEqual(JSONValue.integer(Int64.min).jsonString, "-9223372036854775808")
        XCTAssertEqual(JSONValue.integer(Int64.max).jsonString, "9223372036854775807")
        XCTAssertEqual(JSONValue.integer(0).jsonString, "0")
        XCTAssertEqual(JSONValue.integer(-7).jsonString, "-7")
    }

    func testStringEscapes() {
        let s = JSONValue.string("q\" b\\ s/ \u{8}\u{C}\n\r\t \u{0}\u{1F}\u{7F} é😀")
        XCTAssertEqual(s.jsonString, "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0000\\u001f\u{7F} é😀\"")
        XCTAssertEqual(try JSONValue.parse(s.serialized()), s)
    }

    func testInvalidHandMadeNumberLiteralIsWrittenAsNull() throws {
        XCTAssertEqual(JSONValue.number("abc").jsonString, "null")
        XCTAssertEqual(JSONValue.number("1.").jsonString, "null")
        XCTAssertEqual(JSONValue.number("01").jsonString, "null")
        XCTAssertEqual(JSONValue.number("-1.25e-3").jsonString, "-1.25e-3")
        // Double literals are valid JSON numbers.
        XCTAssertEqual(try JSONValue.parse(JSONValue(floatLiteral: 1e300).serialized()), JSONValue(floatLiteral: 1e300))
    }

    func testReserializingCompactDocumentGivesSameBytes() throws {
        let compact = #"{"kind":"List","items":[{"a":"é/\"\\\n","n":-0,"big":123456789012345678901234567890,"f":1.50}],"x":null}"#
        XCTAssertEqual(try JSONValue.parse(compact).jsonString, compact)
    }
}
