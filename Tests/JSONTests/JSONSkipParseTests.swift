import XCTest
import TestSupport
@testable import JSON

/// `JSONValue.parse(_:limits:skipping:)`: skipped members are checked exactly as a full parse
/// checks them and left out of the result, which must equal the full parse minus those members.
final class JSONSkipParseTests: XCTestCase {
    /// The full parse with the members at `paths` removed (paths through objects only).
    static func removing(_ paths: [[String]], from value: JSONValue) -> JSONValue {
        var value = value
        for path in paths where !path.isEmpty { remove(path[...], from: &value) }
        return value
    }

    private static func remove(_ path: ArraySlice<String>, from value: inout JSONValue) {
        guard case .object(var object) = value, let key = path.first else { return }
        if path.count == 1 {
            object[key] = nil
        } else if var child = object[key] {
            remove(path.dropFirst(), from: &child)
            object[key] = child
        }
        value = .object(object)
    }

    /// Every key path through objects in `value` (prefixes included).
    static func keyPaths(_ value: JSONValue, prefix: [String] = []) -> [[String]] {
        guard case .object(let object) = value else { return [] }
        var paths: [[String]] = []
        for member in object {
            let path = prefix + [member.key]
            paths.append(path)
            paths += keyPaths(member.value, prefix: path)
        }
        return paths
    }

    /// Outcome of a parse, comparable: the value's exact bytes or the error.
    enum Outcome: Equatable {
        case value([UInt8])
        case error(JSONParseError)
    }

    static func outcome(_ bytes: [UInt8], limits: JSONParseLimits = JSONParseLimits(), skipping: JSONSkipPaths? = nil, removing paths: [[String]] = []) -> Outcome {
        do throws(JSONParseError) {
            let value: JSONValue
            if let skipping {
                value = try JSONValue.parse(bytes, limits: limits, skipping: skipping)
            } else {
                value = try JSONValue.parse(bytes, limits: limits)
            }
            return .value(removing(paths, from: value).serialized())
        } catch {
            return .error(error)
        }
    }

    // MARK: - Equal to the full parse minus the members

    func testGeneratedDocumentsWithRandomSkipSets() throws {
        var random = RandomJSON(rng: SeededGenerator(seed: 0x5C1B))
        var skippedSomething = 0
        for round in 0..<2_000 {
            // An object at the root, with nested objects, so that paths exist.
            var object = JSONObject()
            for _ in 0..<random.int(1...5) { object[random.string()] = random.value(depth: random.int(0...2)) }
            let document = JSONValue.object(object)
            let bytes = document.serialized()
            let all = Self.keyPaths(document)
            var paths: [[String]] = []
            for _ in 0..<random.int(0...3) {
                if !all.isEmpty && random.int(0...3) != 0 {
                    paths.append(all[random.int(0...(all.count - 1))])
                } else {
                    paths.append([random.string(), random.string()])  // mostly absent
                }
            }
            let skip = JSONSkipPaths(paths)
            var report = JSONSkipReport()
            let skipped = try JSONValue.parse(bytes, skipping: skip, report: &report)
            let expected = Self.removing(paths, from: try JSONValue.parse(bytes))
            XCTAssertEqual(skipped.serialized(), expected.serialized(), "round \(round), paths \(paths)")
            XCTAssertEqual(skipped, expected)
            if skipped != document { skippedSomething += 1 }
            // Every skipped range holds exactly the value that was left out.
            for entry in report.skipped {
                let value = try JSONValue.parse(bytes[entry.bytes])
                var at: JSONValue? = document
                for key in paths[entry.path] { at = at?[key] }
                XCTAssertEqual(value, at, "round \(round), path \(paths[entry.path])")
            }
        }
        XCTAssertGreaterThan(skippedSomething, 500)
    }

