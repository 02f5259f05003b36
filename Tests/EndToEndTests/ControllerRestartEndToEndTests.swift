import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// A controller killed (SIGKILL, no clean-up) in the middle of its work, and a new one started in its
/// place, as a crash-looping or rescheduled pod would be: the new process knows nothing but what its
/// fresh caches show, and must converge to exactly the declared pods: no duplicate, no orphan, no
/// pod deleted beyond the declared count. The controllers are throttled (`--kube-api-qps`) so that
/// the kill really lands between writes.
final class ControllerRestartEndToEndTests: XCTestCase {
    /// Slow enough that a 24-pod scale takes several seconds, so the kill lands mid-way.
    static let throttled = ["--kube-api-qps", "4", "--kube-api-burst", "1", "--requeue-after", "5s"]
    static let convergeTimeout: TimeInterval = 90

    private func manifest(_ name: String, replicas: Int) -> String {
        """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata: {name: \(name)}
        spec:
          headGroupSpec:
            rayStartParams: {}
            template: {spec: {containers: [{name: ray-head, image: rayproject/ray:2.9.0}]}}
          workerGroupSpecs:
          - {groupName: small, replicas: \(replicas), minReplicas: 0, maxReplicas: 50, rayStartParams: {},
             template: {spec: {containers: [{name: ray-worker, image: rayproject/ray:2.9.0}]}}}
        """
    }

    /// The cluster's pods: name → (uid, UIDs of its controller owners).
    private func pods(_ kubectl: Kubectl, _ cluster: String, _ namespace: String) throws -> [String: (uid: String, owners: [String])] {
        let list = try kubectl.getJSON(["pods", "-n", namespace, "-l", "ray.io/cluster=\(cluster)"])
        var result: [String: (uid: String, owners: [String])] = [:]
        for item in list["items"] as? [[String: Any]] ?? [] {
            guard let name = JSON.at(item, "metadata", "name") as? String,
                  let uid = JSON.at(item, "metadata", "uid") as? String else { continue }
            let owners = (JSON.at(item, "metadata", "ownerReferences") as? [[String: Any]] ?? [])
                .filter { $0["controller"] as? Bool == true }.compactMap { $0["uid"] as? String }
            result[name] = (uid, owners)
        }
        return result
    }

    private func expected(_ cluster: String, workers: Int) -> Set<String> {
        Set((0..<workers).map { "\(cluster)-small-worker-\($0)" }).union(["\(cluster)-headgroup-head-0"])
    }

