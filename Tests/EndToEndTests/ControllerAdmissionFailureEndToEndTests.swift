import Foundation
import XCTest

/// Creates that the API server refuses (here a LimitRange, as a quota or a policy webhook would):
/// the controller says so where users look (a Warning event and the ReplicaFailure condition), retries
/// with a growing backoff instead of a hot loop, and converges once the obstacle is gone, clearing
/// the condition.
final class ControllerAdmissionFailureEndToEndTests: XCTestCase {
    func testRefusedWorkerCreatesAreReportedRetriedWithBackoffAndRecovered() throws {
        let kubeconfig = try Prerequisite.requireKubeconfig()
        let webhook = try LocalWebhook(kubeconfig: kubeconfig)
        defer { webhook.stop() }
        try webhook.install()
        let kubectl = webhook.kubectl
        let namespace = webhook.namespace
        let limit = try kubectl.runRetrying(["create", "-n", namespace, "-f", "-"], stdin: """
            apiVersion: v1
            kind: LimitRange
            metadata: {name: small}
            spec:
              limits:
              - type: Container
                max: {cpu: 500m}
            """)
        XCTAssertTrue(limit.succeeded, limit.stderr)
        let controller = try LocalController(kubeconfig: kubeconfig, name: "refused", arguments: ["--namespace", namespace])
        defer { controller.stop() }
        try controller.waitReady()

        let created = try kubectl.runRetrying(["create", "-n", namespace, "-f", "-"], stdin: """
            apiVersion: ray.io/v1
            kind: RayCluster
            metadata: {name: refused}
            spec:
              headGroupSpec:
                rayStartParams: {}
                template: {spec: {containers: [{name: ray-head, image: rayproject/ray:2.9.0, resources: {limits: {cpu: 200m}}}]}}
              workerGroupSpecs:
              - {groupName: small, replicas: 2, minReplicas: 0, maxReplicas: 5, rayStartParams: {},
                 template: {spec: {containers: [{name: ray-worker, image: rayproject/ray:2.9.0, resources: {limits: {cpu: "1"}}}]}}}
            """)
        XCTAssertTrue(created.succeeded, created.stderr)

        // The head is made (its container fits); the workers are refused, and users are told.
        func condition(_ type: String) throws -> [String: Any]? {
            let cluster = try kubectl.getJSON(["rayclusters.v1.ray.io", "refused", "-n", namespace])
            return (JSON.at(cluster, "status", "conditions") as? [[String: Any]] ?? []).first { $0["type"] as? String == type }
        }
        try Kubectl.waitUntil(timeout: 60, "the ReplicaFailure condition") {
            try condition("ReplicaFailure")?["status"] as? String == "True"
        }
        let failure = try XCTUnwrap(try condition("ReplicaFailure"))
        XCTAssertEqual(failure["reason"] as? String, "FailedCreateWorkerPod")
        XCTAssertTrue((failure["message"] as? String ?? "").contains("maximum cpu usage per Container is 500m"), "\(failure)")
        try Kubectl.waitUntil(timeout: 30, "a FailedToCreateWorkerPod event") {
            let events = try kubectl.getJSON(["events", "-n", namespace, "--field-selector", "reason=FailedToCreateWorkerPod"])
            return !((events["items"] as? [Any]) ?? []).isEmpty
        }
        XCTAssertTrue(try kubectl.run(["get", "pod", "refused-headgroup-head-0", "-n", namespace]).succeeded)

        // Backoff, not a hot loop: over 15 s, a handful of attempts, not hundreds.
        let before = try controller.sum("ray_operator_api_calls_total", where: ["verb=\"create\"", "resource=\"pods\""])
        Thread.sleep(forTimeInterval: 15)
        let attempts = try controller.sum("ray_operator_api_calls_total", where: ["verb=\"create\"", "resource=\"pods\""]) - before
        XCTAssertLessThanOrEqual(attempts, 10, "\(attempts) refused creates in 15 s")
        // Nor does a failing pass rewrite the status each time.
        let statusWrites = try controller.sum("ray_operator_api_calls_total", where: ["resource=\"rayclusters/status\""])
        XCTAssertLessThanOrEqual(statusWrites, 3, "the status was written \(statusWrites) times while nothing changed")

        // The obstacle goes: the workers are made and the condition is removed.
        XCTAssertTrue(try kubectl.run(["delete", "limitrange", "small", "-n", namespace]).succeeded)
        try Kubectl.waitUntil(timeout: 90, "the workers after the LimitRange is gone") {
            let pods = try kubectl.getJSON(["pods", "-n", namespace, "-l", "ray.io/cluster=refused,ray.io/node-type=worker"])
            return (pods["items"] as? [Any])?.count == 2
        }
        try Kubectl.waitUntil(timeout: 30, "the ReplicaFailure condition removed") { try condition("ReplicaFailure") == nil }
    }
}
