import XCTest
import Foundation
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

/// Every RayCluster in the repository's `config/samples/` (the original operator's three samples
/// and the KubeRay ones) round-trips exactly through the other version, and the v1alpha1 ones
/// become v1 objects the validating webhook allows.
final class ConfigSamplesConversionTests: XCTestCase {
    func testEverySampleRoundTrips() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let samples = root.appendingPathComponent("config/samples")
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.path).filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }.sorted()
        XCTAssertFalse(names.isEmpty, "no samples in \(samples.path)")
        var clusters = 0, alphas = 0
        for name in names {
            let bytes = try Array(Data(contentsOf: samples.appendingPathComponent(name)))
            for object in try Manifest.decode(bytes, source: name) where object["kind"] == "RayCluster" {
                clusters += 1
                let version = object.string("apiVersion") ?? ""
                if version == RayAPIGroup.v1alpha1 {
                    alphas += 1
                    assertRoundTrip(object, via: RayAPIGroup.v1)
                    let v1 = try RayClusterConverter.convert(object, to: RayAPIGroup.v1)
                    let outcome = RayClusterValidator.validate(v1)
                    XCTAssertTrue(outcome.isValid, "\(name): \(outcome.errors.map(\.message))")
                } else {
                    assertRoundTrip(object, via: RayAPIGroup.v1alpha1)
                }
            }
        }
        XCTAssertGreaterThan(clusters, 3)
        XCTAssertEqual(alphas, 3, "the original operator's three samples")
    }
}
