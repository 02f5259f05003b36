import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// Two `ray-operator controller --leader-elect` processes against one real Lease: exactly one
/// reconciles; when the leader is stopped (SIGSTOP) the other takes over within lease + retry, and
/// the old one, woken (SIGCONT), makes no write and exits.
final class ControllerLeaderElectionTests: XCTestCase {
    static let lease = ["--leader-elect", "--leader-election-namespace", "default",
                        "--leader-election-lease-duration", "4s", "--leader-election-renew-deadline", "3s",
                        "--leader-election-retry-period", "0.5s"]

    func testOneLeaderAtATimeAndAStoppedLeaderIsReplaced() throws {
        let value = try Prerequisite.requireKubeconfig()
        let webhook = try LocalWebhook(kubeconfig: value)
        defer { webhook.stop() }
        try webhook.install()
        let kubectl = webhook.kubectl
        let id = "le-\(UUID().uuidString.prefix(6).lowercased())"
        let a = try LocalController(kubeconfig: value, name: "a", arguments: Self.lease + ["--leader-election-id", id])
        let b = try LocalController(kubeconfig: value, name: "b", arguments: Self.lease + ["--leader-election-id", id])
        defer { a.signal(SIGCONT); a.stop(); b.signal(SIGCONT); b.stop() }
        try a.waitReady()
        try b.waitReady()

        func leaders() throws -> [LocalController] {
            try [a, b].filter { c in
                guard c.process.isRunning else { return false }
                return try c.metric("leader_election_master_status{name=\"\(id)\"}") == 1
            }
        }
        var leader: LocalController?
        try Kubectl.waitUntil(timeout: 30, "one leader") {
            let now = try leaders()
            XCTAssertLessThanOrEqual(now.count, 1, "two leaders at once")
            leader = now.first
            return now.count == 1
        }
        guard let first = leader else { return }
        let other = first === a ? b : a

        // Only the leader acts.
        let manifest = """
            apiVersion: ray.io/v1
            kind: RayCluster
            metadata: {name: le}
            spec:
              headGroupSpec:
                rayStartParams: {}
                template: {spec: {containers: [{name: ray-head, image: rayproject/ray:2.9.0}]}}
              workerGroupSpecs:
              - {groupName: small, replicas: 1, minReplicas: 0, maxReplicas: 5, rayStartParams: {},
                 template: {spec: {containers: [{name: ray-worker, image: rayproject/ray:2.9.0}]}}}
            """
        let created = try kubectl.runRetrying(["create", "-n", webhook.namespace, "-f", "-"], stdin: manifest)
        XCTAssertTrue(created.succeeded, created.stderr)
        try Kubectl.waitUntil(timeout: 60, "the leader's pods") {
            let pods = try kubectl.getJSON(["pods", "-n", webhook.namespace, "-l", "ray.io/cluster=le"])
            return (pods["items"] as? [Any])?.count == 2
        }
        XCTAssertEqual(try other.sum("ray_operator_api_calls_total", where: ["verb=\"create\"", "resource=\"pods\""]), 0,
                       "the follower created pods")

        // Stop the leader as a frozen node would; the other takes over within lease + retry (+ slack).
        first.signal(SIGSTOP)
        let stopped = Date()
        try Kubectl.waitUntil(timeout: 20, "the follower to take over") {
            try other.metric("leader_election_master_status{name=\"\(id)\"}") == 1
        }
        let takeover = Date().timeIntervalSince(stopped)
        XCTAssertLessThan(takeover, 4 + 0.5 + 5, "takeover took \(takeover) s")

        // The new leader acts: a deleted worker comes back through it.
        _ = try kubectl.run(["delete", "pod", "le-small-worker-0", "-n", webhook.namespace, "--wait=false"])
        try Kubectl.waitUntil(timeout: 60, "the new leader to recreate the worker") {
            guard try kubectl.run(["get", "pod", "le-small-worker-0", "-n", webhook.namespace]).succeeded else { return false }
            return try other.sum("ray_operator_api_calls_total", where: ["verb=\"create\"", "resource=\"pods\""]) >= 1
        }

        // The old leader wakes, sees its lease is gone, writes nothing and exits.
        first.signal(SIGCONT)
        try Kubectl.waitUntil(timeout: 30, "the old leader to exit") { !first.process.isRunning }
        XCTAssertNotEqual(first.process.terminationStatus, 0, "a lost lease ends the process with an error")
        XCTAssertTrue(other.process.isRunning)

        // The Lease calls are covered by config/rbac too.
        let rules = try RBACRules.load(kubectl: kubectl)
        var leaseCalls = 0
        for line in try other.metrics().split(separator: "\n") where line.hasPrefix("ray_operator_api_calls_total{") && line.contains("resource=\"leases\"") {
            guard let verbStart = line.range(of: "verb=\"") else { continue }
            let verb = String(line[verbStart.upperBound...].prefix { $0 != "\"" })
            leaseCalls += 1
            XCTAssertTrue(rules.allows(verb: verb, group: "coordination.k8s.io", resource: "leases"), "config/rbac does not allow \(verb) on leases")
        }
        XCTAssertGreaterThan(leaseCalls, 0, "no Lease call was recorded")
    }

    /// SIGTERM is a clean stop, not a lost lease: the leader releases the Lease (so a successor
    /// need not wait out its duration) and exits 0, as the kubelet expects from a rollout.
    func testALeaderStoppedWithSIGTERMReleasesTheLeaseAndExitsZero() throws {
        let value = try Prerequisite.requireKubeconfig()
        let webhook = try LocalWebhook(kubeconfig: value)
        defer { webhook.stop() }
        try webhook.install()
        let kubectl = webhook.kubectl
        let id = "le-\(UUID().uuidString.prefix(6).lowercased())"
        let controller = try LocalController(kubeconfig: value, name: "leader", arguments: Self.lease + ["--leader-election-id", id])
        defer { controller.stop() }
        try controller.waitReady()
        func holder() throws -> String {
            let lease = try kubectl.getJSON(["lease", "-n", "default", id])
            return ((lease["spec"] as? [String: Any])?["holderIdentity"] as? String) ?? ""
        }
        try Kubectl.waitUntil(timeout: 30, "the controller to lead") {
            try controller.metric("leader_election_master_status{name=\"\(id)\"}") == 1
        }
        XCTAssertNotEqual(try holder(), "")

        controller.stop()
        XCTAssertFalse(controller.process.isRunning, "SIGTERM did not stop the controller")
        XCTAssertEqual(controller.process.terminationStatus, 0, "a SIGTERM'd leader exits 0")
        XCTAssertEqual(try holder(), "", "the Lease is released on SIGTERM")
    }
}
