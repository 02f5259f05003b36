import XCTest
@testable import Admission
@testable import Conversion
import JSON
import RayAPI

/// Fields edited through the other version win over the copy kept in the annotation.
final class EditsWinTests: XCTestCase {
    func testImageEditedThroughV1WinsOverStoredAlphaForm() throws {
        let alpha = Fixture.object(SeedSamples.mini)
        var v1 = try RayClusterConverter.convert(alpha, to: RayAPIGroup.v1)
        var container = try XCTUnwrap(v1["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"]?[0])
        container["image"] = "rayproject/ray:2.41.0"
        v1["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"] = .array([container])
        let back = try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)
        let spec = try XCTUnwrap(back.view("spec", as: V1Alpha1.Spec.self))
        let head = try XCTUnwrap(spec.headExtension)
        XCTAssertEqual(spec.defaultImage == "rayproject/ray:2.41.0" ? spec.defaultImage : head.image, "rayproject/ray:2.41.0")
        // Everything v1 could not express is still restored.
        XCTAssertEqual(head.groupName, "head-group")
        XCTAssertEqual(head.headServiceSuffix, "ray-operator.svc")
        XCTAssertEqual(head.command, SeedSamples.headCommand)
        // The worker still runs the old image.
        let worker = try XCTUnwrap(spec.extensions?.first { !$0.isHead })
        XCTAssertEqual(worker.image ?? spec.defaultImage, "rayproject/autoscaler")
    }

    func testCommandEditedThroughAlphaWinsOverStoredV1Command() throws {
        let v1 = Fixture.object(KubeRayManifests.customCommands)
        var alpha = try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)
        // The python worker group has no v1alpha1 command; give it one.
        guard case .array(var extensions)? = alpha["spec"]?["extensions"] else { return XCTFail("no extensions") }
        extensions[1]["command"] = "ray start --block"
        extensions[1]["replicas"] = 3
        alpha["spec"]?["extensions"] = .array(extensions)
        let back = try RayClusterConverter.convert(alpha, to: RayAPIGroup.v1)
        let group = try XCTUnwrap(back["spec"]?["workerGroupSpecs"]?[1])
        let container = try XCTUnwrap(group["template"]?["spec"]?["containers"]?[0])
        XCTAssertEqual(container["command"], ["/bin/bash", "-c", "--"])
        XCTAssertEqual(container["args"], ["ray start --block"])
        XCTAssertEqual(group["replicas"], 3)
        // What alpha could not see is kept: the container's name, resources, the group's bounds.
        XCTAssertEqual(container["name"], "ray-worker")
        XCTAssertEqual(container["resources"]?["limits"]?["nvidia.com/gpu"], 1)
        XCTAssertEqual(group["maxReplicas"], 1)
        // The untouched groups are exactly as they were.
        XCTAssertEqual(back["spec"]?["workerGroupSpecs"]?[0], v1["spec"]?["workerGroupSpecs"]?[0])
        XCTAssertEqual(back["spec"]?["headGroupSpec"], v1["spec"]?["headGroupSpec"])
    }

    func testGroupDeletedThroughAlphaStaysDeletedAndNewGroupArrives() throws {
        let v1 = Fixture.object(KubeRayManifests.customCommands)
        var alpha = try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)
        guard case .array(var extensions)? = alpha["spec"]?["extensions"] else { return XCTFail("no extensions") }
        extensions.remove(at: 0)  // bash-workers
        extensions.insert(["replicas": 1, "type": "worker", "groupName": "new-group", "command": "ray start --block"], at: 0)
        alpha["spec"]?["extensions"] = .array(extensions)
        let back = try RayClusterConverter.convert(alpha, to: RayAPIGroup.v1)
        let groups = try XCTUnwrap(back["spec"]?["workerGroupSpecs"]?.arrayValue)
        XCTAssertEqual(groups.map { $0["groupName"] }, ["new-group", "python-workers"])
        XCTAssertEqual(groups[1], v1["spec"]?["workerGroupSpecs"]?[1], "the kept group keeps its v1-only fields")
        XCTAssertNil(groups[0]["scaleStrategy"], "the deleted group's v1-only fields do not leak into others")
        XCTAssertEqual(groups[0]["template"]?["spec"]?["containers"]?[0]?["image"], "rayproject/ray:2.41.0")
    }

    func testReorderedWorkersThroughV1KeepTheirOwnData() throws {
        let alpha = Fixture.object(SeedSamples.complete)
        var v1 = try RayClusterConverter.convert(alpha, to: RayAPIGroup.v1)
        guard case .array(let workers)? = v1["spec"]?["workerGroupSpecs"] else { return XCTFail("no workers") }
        v1["spec"]?["workerGroupSpecs"] = .array(workers.reversed())
        let back = try RayClusterConverter.convert(v1, to: RayAPIGroup.v1alpha1)
        let names = back["spec"]?["extensions"]?.arrayValue?.map { $0["groupName"] }
        XCTAssertEqual(names, ["medium-group", "small-group", "headgroup"])
        XCTAssertEqual(back["spec"]?["extensions"]?[0]?["headServiceSuffix"], "ray-operator.svc")
    }
}
