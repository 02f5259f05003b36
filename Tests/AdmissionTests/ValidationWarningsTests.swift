import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// Warnings: texts, order, and the 120-character promise.
final class ValidationWarningsTests: XCTestCase {
    func warnings(_ object: JSONValue) -> [String] { RayClusterValidator.validate(object).warnings }

    func testReplicasOutsideTheRangeAreClamped() {
        XCTAssertEqual(warnings(RC.cluster(workers: [RC.worker("a", replicas: 10, min: 1, max: 5), RC.worker("b", replicas: 0, min: 2, max: 5)])), [
            "worker group a: replicas 10 is above maxReplicas 5 and will be clamped to 5",
            "worker group b: replicas 0 is below minReplicas 2 and will be clamped to 2",
        ])
        XCTAssertEqual(warnings(RC.cluster(workers: [RC.worker("a", replicas: 5, min: 1, max: 5)])), [])
        // Absent replicas is the CRD default 0.
        XCTAssertEqual(warnings(RC.cluster().with(At.worker(0), "replicas", value: nil)),
                       ["worker group workergroup: replicas 0 is below minReplicas 1 and will be clamped to 1"])
        // min > max is an error (S9), not a clamping warning.
        XCTAssertEqual(warnings(RC.cluster(workers: [RC.worker("a", replicas: 4, min: 5, max: 3)])), [])
    }

    func testDeprecatedFaultToleranceAnnotation() {
        XCTAssertEqual(warnings(RC.cluster().with(["metadata", "annotations", "ray.io/ft-enabled"], value: "true")),
                       ["annotation ray.io/ft-enabled is deprecated; use spec.gcsFaultToleranceOptions instead"])
    }

    func testAutoscalerV1RestartPolicy() {
        let object = RC.cluster(workers: [RC.worker("a"), RC.worker("b"), RC.worker("c")])
            .with("spec", "enableInTreeAutoscaling", true).with("spec", "autoscalerOptions", ["version": "v1"])
            .with(At.worker(0) + ["template", "spec", "restartPolicy"], value: "Always")
            .with(At.worker(2) + ["template", "spec", "restartPolicy"], value: "OnFailure")
        XCTAssertEqual(warnings(object), ["restartPolicy for worker groups [a, c] should be Never or unset when using autoscaler V1"])
        // Not without an explicit v1, nor without autoscaling.
        XCTAssertEqual(warnings(object.with("spec", "autoscalerOptions", nil)), [])
    }

    func testV1WarningWithManyLongNamesIsShortened() {
        let names = (0..<6).map { "group-\($0)-" + String(repeating: "x", count: 12) }
        let text = Warnings.v1RestartPolicy(names)
        XCTAssertLessThanOrEqual(text.count, 120)
        XCTAssertTrue(text.hasPrefix("restartPolicy for worker groups [group-0-"), text)
        XCTAssertTrue(text.contains(" more] should be Never or unset when using autoscaler V1"), text)
    }

    func testRayVersionAgainstImageTag() {
        let object = RC.cluster().with("spec", "rayVersion", "2.8.0").with(At.headContainer, "image", value: "rayproject/ray:2.9.0")
        XCTAssertEqual(warnings(object), ["spec.rayVersion 2.8.0 differs from the Ray version 2.9.0 of the head image rayproject/ray:2.9.0"])
        XCTAssertEqual(warnings(object.with("spec", "rayVersion", "2.9")), [])
        XCTAssertEqual(warnings(object.with(At.headContainer, "image", value: "rayproject/ray:2.8.0-py310-gpu")), [])
        XCTAssertEqual(warnings(object.with(At.headContainer, "image", value: "rayproject/ray:nightly")), [])
        XCTAssertEqual(warnings(object.with(At.headContainer, "image", value: "example.com/custom:2.9.0")), [])
        XCTAssertEqual(warnings(object.with("spec", "rayVersion", nil)), [])
    }

    func testLongPodNamesWarnAboutHostnames() {
        let name = String(repeating: "a", count: 53)
        XCTAssertEqual(warnings(RC.cluster(name: name)), [
            "the head pod name is 70 characters; Kubernetes cuts pod hostnames to 63",
            "worker group workergroup: pod names reach 74 characters; Kubernetes cuts pod hostnames to 63",
        ])
        XCTAssertEqual(warnings(RC.cluster(name: String(repeating: "a", count: 46), workers: [RC.worker("wg")])), [])
        // Long names with many names still fall back to a count.
        XCTAssertEqual(Warnings.v1RestartPolicy([String(repeating: "n", count: 63), "b"]),
                       "restartPolicy for 2 worker groups should be Never or unset when using autoscaler V1")
    }