    private func scale(_ kubectl: Kubectl, _ cluster: String, _ namespace: String, to replicas: Int) throws {
        let patched = try kubectl.runRetrying(["patch", "rayclusters.v1.ray.io", cluster, "-n", namespace, "--type=json", "-p",
                                               #"[{"op":"replace","path":"/spec/workerGroupSpecs/0/replicas","value":\#(replicas)}]"#])
        XCTAssertTrue(patched.succeeded, patched.stderr)
    }

    func testAControllerKilledMidScaleIsReplacedWithoutDuplicatesOrExtraDeletes() throws {
        let kubeconfig = try Prerequisite.requireKubeconfig()
        let webhook = try LocalWebhook(kubeconfig: kubeconfig)
        defer { webhook.stop() }
        try webhook.install()
        let kubectl = webhook.kubectl
        let namespace = webhook.namespace
        let scoped = Self.throttled + ["--namespace", namespace]

        var controller = try LocalController(kubeconfig: kubeconfig, name: "first", arguments: scoped)
        defer { controller.stop() }
        try controller.waitReady()
        let created = try kubectl.runRetrying(["create", "-n", namespace, "-f", "-"], stdin: manifest("crash", replicas: 24))
        XCTAssertTrue(created.succeeded, created.stderr)
        let clusterUID = try XCTUnwrap(JSON.at(try kubectl.getJSON(["rayclusters.v1.ray.io", "crash", "-n", namespace]), "metadata", "uid") as? String)

        // Kill it once some, not all, of the pods exist.
        var seenAtKill = 0
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the first pods") {
            seenAtKill = try pods(kubectl, "crash", namespace).count
            return seenAtKill >= 4
        }
        controller.signal(SIGKILL)
        controller.process.waitUntilExit()
        let afterKill = try pods(kubectl, "crash", namespace).count
        XCTAssertLessThan(afterKill, 25, "the kill came too late to land mid-scale (\(afterKill) pods); the test proves nothing")

        // A new process, fresh caches: exactly the 25 declared pods, each owned by this cluster once.
        controller = try LocalController(kubeconfig: kubeconfig, name: "second", arguments: scoped)
        try controller.waitReady()
        let want = expected("crash", workers: 24)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "25 pods after the restart") {
            Set(try pods(kubectl, "crash", namespace).keys) == want
        }
        let converged = try pods(kubectl, "crash", namespace)
        for (name, pod) in converged { XCTAssertEqual(pod.owners, [clusterUID], "\(name) has one controller owner: the cluster") }
        XCTAssertEqual(try controller.sum("ray_operator_api_calls_total", where: ["verb=\"delete\""]), 0,
                       "the restarted controller deleted something while only creating was needed")
        let secondCreates = try controller.sum("ray_operator_api_calls_total", where: ["verb=\"create\"", "resource=\"pods\""])
        XCTAssertLessThanOrEqual(secondCreates, Double(25 - afterKill),
                                 "the restarted controller created more pods than were missing (\(afterKill) existed)")

        // Scale down, kill mid-way, restart: the lowest 4 stay with their UIDs, nothing else is deleted.
        try scale(kubectl, "crash", namespace, to: 4)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the first deletes") {
            try pods(kubectl, "crash", namespace).count < 25
        }
        controller.signal(SIGKILL)
        controller.process.waitUntilExit()
        XCTAssertGreaterThan(try pods(kubectl, "crash", namespace).count, 5, "the kill came too late to land mid-scale-down")
        controller = try LocalController(kubeconfig: kubeconfig, name: "third", arguments: scoped)
        try controller.waitReady()
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "5 pods after the second restart") {
            Set(try pods(kubectl, "crash", namespace).keys) == expected("crash", workers: 4)
        }
        let kept = try pods(kubectl, "crash", namespace)
        for (name, pod) in kept { XCTAssertEqual(pod.uid, converged[name]?.uid, "\(name) survived the scale-down with its UID") }
        XCTAssertEqual(try controller.sum("ray_operator_api_calls_total", where: ["verb=\"create\"", "resource=\"pods\""]), 0,
                       "a scale-down made the restarted controller create a pod")
    }

    func testARecreatedClusterDoesNotAdoptThePodsOfItsPredecessor() throws {
        let kubeconfig = try Prerequisite.requireKubeconfig()
        let webhook = try LocalWebhook(kubeconfig: kubeconfig)
        defer { webhook.stop() }
        try webhook.install()
        let kubectl = webhook.kubectl
        let namespace = webhook.namespace
        let controller = try LocalController(kubeconfig: kubeconfig, name: "recreate",
                                             arguments: ["--requeue-after", "5s", "--namespace", namespace])
        defer { controller.stop() }
        try controller.waitReady()

        XCTAssertTrue(try kubectl.runRetrying(["create", "-n", namespace, "-f", "-"], stdin: manifest("again", replicas: 2)).succeeded)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the first cluster's pods") {
            Set(try pods(kubectl, "again", namespace).keys) == expected("again", workers: 2)
        }
        // Delete without waiting and create the same name at once: the old pods may still be there
        // (the garbage collector removes them), with the same labels and the same names.
        XCTAssertTrue(try kubectl.run(["delete", "rayclusters.v1.ray.io", "again", "-n", namespace, "--wait=false"]).succeeded)
        try Kubectl.waitUntil(timeout: 30, "the old cluster gone") {
            !(try kubectl.run(["get", "rayclusters.v1.ray.io", "again", "-n", namespace]).succeeded)
        }
        XCTAssertTrue(try kubectl.runRetrying(["create", "-n", namespace, "-f", "-"], stdin: manifest("again", replicas: 3)).succeeded)
        let newUID = try XCTUnwrap(JSON.at(try kubectl.getJSON(["rayclusters.v1.ray.io", "again", "-n", namespace]), "metadata", "uid") as? String)
        try Kubectl.waitUntil(timeout: Self.convergeTimeout, "the new cluster's own pods") {
            let now = try pods(kubectl, "again", namespace)
            return Set(now.keys) == expected("again", workers: 3) && now.values.allSatisfy { $0.owners == [newUID] }
        }
    }
}