    func testPathsFollowObjectsOnlyAndPrefixesWin() throws {
        let text = #"{"a":{"b":1,"c":{"d":[1,{"e":2}],"f":"x"}},"g":[{"b":3}],"h":{"b":[]}}"#
        func parse(_ paths: [[String]]) throws -> JSONValue { try JSONValue.parse(Array(text.utf8), skipping: JSONSkipPaths(paths)) }
        XCTAssertEqual(try parse([["a", "b"]]).jsonString, #"{"a":{"c":{"d":[1,{"e":2}],"f":"x"}},"g":[{"b":3}],"h":{"b":[]}}"#)
        // A path never enters an array.
        XCTAssertEqual(try parse([["g", "b"], ["a", "c", "d", "e"]]).jsonString, text)
        // A prefix skips everything below it, whichever order the paths come in.
        XCTAssertEqual(try parse([["a", "c", "f"], ["a"]]).jsonString, #"{"g":[{"b":3}],"h":{"b":[]}}"#)
        XCTAssertEqual(try parse([["a"], ["a", "c", "f"]]).jsonString, #"{"g":[{"b":3}],"h":{"b":[]}}"#)
        // Values of every kind; an empty path is ignored.
        XCTAssertEqual(try parse([["h", "b"], ["a", "c", "d"], []]).jsonString, #"{"a":{"b":1,"c":{"f":"x"}},"g":[{"b":3}],"h":{}}"#)
        // The root being an array or a scalar: nothing to skip.
        XCTAssertEqual(try JSONValue.parse(Array(#"[{"a":1}]"#.utf8), skipping: JSONSkipPaths([["a"]])), [["a": 1]])
        XCTAssertEqual(try JSONValue.parse(Array("7".utf8), skipping: JSONSkipPaths([["a"]])), 7)
    }

    func testReportNamesPathsBytesAndDuplicates() throws {
        let text = #"{"x":1, "s" : {"k":[1,2]} ,"t":{"u":"v\"w"},"s":null}"#
        let bytes = Array(text.utf8)
        var report = JSONSkipReport()
        let value = try JSONValue.parse(bytes, skipping: JSONSkipPaths([["t", "u"], ["s"]]), report: &report)
        XCTAssertEqual(value.jsonString, #"{"x":1,"t":{}}"#)
        XCTAssertEqual(report.skipped.map(\.path), [1, 0, 1])
        XCTAssertEqual(report.skipped.map { String(decoding: bytes[$0.bytes], as: UTF8.self) }, [#"{"k":[1,2]}"#, #""v\"w""#, "null"])
        XCTAssertFalse(report.hadDuplicateKeys)  // skipped duplicates show as a path listed twice
        _ = try JSONValue.parse(Array(#"{"a":{"b":1,"b":2},"s":1}"#.utf8), skipping: JSONSkipPaths([["s"]]), report: &report)
        XCTAssertTrue(report.hadDuplicateKeys)
        XCTAssertEqual(report.skipped.map(\.path), [0])
    }

    /// Duplicate keys keep their meaning (last value wins, at the first position) around skipped ones.
    func testDuplicateKeysAroundSkippedMembers() throws {
        let cases = [
            #"{"a":1,"s":2,"a":3}"#,
            #"{"s":1,"a":1,"s":{"x":[]},"a":2}"#,
            #"{"p":{"s":1,"q":2},"p":{"q":3}}"#,
            #"{"p":{"q":3},"p":{"s":1,"q":2,"s":3}}"#,
        ]
        let paths = [["s"], ["p", "s"]]
        for text in cases {
            let bytes = Array(text.utf8)
            XCTAssertEqual(Self.outcome(bytes, skipping: JSONSkipPaths(paths)), Self.outcome(bytes, removing: paths), text)
        }
    }

    // MARK: - Rejected exactly as by the full parse

    /// The conformance suite's rejected documents, each placed as the value of a skipped member
    /// (and as a key inside one): the same error (offset and reason) as the full parse.
    func testConformanceRejectsInsideSkippedValues() {
        let rejects = JSONConformanceTests(name: "rejected", testClosure: { _ in }).rejected.map { Array($0.0.utf8) }
        let invalidUTF8: [[UInt8]] = [[0x22, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x61, 0xE2, 0x82, 0x22], [0x80]]
        XCTAssertGreaterThanOrEqual(rejects.count, 50)
        let skip = JSONSkipPaths([["m", "s"]])
        var errors = 0
        for inner in rejects + invalidUTF8 {
            let shapes: [[UInt8]] = [
                Array(#"{"m":{"s":"#.utf8) + inner + Array(#","t":1}}"#.utf8),
                Array(#"{"m":{"s":"#.utf8) + inner + Array("}}".utf8),
                Array(#"{"m":{"s":[0,{"k":"#.utf8) + inner + Array("}]}}".utf8),
                Array(#"{"m":{"s":{"#.utf8) + inner + Array(":1}}}".utf8),
                Array(#"{"m":{"s":"#.utf8) + inner,
            ]
            for bytes in shapes {
                let full = Self.outcome(bytes, removing: [["m", "s"]])
                XCTAssertEqual(Self.outcome(bytes, skipping: skip), full, String(decoding: bytes, as: UTF8.self).debugDescription)
                if case .error = full { errors += 1 }
            }
        }
        // Nearly every shape is an error; a few inner texts are fine values once embedded ("1 2" is not).
        XCTAssertGreaterThan(errors, 250)
    }

    /// Random byte mutations of a document whose skipped members hold every kind of token: the
    /// skipping parse accepts exactly what the full parse accepts, and fails with the same error.
    func testMutatedDocumentsAgreeWithFullParse() throws {
        var rng = SeededGenerator(seed: 0xD1FF)
        let seed = Array(#"{"kind":"R","metadata":{"name":"r","managedFields":[{"f:spec":{".":{},"f:x":{}},"n":-12.5e+3,"t":true,"f":false,"z":null,"u":"\u00e9\ud83d\ude00 é\"\\\/\b\f\n\r\t"}],"annotations":{"a":"b","last":"{\"apiVersion\":\"v1\",\"spec\":{\"x\":[1,2]}}\n"}},"spec":{"v":[0,1.5,"s"]}}"#.utf8)
        let paths = [["metadata", "managedFields"], ["metadata", "annotations", "last"]]
        let skip = JSONSkipPaths(paths)
        XCTAssertEqual(Self.outcome(seed, skipping: skip), Self.outcome(seed, removing: paths))
        let tokens = Array("{}[]\",:\\u0e-+. ".utf8)
        var accepted = 0, rejected = 0
        for _ in 0..<20_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: if bytes.count > 1 { bytes.remove(at: at) }
                case 2: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: at)
                case 3: bytes.insert(tokens[Int.random(in: 0..<tokens.count, using: &rng)], at: at)
                default: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                }
            }
            let full = Self.outcome(bytes, removing: paths)
            XCTAssertEqual(Self.outcome(bytes, skipping: skip), full, String(decoding: bytes, as: UTF8.self).debugDescription)
            if case .error = full { rejected += 1 } else { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 1_000)
        XCTAssertGreaterThan(rejected, 1_000)
    }

    /// Skipped strings long enough for the 16-byte blocks of `skipString`, made of pieces that
    /// land on every position of a block: runs of escaped quotes (the embedded JSON of an
    /// annotation), an escaped backslash before a quote (which then ends the string), other
    /// escapes, control characters, non-ASCII (valid and not), DEL, an unescaped quote, and the
    /// end of input. The skipping parse accepts exactly what the full parse accepts and fails
    /// with the same error at the same offset.
    func testLongSkippedStringsAgreeWithFullParse() throws {
        var rng = SeededGenerator(seed: 0x5EED_16)
        let pieces: [[UInt8]] = [
            Array(#"{\"a\":\"b\",\"c\":[1,2]}"#.utf8), Array(#"\""#.utf8), Array("abcdefghijklmnop".utf8),
            Array("x".utf8), Array(#"\\"#.utf8), Array(#"\\\""#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8),
            Array(#"\ud83d\ude00"#.utf8), Array("é".utf8), [0x7F], [0x1F], [0xC3], [0x80], Array(#"\x"#.utf8),
            Array(#"\"#.utf8), [0x22], Array(#"\/"#.utf8),
        ]
        let paths = [["s"]]
        let skip = JSONSkipPaths(paths)
        var accepted = 0, rejected = 0
        for _ in 0..<20_000 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                // Mostly the pieces of an embedded document, now and then any other.
                let k = Int.random(in: 0..<100, using: &rng) < 85
                    ? Int.random(in: 0...3, using: &rng) : Int.random(in: 0..<pieces.count, using: &rng)
                text += pieces[k]
            }
            var document = Array(#"{"s":""#.utf8) + text
            // Usually closed and followed by a kept member; sometimes cut short.
            if Int.random(in: 0..<10, using: &rng) > 0 { document += Array(#"","k":"v"}"#.utf8) }
            let full = Self.outcome(document, removing: paths)
            XCTAssertEqual(Self.outcome(document, skipping: skip), full, String(decoding: document, as: UTF8.self).debugDescription)
            if case .error = full { rejected += 1 } else { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 2_000)
        XCTAssertGreaterThan(rejected, 2_000)
    }

    /// An escaped quote at every position of skipped strings of every length up to a few blocks:
    /// never taken for the end (also at a block's last byte, where its backslash escapes the next
    /// block's first byte), and the kept member after the string is read.
    func testSkippedEscapedQuoteAtEveryBlockPosition() throws {
        let skip = JSONSkipPaths([["s"]])
        for length in 1..<70 {
            for at in 0..<length {
                var text = Array(repeating: UInt8(ascii: "a"), count: length)
                text[at] = UInt8(ascii: "\\")
                text.insert(UInt8(ascii: "\""), at: at + 1)
                let document = Array(#"{"s":""#.utf8) + text + Array(#"","k":"v"}"#.utf8)
                let value = try JSONValue.parse(document, skipping: skip)
                XCTAssertEqual(value, ["k": "v"], String(decoding: document, as: UTF8.self))
            }
        }
    }

    // MARK: - Depth limit

    /// The depth limit counts the containers around a skipped value and those inside it, and
    /// names the same offset as the full parse; deeper than 64 levels (where the skipper's kind
    /// register spills) nesting mixes objects and arrays.
    func testDepthLimitInsideSkippedValues() {
        let skip = JSONSkipPaths([["a", "s"]])
        func nested(_ depth: Int, closeWrong at: Int? = nil) -> [UInt8] {
            var open = "", close = ""
            for level in 0..<depth {
                if level % 3 == 0 { open += "{\"k\":" } else { open += "[0," }
            }
            for level in (0..<depth).reversed() {
                let object = level % 3 == 0
                let wrong = level == at
                close += object ? (wrong ? "]" : "}") : (wrong ? "}" : "]")
            }
            return Array(#"{"a":{"s":"#.utf8) + Array((open + "1" + close).utf8) + Array(#","t":2}}"#.utf8)
        }
        for maxDepth in [3, 10, 70, 200] {
            let limits = JSONParseLimits(maxDepth: maxDepth, maxBytes: 1 << 20)
            for depth in [1, 2, maxDepth - 3, maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 5] where depth >= 1 {
                let bytes = nested(depth)
                let full = Self.outcome(bytes, limits: limits, removing: [["a", "s"]])
                XCTAssertEqual(Self.outcome(bytes, limits: limits, skipping: skip), full, "maxDepth \(maxDepth), depth \(depth)")
                // Two containers (the root and "a") are open around the skipped value.
                if depth + 2 <= maxDepth {
                    XCTAssertEqual(full, .value(Array(#"{"a":{"t":2}}"#.utf8)), "maxDepth \(maxDepth), depth \(depth)")
                } else {
                    guard case .error(let error) = full else { return XCTFail("depth \(depth) accepted") }
                    XCTAssertTrue(error.reason.contains("nesting deeper"), error.reason)
                }
            }
        }
        // Wrong closing brackets at every level of a 150-deep skipped value, across the spills.
        let limits = JSONParseLimits(maxDepth: 200, maxBytes: 1 << 20)
        for wrong in [0, 1, 2, 63, 64, 65, 66, 127, 128, 129, 149] {
            let bytes = nested(150, closeWrong: wrong)
            let full = Self.outcome(bytes, limits: limits, removing: [["a", "s"]])
            guard case .error = full else { return XCTFail("wrong bracket at \(wrong) accepted") }
            XCTAssertEqual(Self.outcome(bytes, limits: limits, skipping: skip), full, "wrong bracket at \(wrong)")
        }
        XCTAssertEqual(Self.outcome(nested(150), limits: limits, skipping: skip), .value(Array(#"{"a":{"t":2}}"#.utf8)))
    }

    func testHugeNestingInsideSkippedValueIsAnErrorNotACrash() {
        let bytes = Array(#"{"s":"#.utf8) + [UInt8](repeating: 0x5B, count: 1 << 20)
        XCTAssertThrowsError(try JSONValue.parse(bytes, skipping: JSONSkipPaths([["s"]]))) { error in
            XCTAssertEqual((error as? JSONParseError)?.offset, 5 + JSONParseLimits().maxDepth - 1)
        }
    }
}
