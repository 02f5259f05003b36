import XCTest
import TestSupport
@testable import JSON

/// Structure-level YAML: documents, anchors and merges, limits, duplicate keys, error positions.
final class YAMLLoaderTests: XCTestCase {
    func load(_ text: String, limits: YAMLLimits = YAMLLimits()) throws -> [JSONValue] {
        try YAMLLoader.load(Array(text.utf8), limits: limits)
    }

    func loadError(_ text: String, limits: YAMLLimits = YAMLLimits()) -> YAMLError? {
        do {
            _ = try YAMLLoader.load(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func testBlockAndFlowCollectionsKeepOrder() throws {
        let text = """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: sample
          labels: {b: "2", a: x}
        spec:
          workerGroupSpecs:
          - groupName: small
            replicas: 2
            rayStartParams: {}
          - groupName: big
            tags: [1, two, 3.5, null, true]
          empty: []
        """
        let documents = try load(text)
        XCTAssertEqual(documents.count, 1)
        let object = try XCTUnwrap(documents.first)
        XCTAssertEqual(object.objectValue?.keys, ["apiVersion", "kind", "metadata", "spec"])
        XCTAssertEqual(object["metadata"]?["labels"]?.objectValue?.keys, ["b", "a"])
        XCTAssertEqual(object["metadata"]?["labels"]?["b"], .string("2"))
        let groups = try XCTUnwrap(object["spec"]?["workerGroupSpecs"]?.arrayValue)
        XCTAssertEqual(groups.count, 2)
        XCTAssertEqual(groups[0]["replicas"], .integer(2))
        XCTAssertEqual(groups[0]["rayStartParams"], .object(JSONObject()))
        XCTAssertEqual(groups[1]["tags"], [1, "two", .number("3.5"), nil, true])
        XCTAssertEqual(object["spec"]?["empty"], .array([]))
    }

    func testBlockScalars() throws {
        let text = "a: |\n  line1\n  line2\nb: |-\n  x\n  y\nc: >\n  folded\n  text\n\nd: end\n"
        let documents = try load(text)
        XCTAssertEqual(documents.first?["a"], .string("line1\nline2\n"))
        XCTAssertEqual(documents.first?["b"], .string("x\ny"))
        XCTAssertEqual(documents.first?["c"], .string("folded text\n"))
        XCTAssertEqual(documents.first?["d"], .string("end"))
    }

    func testMultipleDocumentsAndEmptyOnes() throws {
        let text = "---\na: 1\n---\n# only a comment\n---\n---\nb: 2\n...\n---\n- x\n"
        let documents = try load(text)
        XCTAssertEqual(documents, [["a": 1], .null, .null, ["b": 2], ["x"]])
        XCTAssertEqual(try load(""), [])
        XCTAssertEqual(try load("# nothing\n"), [])
    }

    func testAnchorsAndAliases() throws {
        let text = """
        base: &img rayproject/ray:2.9.0
        list: &l [1, 2]
        head: *img
        again: *l
        nested: &n {x: *img}
        copy: *n
        """
        let value = try XCTUnwrap(try load(text).first)
        XCTAssertEqual(value["head"], .string("rayproject/ray:2.9.0"))
        XCTAssertEqual(value["again"], [1, 2])
        XCTAssertEqual(value["copy"], ["x": "rayproject/ray:2.9.0"])
    }

    func testMergeKeys() throws {
        let text = """
        defaults: &defaults
          cpu: "1"
          memory: 1Gi
          image: a
        extra: &extra
          image: b
          gpu: 1
        one:
          <<: *defaults
          memory: 2Gi
        two:
          memory: 4Gi
          <<: [*extra, *defaults]
        """
        let value = try XCTUnwrap(try load(text).first)
        // Explicit keys win wherever they stand; merged keys land at the `<<`.
        XCTAssertEqual(value["one"]?.objectValue?.keys, ["cpu", "image", "memory"])
        XCTAssertEqual(value["one"], ["cpu": "1", "memory": "2Gi", "image": "a"])
        // Among merged mappings the earlier wins.
        XCTAssertEqual(value["two"], ["memory": "4Gi", "image": "b", "gpu": 1, "cpu": "1"])
        XCTAssertEqual(value["two"]?.objectValue?.keys, ["memory", "image", "gpu", "cpu"])
        // A quoted "<<" is an ordinary key.
        XCTAssertEqual(try load("\"<<\": 1\n").first, ["<<": 1])
        // Merging a scalar is an error at the merge key.
        let error = try XCTUnwrap(loadError("a: &a 1\nb:\n  <<: *a\n"))
        XCTAssertEqual(error.line, 3)
        XCTAssertEqual(error.column, 3)
        XCTAssertTrue(error.reason.contains("map merge"), error.reason)
    }

    func testUnknownAndRecursiveAliases() throws {
        let unknown = try XCTUnwrap(loadError("a: 1\nb: *nope\n"))
        XCTAssertEqual(unknown.line, 2)
        XCTAssertEqual(unknown.column, 4)
        XCTAssertTrue(unknown.reason.contains("unknown anchor 'nope'"), unknown.reason)
        let recursive = try XCTUnwrap(loadError("a: &a\n  b: *a\n"))
        XCTAssertTrue(recursive.reason.contains("contains itself"), recursive.reason)
        // Anchors do not carry over to the next document.
        XCTAssertNotNil(loadError("a: &x 1\n---\nb: *x\n"))
    }

    func testBillionLaughsFailsFast() throws {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        var caught: YAMLError?
        let elapsed = clock.measure { caught = loadError(text) }
        let error = try XCTUnwrap(caught, "a billion-node document must be rejected")
        XCTAssertTrue(error.reason.contains("billion laughs"), error.reason)
        XCTAssertLessThanOrEqual(error.line, 7) // 10^6 nodes are reached by level 5 or 6
        // Not a timing target: a generous sanity bound that only catches real expansion.
        XCTAssertLessThan(elapsed, .seconds(5))
        // The same shape with few levels is fine.
        XCTAssertNoThrow(try load("a: &a [x, x]\nb: [*a, *a]\n"))
    }

    func testNodeLimitCountsAliasesAsCopies() {
        let limits = YAMLLimits(maxDepth: 64, maxNodes: 20, maxBytes: 1 << 20)
        // 1 root + 1 seq + 8 scalars = 10 nodes, plus key/value of 'b' and two 9-node aliases → over 20.
        let text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8]\nb: [*a, *a]\n"
        XCTAssertNotNil(loadError(text, limits: limits))
        XCTAssertNoThrow(try load("a: &a [1, 2, 3, 4, 5, 6, 7, 8]\nb: 1\n", limits: limits))
    }

    func testLongStringAliasedManyTimesIsBounded() throws {
        let limits = YAMLLimits(maxDepth: 64, maxNodes: 1_000_000, maxBytes: 1 << 20, maxExpandedBytes: 1 << 20)
        let long = String(repeating: "x", count: 100_000)
        let refs = Array(repeating: "*s", count: 20).joined(separator: ", ")
        let error = try XCTUnwrap(loadError("s: &s \(long)\nl: [\(refs)]\n", limits: limits))
        XCTAssertEqual(error.line, 2)
        XCTAssertTrue(error.reason.contains("bytes of text"), error.reason)
        // Five copies fit.
        XCTAssertNoThrow(try load("s: &s \(long)\nl: [*s, *s, *s, *s, *s]\n", limits: limits))
        // Nested: a mapping holding the string, aliased, counts its text too.
        XCTAssertNotNil(loadError("m: &m {a: \(long), b: \(long)}\nl: [\(Array(repeating: "*m", count: 6).joined(separator: ", "))]\n", limits: limits))
    }

    func testDepthLimit() throws {
        let limits = YAMLLimits(maxDepth: 8, maxNodes: 1000, maxBytes: 1 << 20)
        XCTAssertNoThrow(try load("[[[[[[[[]]]]]]]]", limits: limits))  // 8 levels
        let error = try XCTUnwrap(loadError("[[[[[[[[[]]]]]]]]]", limits: limits))  // 9 levels
        XCTAssertEqual(error.column, 9)
        XCTAssertTrue(error.reason.contains("nesting"), error.reason)
        // Aliases count with their own depth.
        let alias = try XCTUnwrap(loadError("a: &a [[[[[[x]]]]]]\nb: [[*a]]\n", limits: limits))
        XCTAssertTrue(alias.reason.contains("deeper"), alias.reason)
        // Very deep input with default limits: an error, not a crash.
        let deep = String(repeating: "[", count: 100_000)
        XCTAssertNotNil(loadError(deep))
    }

    func testDuplicateKeysAreErrors() throws {
        let error = try XCTUnwrap(loadError("metadata:\n  name: a\n  labels: {}\n  name: b\n"))
        XCTAssertEqual(error.line, 4)
        XCTAssertEqual(error.column, 3)
        XCTAssertTrue(error.reason.contains("\"name\" already set in map (first at line 2)"), error.reason)
        // The same key in different mappings is fine.
        XCTAssertNoThrow(try load("a: {name: 1}\nb: {name: 2}\n"))
    }

    func testSyntaxErrorsNameLineAndColumn() throws {
        let cases: [(String, Int, Int)] = [
            ("a: 1\nb: [1, 2\n", 3, 1),
            ("a: 1\n  b: 2\n", 2, 4),
            ("a: \"unterminated\n", 2, 1),
            ("key: value\n\tbad: tab\n", 2, 1),
            ("a: b: c\n", 1, 5),
        ]
        for (text, line, column) in cases {
            guard let error = loadError(text) else {
                XCTFail("\(text.debugDescription) accepted")
                continue
            }
            XCTAssertEqual(error.line, line, "\(text.debugDescription): \(error)")
            XCTAssertEqual(error.column, column, "\(text.debugDescription): \(error)")
            XCTAssertFalse(error.reason.isEmpty)
        }
    }

    func testInvalidUTF8AndControlCharactersRejected() {
        XCTAssertNotNil(try? YAMLLoader.load([0x61, 0x3A, 0x20, 0x62, 0x0A]))
        XCTAssertThrowsError(try YAMLLoader.load([0x61, 0x3A, 0x20, 0xFF, 0x0A]))
        XCTAssertThrowsError(try YAMLLoader.load([0x61, 0x3A, 0x20, 0xC3, 0x0A]))
        XCTAssertThrowsError(try YAMLLoader.load([0x61, 0x3A, 0x20, 0x01, 0x0A]))
    }

    func testSizeLimit() {
        let limits = YAMLLimits(maxDepth: 8, maxNodes: 100, maxBytes: 8, maxExpandedBytes: 100)
        XCTAssertNoThrow(try load("a: 1234", limits: limits))
        XCTAssertNotNil(loadError("a: 123456", limits: limits))
    }

    func testMutatedManifestsNeverCrashAndWhatLoadsRoundTrips() throws {
        let seed = Array("""
        a: &x {b: [1, 2.5, yes, ~, "q\\n", 'it''s'], c: 0x1F}
        c: |
          block
          text
        d:
          <<: *x
          e: !!str 12
          f:
          - g: h
            i: [*x]
        ---
        j: >-
          folded
        """.utf8)
        XCTAssertNoThrow(try YAMLLoader.load(seed))
        var rng = SeededGenerator(seed: 5150)
        var accepted = 0, rejected = 0
        for _ in 0..<3_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...3, using: &rng) {
                case 0: bytes[at] = bytes[Int.random(in: 0..<bytes.count, using: &rng)]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: at)
                default: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                let documents = try YAMLLoader.load(bytes)
                accepted += 1
                for document in documents {
                    XCTAssertEqual(try YAMLLoader.load(Array(Manifest.yaml(document).utf8)), [document])
                }
            } catch {
                rejected += 1
                XCTAssertGreaterThanOrEqual(error.line, 1)
                XCTAssertGreaterThanOrEqual(error.column, 1)
            }
        }
        XCTAssertGreaterThan(accepted, 0)
        XCTAssertGreaterThan(rejected, 0)
    }

    func testRandomBytesNeverCrash() {
        var rng = SeededGenerator(seed: 99)
        let alphabet = Array("ab: -\n[]{},&*!|>'\"#?%@`<~\t 01.xe".utf8) + [0x00, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...32, using: &rng)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            if (try? YAMLLoader.load(bytes, limits: YAMLLimits(maxDepth: 32, maxNodes: 10_000, maxBytes: 1 << 16))) != nil {
                accepted += 1
            }
        }
        XCTAssertGreaterThan(accepted, 0)
    }

    /// libyaml's reader reports a refused byte by offset, not by mark: the error must still point
    /// at the line and column of that byte (a NUL on line 4 is not "line 1, column 1").
    func testNULAndInvalidUTF8ArePlacedAtTheirLineAndColumn() {
        let prefix = Array("apiVersion: ray.io/v1\nkind: RayCluster\nmetadata:\n  name: \u{e9}a".utf8)
        for (bad, word) in [(UInt8(0x00), "control characters"), (UInt8(0xFF), "UTF-8")] {
            let bytes = prefix + [bad] + Array("b\n".utf8)
            do {
                _ = try YAMLLoader.load(bytes)
                XCTFail("byte \(bad) must be refused")
            } catch {
                XCTAssertEqual(error.line, 4, "\(error)")
                // "  name: éa" is 10 characters (é is one, though two bytes): the bad byte is the 11th.
                XCTAssertEqual(error.column, 11, "\(error)")
                XCTAssertTrue(error.reason.contains(word), error.reason)
                XCTAssertTrue(error.reason.contains("offset \(prefix.count)"), error.reason)
            }
        }
    }
}
