import XCTest
@testable import JSON

/// `Manifest.decode` (format detection, Lists, empty documents, error messages) and
/// `Manifest.yaml` (kubectl's shape; decode(yaml(v)) == [v]).
final class ManifestDecodeTests: XCTestCase {
    func decode(_ text: String, source: String = "test.yaml") throws -> [JSONValue] {
        try Manifest.decode(Array(text.utf8), source: source)
    }

    func decodeError(_ text: String, source: String = "in.yaml") -> String? {
        do {
            _ = try Manifest.decode(Array(text.utf8), source: source)
            return nil
        } catch {
            return error.message
        }
    }

    func testJSONInputIsParsedAsJSON() throws {
        // Strict JSON: `"01"` stays a string, and JSON numbers keep their kinds.
        let docs = try decode("  \n{\"kind\":\"RayCluster\",\"n\":1.50,\"s\":\"yes\"}")
        XCTAssertEqual(docs, [["kind": "RayCluster", "n": .number("1.50"), "s": "yes"]])
        if case .number(let literal)? = docs.first?["n"] { XCTAssertEqual(literal, "1.50") } else { XCTFail() }
    }

    func testJSONStreamAndTopLevelArray() throws {
        XCTAssertEqual(try decode("{\"a\":1}\n{\"b\":2} {\"c\":3}"), [["a": 1], ["b": 2], ["c": 3]])
        // A top-level array is one document (as in YAML), not a list of documents.
        XCTAssertEqual(try decode("[{\"a\":1},{\"b\":2}]"), [[["a": 1], ["b": 2]]])
        XCTAssertEqual(try decode("[]"), [[]])
    }

    func testJSONErrorsNameSourceAndOffset() throws {
        let message = try XCTUnwrap(decodeError("{\n  \"a\": 1,\n}", source: "cluster.json"))
        XCTAssertEqual(message, "cluster.json: invalid JSON at byte 12 (line 3, column 1): unexpected '}', expected a string (member name)")
        let trailing = try XCTUnwrap(decodeError("{\"a\":1} x", source: "s.json"))
        XCTAssertTrue(trailing.hasPrefix("s.json: invalid JSON at byte 8 (line 1, column 9):"), trailing)
    }

    func testYAMLErrorsNameSourceLineAndColumn() throws {
        let message = try XCTUnwrap(decodeError("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n", source: "pod.yaml"))
        XCTAssertEqual(message, "pod.yaml: line 5, column 3: key \"name\" already set in map (first at line 4)")
        let syntax = try XCTUnwrap(decodeError("a: [1, 2\n", source: "x.yaml"))
        XCTAssertTrue(syntax.hasPrefix("x.yaml: line 2, column 1: "), syntax)
    }

    func testEmptyDocumentsSkipped() throws {
        XCTAssertEqual(try decode(""), [])
        XCTAssertEqual(try decode("---\n---\n# c\n---\nnull\n"), [])
        XCTAssertEqual(try decode("---\nkind: A\n---\n\n---\nkind: B\n"), [["kind": "A"], ["kind": "B"]])
    }

    func testListsAreFlattened() throws {
        let text = """
        apiVersion: v1
        kind: List
        items:
        - kind: RayCluster
          metadata: {name: a}
        - apiVersion: v1
          kind: List
          items:
          - kind: RayCluster
            metadata: {name: b}
        ---
        apiVersion: ray.io/v1
        kind: RayClusterList
        items:
        - kind: RayCluster
          metadata: {name: c}
        ---
        kind: RayCluster
        metadata: {name: d}
        """
        let names = try decode(text).map { $0["metadata"]?["name"]?.stringValue }
        XCTAssertEqual(names, ["a", "b", "c", "d"])
        // A List without items is not a list of documents; neither is a kind that merely contains "List".
        XCTAssertEqual(try decode("kind: List\n").count, 1)
        XCTAssertEqual(try decode("kind: ListThing\nitems: [1]\n").count, 1)
    }

    func testByteOrderMarkIgnored() throws {
        XCTAssertEqual(try Manifest.decode([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8), source: "bom.json"), [["a": 1]])
        XCTAssertEqual(try Manifest.decode([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), source: "bom.yaml"), [["a": 1]])
    }

    func testRealFilesOnDisk() throws {
        // Whatever samples the repository ships must decode (and re-encode losslessly).
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/samples")
        // A missing or unreadable folder is a failure, not a pass over nothing.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }
        XCTAssertGreaterThanOrEqual(files.count, 10, "expected the samples of config/samples in \(directory.path)")
        var checked = 0
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            let documents = try Manifest.decode(bytes, source: file)
            XCTAssertFalse(documents.isEmpty, file)
            for document in documents {
                XCTAssertEqual(try Manifest.decode(Array(Manifest.yaml(document).utf8), source: file), [document], file)
                XCTAssertEqual(try JSONValue.parse(document.serialized()), document, file)
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, files.count)
    }
}