    func testPodIndexFollowsDesiredPods() {
        var w = WorkerGroupFacts(index: 0, raw: .null)
        w.replicas = 12; w.minReplicas = 1; w.maxReplicas = 100; w.numOfHosts = 2
        XCTAssertEqual(PodNameRules.highestIndex(w), 23)
        w.replicas = 0; w.minReplicas = 0
        XCTAssertEqual(PodNameRules.highestIndex(w), 0)
        w.replicas = Int64(Int32.max); w.maxReplicas = Int64(Int32.max); w.numOfHosts = Int64(Int32.max)
        XCTAssertGreaterThan(PodNameRules.highestIndex(w), 0)
    }

    func testEveryWarningFitsIn120Characters() {
        let long = String(repeating: "g", count: 63)
        let object = RC.cluster(name: String(repeating: "c", count: 53),
                                workers: [RC.worker(long, replicas: 2_000_000_000, min: 1_000_000_000, max: 1_500_000_000)])
            .with(["metadata", "annotations", "ray.io/ft-enabled"], value: "true")
            .with("spec", "enableInTreeAutoscaling", true).with("spec", "autoscalerOptions", ["version": "v1"])
            .with(At.worker(0) + ["template", "spec", "restartPolicy"], value: "Always")
            .with("spec", "rayVersion", "2.8.0")
            .with(At.headContainer, "image", value: .string("registry.example.com:5000/" + String(repeating: "p/", count: 40) + "ray:2.9.0-py310-gpu"))
        let all = warnings(object)
        XCTAssertEqual(all.count, 6, "\(all)")
        for w in all { XCTAssertLessThanOrEqual(w.count, 120, w) }
        XCTAssertTrue(all[0].hasPrefix("spec.workerGroupSpecs[0]: replicas 2000000000 is above maxReplicas 1500000000"), all[0])
        XCTAssertEqual(all[3], "spec.rayVersion 2.8.0 differs from the Ray version 2.9.0 of the head container image")
    }

    func testFitCutsOnlyWhenNeeded() {
        XCTAssertEqual(Warnings.fit("short"), "short")
        let cut = Warnings.fit(String(repeating: "x", count: 200))
        XCTAssertEqual(cut.count, 120)
        XCTAssertTrue(cut.hasSuffix("..."))
    }
}

/// All failures at once, in a stable order.
final class ValidationOrderTests: XCTestCase {
    func testAllFailuresAtOnceInRuleTableOrder() {
        let object = RC.cluster(name: "Bad.Name", workers: [RC.worker("a", min: -1), RC.worker("a"), RC.worker("b", min: 5, max: 3)])
            .with(At.worker(0), "replicas", value: "x")
            .with("spec", "tlsOptions", ["enabled": true])
            .with("spec", "networkPolicy", ["mode": "DenyAll"])
            .with("spec", "upgradeStrategy", ["type": "Rolling"])
            .with(At.headContainer, "env", value: [RC.env("REDIS_USERNAME", "u")])
        let fields = RayClusterValidator.validate(object).errors.map(\.field)
        XCTAssertEqual(fields, [
            "spec.workerGroupSpecs[0].replicas",                  // schema
            "metadata.name",                                      // W2
            "spec.workerGroupSpecs[1]",                           // W3
            "spec.workerGroupSpecs[0].minReplicas",               // S7
            "spec.workerGroupSpecs[2].minReplicas",               // S9
            "spec.headGroupSpec.template.spec.containers[0].env[0]", // S35
            "spec.networkPolicy",                                 // S61
            "spec.tlsOptions",                                    // S66
            "spec.upgradeStrategy.type",                          // U1
        ])
    }

    func testOrderIsStableAcrossRuns() {
        let object = RC.cluster(name: "x.y", workers: (0..<20).map { RC.worker("g\($0 % 7)", min: Int64($0 % 3) - 1) })
        let first = RayClusterValidator.validate(object)
        XCTAssertFalse(first.errors.isEmpty)
        for _ in 0..<5 { XCTAssertEqual(RayClusterValidator.validate(object), first) }
    }
}

/// The hostname warning computes pod name lengths instead of building names: same as RayNaming.
final class ValidationPodNameTests: XCTestCase {
    func testComputedLengthMatchesRayNaming() {
        for (cluster, group, type, index) in [("raycluster-sample", "small-group", RayNodeType.worker, 0),
                                              ("a", "headgroup", .head, 0), ("abc", "g", .worker, 9),
                                              ("abc", "g", .worker, 10), ("abc", "g", .worker, 1_234_567)] {
            XCTAssertEqual(Warnings.podNameLength(cluster.utf8.count, group.utf8.count, type, index: index),
                           RayNaming.podName(cluster: cluster, group: group, type: type, index: index).utf8.count)
        }
    }
}

extension ValidationWarningsTests {
    /// Warnings end up in HTTP `Warning` headers: no control characters from user text.
    func testControlCharactersInUserTextAreReplaced() {
        let object = RC.cluster(workers: [RC.worker("a\nb", replicas: 9, min: 1, max: 5)])
        let all = warnings(object)
        XCTAssertEqual(all, ["worker group a?b: replicas 9 is above maxReplicas 5 and will be clamped to 5"])
        XCTAssertEqual(Warnings.fit("x\u{7F}\ty"), "x??y")
    }
}
