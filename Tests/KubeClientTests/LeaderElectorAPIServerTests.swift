import Foundation
import JSON
@testable import KubeClient
import XCTest

/// Two candidates, each with its own client (as two processes would have), contending for one
/// real Lease.
final class LeaderElectorAPIServerTests: APIServerTestCase {
    private func candidate(_ identity: String) throws -> (LeaderElector, Log<String>, KubeHTTPClient) {
        let own = try KubeHTTPClient(configuration: configuration, options: KubeClientOptions(qps: 0))
        var options = LeaderElectionOptions(leaseName: "ray-operator-leader", leaseNamespace: namespace, identity: identity)
        options.leaseDuration = 3
        options.renewDeadline = 2
        options.retryPeriod = 0.4
        let elector = try LeaderElector(api: own, options: options)
        let log = Log<String>()
        elector.onStartedLeading { log.append("started") }
        elector.onStoppedLeading { log.append("stopped") }
        return (elector, log, own)
    }

    private func lease() throws -> LeaseRecord {
        LeaseRecord(lease: try client.get(.leases, namespace: namespace, name: "ray-operator-leader"))
    }

    func testTwoCandidatesOneLeaderTakeoverAndRelease() throws {
        let (a, logA, clientA) = try candidate("a")
        let (b, logB, clientB) = try candidate("b")
        defer {
            a.stop()
            b.stop()
            clientA.close()
            clientB.close()
        }
        try a.start()
        try b.start()
        eventually("someone leads", timeout: 30) { a.isLeader || b.isLeader }
        let sampleUntil = MonotonicTime.now() + 2
        while MonotonicTime.now() < sampleUntil {
            XCTAssertTrue(a.isLeader != b.isLeader, "exactly one leader at any time")
            sleepSeconds(0.02)
        }
        let (leader, follower, leaderLog, followerLog) = a.isLeader ? (a, b, logA, logB) : (b, a, logB, logA)
        let leaderName = a.isLeader ? "a" : "b", followerName = a.isLeader ? "b" : "a"
        var record = try lease()
        XCTAssertEqual(record.holderIdentity, leaderName)
        XCTAssertEqual(record.leaseDurationSeconds, 3)
        XCTAssertEqual(record.leaseTransitions, 0)
        XCTAssertNotNil(record.renewTime.flatMap(MicroTime.parse), "the API server accepted and kept a MicroTime")

        // The leader's process is stopped: the follower takes over within lease + retry.
        leader.setFrozenForTesting(true)
        let frozenAt = MonotonicTime.now()
        eventually("the takeover", timeout: 30) { follower.isLeader }
        let takeover = MonotonicTime.now() - frozenAt
        print("leader election: takeover \(takeover) s after the leader froze (lease 3 s, retry 0.4 s)")
        XCTAssertFalse(leader.isLeader, "the frozen leader stopped counting itself leader before the takeover")
        XCTAssertLessThan(takeover, 3 + 0.4 * 2.2 + 2, "takeover after \(takeover) s")
        record = try lease()
        XCTAssertEqual(record.holderIdentity, followerName)
        XCTAssertEqual(record.leaseTransitions, 1)
        XCTAssertTrue(followerLog.all.contains("started"))

        // It wakes up and stops acting; the lease stays with the new leader.
        leader.setFrozenForTesting(false)
        eventually("the old leader stops", timeout: 30) { leaderLog.all.contains("stopped") }
        XCTAssertFalse(leader.isLeader)
        XCTAssertEqual(try lease().holderIdentity, followerName)

        // The new leader shuts down cleanly: it releases the lease.
        follower.stop()
        XCTAssertEqual(followerLog.all.last, "stopped")
        record = try lease()
        XCTAssertEqual(record.holderIdentity, "")
        XCTAssertEqual(record.leaseDurationSeconds, 1)
        XCTAssertEqual(record.leaseTransitions, 1)
    }

    func testAStaleWriteIsAConflictAndTheElectorRecovers() throws {
        let (a, _, clientA) = try candidate("a")
        defer {
            a.stop()
            clientA.close()
        }
        try a.start()
        eventually("a leads", timeout: 30) { a.isLeader }
        // Someone else writes the Lease behind a's back (a stale resourceVersion for a's next write).
        _ = try client.mergePatch(.leases, namespace: namespace, name: "ray-operator-leader",
                                  patch: ["metadata": ["annotations": ["touched": "yes"]]], subresource: nil)
        let renewals = a.statistics.renewals
        eventually("renewals continue", timeout: 30) { a.statistics.renewals >= renewals + 2 }
        XCTAssertTrue(a.isLeader)
        XCTAssertEqual(try lease().holderIdentity, "a")
    }
}
