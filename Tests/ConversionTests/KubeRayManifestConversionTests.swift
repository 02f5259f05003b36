import XCTest
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

final class KubeRayManifestConversionTests: XCTestCase {
    func testManifestsRoundTripExactlyThroughV1Alpha1() {
        for manifest in KubeRayManifests.all {
            let v1 = Fixture.object(manifest.yaml)
            XCTAssertEqual(v1.string("apiVersion"), RayAPIGroup.v1, manifest.name)
            assertRoundTrip(v1, via: RayAPIGroup.v1alpha1)
            // And the v1alpha1 form survives a trip back through v1 too.
            let alpha = converted(v1, to: RayAPIGroup.v1alpha1)
            assertRoundTrip(alpha, via: RayAPIGroup.v1)
        }
    }

    func testV1Alpha1ViewOfAKubeRayCluster() throws {
        let alpha = try RayClusterConverter.convert(Fixture.object(KubeRayManifests.tpuMultihost), to: RayAPIGroup.v1alpha1)
        let spec = try XCTUnwrap(alpha.view("spec", as: V1Alpha1.Spec.self))
        XCTAssertEqual(spec.clusterName, "raycluster-tpu-v4-multihost")
        XCTAssertEqual(spec.defaultImage, "rayproject/ray:2.41.0-py310")
        XCTAssertEqual(spec.imagePullPolicy, "IfNotPresent")
        let extensions = try XCTUnwrap(spec.extensions)
        XCTAssertEqual(extensions.map(\.type), ["worker", "head"])
        XCTAssertEqual(extensions.map(\.groupName), ["tpu-group", "headgroup"])
        XCTAssertEqual(extensions[0].nodeSelector?["cloud.google.com/gke-tpu-topology"], "2x2x2")
        XCTAssertEqual(extensions[0].containerEnv?.first?["name"], "JAX_PLATFORMS")
        XCTAssertNil(extensions[0].image, "same as the default image")
        XCTAssertNil(extensions[0].command, "KubeRay generates ray start: no command")
        // numOfHosts, rayStartParams, container names and ports have no v1alpha1 field: they travel.
        let data = try XCTUnwrap(annotation(alpha)?.stringValue)
        for fact in ["numOfHosts", "rayStartParams", "ray-worker", "dashboard"] {
            XCTAssertTrue(data.contains(fact), fact)
        }
    }

    func testStatusPassesThroughUnchanged() throws {
        let v1 = Fixture.object(KubeRayManifests.autoscaler)
        let alpha = try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)
        XCTAssertEqual(alpha["status"], v1["status"])
        XCTAssertEqual(alpha["metadata"]?["namespace"], "ray")
        XCTAssertEqual(alpha["metadata"]?["labels"], v1["metadata"]?["labels"])
    }

    func testBashCommandProjectsAndOtherCommandsTravel() throws {
        let alpha = try RayClusterConverter.convert(Fixture.object(KubeRayManifests.customCommands), to: RayAPIGroup.v1alpha1)
        let extensions = try XCTUnwrap(alpha["spec"]?["extensions"]?.arrayValue)
        XCTAssertEqual(extensions[0]["command"], "ray start --address=raycluster-overwrite-cmd-head-svc:6379 --block")
        XCTAssertNil(extensions[1]["command"], "python -m worker is not /bin/bash -c --")
        XCTAssertNil(extensions[2]["command"], "-lc is not the original operator's shell")
        XCTAssertEqual(extensions[2]["type"], "head")
    }
}

final class ConversionLimitTests: XCTestCase {
    /// A v1 object whose v1-only content cannot fit the 256 KiB annotation limit fails with a
    /// clear message instead of producing an object the API server would reject.
    func testDataOverTheAnnotationLimitFailsClearly() throws {
        var v1 = Fixture.object(KubeRayManifests.minimal)
        let big = String(repeating: "x", count: 300 << 10)
        v1["spec"]?["headGroupSpec"]?["rayStartParams"] = .object(JSONObject([("huge", .string(big))]))
        XCTAssertThrowsError(try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)) { error in
            let message = (error as? ConversionError)?.message ?? ""
            XCTAssertTrue(message.contains("262144"), message)
        }
        // Just under the limit converts, and back exactly.
        v1["spec"]?["headGroupSpec"]?["rayStartParams"] = .object(JSONObject([("big", .string(String(repeating: "x", count: 200 << 10)))]))
        assertRoundTrip(v1, via: RayAPIGroup.v1alpha1)
    }

    func testHeadGroupNameForReaders() throws {
        XCTAssertEqual(RayClusterConversion.headGroupName(of: Fixture.object(KubeRayManifests.minimal)), "headgroup")
        let fromAlpha = try RayClusterConverter.convert(Fixture.object(SeedSamples.mini), to: RayAPIGroup.v1)
        XCTAssertEqual(RayClusterConversion.headGroupName(of: fromAlpha), "head-group")
        XCTAssertEqual(RayClusterConversion.recordedHeadGroupName(of: Fixture.object(KubeRayManifests.minimal)), nil)
    }
}
