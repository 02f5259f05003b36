import XCTest
import Foundation
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// The repository's samples (config/samples: KubeRay's and the original operator's) through the
/// defaulter: every patch adds only, applies with Python's jsonpatch to the object as sent, and
/// defaulting the result gives nothing more. The samples also pass `validate`.
final class DefaultingSamplesTests: XCTestCase {
    static let samplesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/samples")

    func sampleObjects() throws -> [(String, JSONValue)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.samplesDirectory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        var objects: [(String, JSONValue)] = []
        for name in names {
            let bytes = Array(try Data(contentsOf: Self.samplesDirectory.appendingPathComponent(name)))
            for document in try Manifest.decode(bytes, source: name) where document["kind"] == "RayCluster" {
                switch document["apiVersion"]?.stringValue {
                case "ray.io/v1"?: objects.append((name, document))
                case "ray.io/v1alpha1"?: objects.append((name, try RayClusterConverter.convert(document, to: "ray.io/v1")))
                default: XCTFail("\(name): unexpected apiVersion")
                }
            }
        }
        return objects
    }

    func testSamplesDefaultCleanlyAndAreValid() throws {
        let objects = try sampleObjects()
        XCTAssertGreaterThanOrEqual(objects.count, 8, "config/samples should hold the KubeRay and original samples")
        var lines: [String] = []
        var expected: [JSONValue] = []
        for (name, object) in objects {
            let verdict = RayClusterValidator.validate(object)
            XCTAssertTrue(verdict.isValid, "\(name): \(verdict.errors.map(\.message))")
            let patch = RayClusterDefaulter.patch(for: object)
            XCTAssertTrue(patch.allSatisfy { $0.op == "add" }, name)
            let patched = try JSONPatch.apply(patch, to: object)
            XCTAssertTrue(GeneratedRayCluster.keepsEverything(original: object, patched: patched), name)
            XCTAssertEqual(RayClusterDefaulter.patch(for: patched), [], "\(name) is not idempotent")
            XCTAssertTrue(RayClusterValidator.validate(patched).isValid, "\(name): defaulting made it invalid")
            lines.append(#"{"doc":"# + object.jsonString + #","patch":"# + JSONPatch.jsonValue(patch).jsonString + "}")
            expected.append(patched)
        }
        let script = """
        import sys, json, jsonpatch
        for line in sys.stdin:
            case = json.loads(line)
            print(json.dumps(jsonpatch.apply_patch(case["doc"], case["patch"]), separators=(",", ":")))
        """
        let output = try runTool("/usr/bin/env", ["python3", "-c", script], input: Array((lines.joined(separator: "\n") + "\n").utf8))
        let results = String(decoding: output, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(results.count, expected.count)
        for (result, patched) in zip(results, expected) {
            XCTAssertEqual(try JSONValue.parse(String(result)), patched)
        }
    }
}
