import JSON
@testable import KubeClient
import Metrics
import XCTest

final class LeaderElectorTests: XCTestCase {
    /// Short periods with client-go's proportions: lease 2 s, renew deadline 1.5 s, retry 0.25 s.
    private func options(_ identity: String, metrics: MetricsRegistry? = nil) -> LeaderElectionOptions {
        var o = LeaderElectionOptions(leaseName: "ray-operator-leader", leaseNamespace: "system", identity: identity)
        o.leaseDuration = 2
        o.renewDeadline = 1.5
        o.retryPeriod = 0.25
        o.metrics = metrics
        return o
    }

    private func lease(_ api: FakeKubeAPI) throws -> LeaseRecord {
        LeaseRecord(lease: try api.get(.leases, namespace: "system", name: "ray-operator-leader"))
    }

    /// An elector plus a log of its callbacks.
    private func candidate(_ api: FakeKubeAPI, _ identity: String, metrics: MetricsRegistry? = nil) throws -> (LeaderElector, Log<String>) {
        let elector = try LeaderElector(api: api, options: options(identity, metrics: metrics))
        let log = Log<String>()
        elector.onStartedLeading { log.append("started") }
        elector.onStoppedLeading { log.append("stopped") }
        elector.onNewLeader { log.append("leader \($0)") }
        return (elector, log)
    }

    func testOptionsAreValidatedWithClearErrors() {
        var o = LeaderElectionOptions(leaseName: "l", leaseNamespace: "n", identity: "me")
        XCTAssertNoThrow(try o.validate(), "client-go's defaults 15/10/2 are valid")
        o.renewDeadline = 15
        XCTAssertThrowsError(try o.validate()) { error in
            XCTAssertEqual("\(error)", "leader election: the lease duration (15.0 s) must be greater than the renew deadline (15.0 s)")
        }
        o.renewDeadline = 2.4
        XCTAssertThrowsError(try o.validate()) { error in
            XCTAssertTrue("\(error)".contains("must be greater than 1.2 × the retry period (2.0 s)"), "\(error)")
        }
        o.renewDeadline = 10
        o.retryPeriod = -1
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".contains("retry period must be a positive number"), "\($0)") }
        o.retryPeriod = .nan
        XCTAssertThrowsError(try o.validate())
        o.retryPeriod = 2
        o.identity = ""
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".contains("identity is empty")) }
        XCTAssertThrowsError(try LeaderElector(api: FakeKubeAPI(), options: o))
    }

    func testDefaultIdentityIsHostnameAndUUID() {
        let a = LeaderElectionOptions.defaultIdentity(), b = LeaderElectionOptions.defaultIdentity()
        XCTAssertNotEqual(a, b)
        let uuid = String(a.split(separator: "_").last ?? "")
        XCTAssertEqual(uuid.count, 36)
        XCTAssertEqual(Array(uuid)[14], "4", "version 4")
    }

    func testACandidateCreatesTheLeaseAndLeads() throws {
        let api = FakeKubeAPI()
        let registry = MetricsRegistry()
        let (elector, log) = try candidate(api, "a", metrics: registry)
        XCTAssertTrue(registry.render().contains("leader_election_master_status{name=\"ray-operator-leader\"} 0"))
        try elector.start()
        defer { elector.stop() }
        eventually("a leads") { elector.isLeader }
        let record = try lease(api)
        XCTAssertEqual(record.holderIdentity, "a")
        XCTAssertEqual(record.leaseDurationSeconds, 2)
        XCTAssertEqual(record.leaseTransitions, 0)
        for time in [record.acquireTime, record.renewTime] {
            let text = try XCTUnwrap(time)
            XCTAssertNotNil(MicroTime.parse(text))
            XCTAssertEqual(text.count, 27, "MicroTime: six fraction digits, Z: \(text)")
        }
        eventually("callbacks") { log.all == ["started", "leader a"] }
        XCTAssertTrue(registry.render().contains("leader_election_master_status{name=\"ray-operator-leader\"} 1"))
        // Renewals move renewTime and keep acquireTime.
        // (The counter moves after the write returns, so wait for it rather than for the Lease.)
        eventually("a renewal") { elector.statistics.renewals >= 1 }
        XCTAssertNotEqual(try lease(api).renewTime, record.renewTime)
        XCTAssertEqual(try lease(api).acquireTime, record.acquireTime)
    }

    func testExactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderFreezes() throws {
        let api = FakeKubeAPI()
        let (a, logA) = try candidate(api, "a")
        let (b, logB) = try candidate(api, "b")
        try a.start()
        try b.start()
        defer {
            a.stop()
            b.stop()
        }
        eventually("someone leads") { a.isLeader || b.isLeader }
        // For a while (several renewals), exactly one leads at every sample.
        let sampleUntil = MonotonicTime.now() + 1.5
        var samples = 0
        while MonotonicTime.now() < sampleUntil {
            XCTAssertTrue(a.isLeader != b.isLeader, "exactly one leader at any time")
            samples += 1
            sleepSeconds(0.01)
        }
        XCTAssertGreaterThan(samples, 10)
        let (leader, follower, leaderLog, followerLog, followerName) = a.isLeader ? (a, b, logA, logB, "b") : (b, a, logB, logA, "a")
        XCTAssertEqual(try lease(api).leaseTransitions, 0)

        // The leader's process stops (its elector freezes): no renewals, no callbacks.
        leader.setFrozenForTesting(true)
        let frozenAt = MonotonicTime.now()
        var overlap = false
        while !follower.isLeader && MonotonicTime.now() < frozenAt + 20 {
            sleepSeconds(0.005)
        }
        let takeover = MonotonicTime.now() - frozenAt
        overlap = leader.isLeader
        XCTAssertTrue(follower.isLeader)
        XCTAssertFalse(overlap, "the frozen leader's isLeader turned false at its renew deadline, before the takeover")
        // lease + retry × (1 + jitter), plus slack for a loaded machine.
        XCTAssertLessThan(takeover, 2 + 0.25 * 2.2 + 1.5, "takeover after \(takeover) s")
        XCTAssertGreaterThanOrEqual(takeover, 2 - 0.25 - 0.1, "not before the lease ran out (\(takeover) s)")
        let record = try lease(api)
        XCTAssertEqual(record.holderIdentity, followerName)
        XCTAssertEqual(record.leaseTransitions, 1)
        eventually("the follower's callbacks") { followerLog.all.suffix(2) == ["started", "leader \(followerName)"] }
        XCTAssertEqual(leaderLog.all.filter { $0 == "stopped" }.count, 0, "a frozen process does nothing")

        // It wakes up: it sees the deadline passed, stops at once and never writes again.
        leader.setFrozenForTesting(false)
        eventually("the old leader observes its loss") { leaderLog.all.contains("stopped") }
        XCTAssertFalse(leader.isLeader)
        XCTAssertEqual(leader.statistics.losses, 1)
        let holder = try lease(api).holderIdentity
        let attempts = leader.statistics.attempts
        sleepSeconds(0.6)  // several retry periods, to show nothing more happens (not synchronisation)
        XCTAssertEqual(leader.statistics.attempts, attempts, "the old leader makes no more calls")
        XCTAssertEqual(try lease(api).holderIdentity, holder)
        XCTAssertTrue(follower.isLeader)
    }

    func testRenewFailuresPastTheDeadlineStopLeadingAtOnce() throws {
        let api = FakeKubeAPI()
        let (elector, log) = try candidate(api, "a")
        try elector.start()
        defer { elector.stop() }
        eventually("a leads") { elector.isLeader }
        let failingSince = MonotonicTime.now()
        api.fail(.get, resource: .leases, with: .transport("connection refused"), times: nil)
        eventually("leadership is given up") { log.all.contains("stopped") }
        let after = MonotonicTime.now() - failingSince
        XCTAssertFalse(elector.isLeader)
        XCTAssertLessThan(after, 1.5 + 0.25 + 1.5, "stopped \(after) s after the failures began")
        XCTAssertGreaterThan(elector.statistics.failedAttempts, 1, "it kept retrying until the deadline")
        XCTAssertEqual(elector.statistics.lastError, .transport("connection refused"))
    }

    func testAHungRenewalDoesNotDelaySteppingDown() throws {
        let api = FakeKubeAPI()
        let (elector, log) = try candidate(api, "a")
        try elector.start()
        defer {
            api.latency = 0
            elector.stop()
        }
        eventually("a leads") { elector.isLeader }
        let slowSince = MonotonicTime.now()
        api.latency = 4  // every call now hangs far past the renew deadline
        eventually("leadership is given up") { log.all.contains("stopped") }
        XCTAssertLessThan(MonotonicTime.now() - slowSince, 1.5 + 0.25 + 1.5, "the elector does not wait for the hung call")
    }

    func testReleaseOnStopEmptiesTheHolderSoTheNextCandidateStartsAtOnce() throws {
        let api = FakeKubeAPI()
        let (a, logA) = try candidate(api, "a")
        try a.start()
        eventually("a leads") { a.isLeader }
        a.stop()
        XCTAssertFalse(a.isLeader)
        XCTAssertEqual(logA.all.last, "stopped")
        let record = try lease(api)
        XCTAssertEqual(record.holderIdentity, "")
        XCTAssertEqual(record.leaseDurationSeconds, 1)
        XCTAssertEqual(a.statistics.releases, 1)

        let (b, _) = try candidate(api, "b")
        let start = MonotonicTime.now()
        try b.start()
        defer { b.stop() }
        eventually("b leads") { b.isLeader }
        XCTAssertLessThan(MonotonicTime.now() - start, 1.5, "an empty holder is free at once, no lease to wait out")
        XCTAssertEqual(try lease(api).leaseTransitions, 1)
    }

    func testExpiryIsJudgedByLocalObservationNotTheRemoteRenewTime() throws {
        // A holder whose renewTime is decades old (its clock is wrong) but who keeps renewing:
        // it must not be displaced.
        let api = FakeKubeAPI()
        let stale = LeaseRecord(holderIdentity: "skewed", leaseDurationSeconds: 1, acquireTime: "2001-01-01T00:00:00.000000Z",
                                renewTime: "2001-01-01T00:00:00.000000Z", leaseTransitions: 3)
        _ = try api.create(.leases, namespace: "system", object: [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "ray-operator-leader", "namespace": "system"], "spec": stale.spec,
        ])
        let (b, _) = try candidate(api, "b")
        try b.start()
        defer { b.stop() }
        let until = MonotonicTime.now() + 2.5
        var renewals = 0
        while MonotonicTime.now() < until {
            // The skewed holder renews every 0.3 s: its renewTime moves, but stays decades old.
            var lease = try api.get(.leases, namespace: "system", name: "ray-operator-leader")
            renewals += 1
            lease["spec"]?["renewTime"] = .string("2001-01-01T00:00:00.\(String(format: "%06d", renewals))Z")
            _ = try api.update(.leases, namespace: "system", name: "ray-operator-leader", object: lease, subresource: nil)
            XCTAssertFalse(b.isLeader, "a live holder is never displaced, whatever its clock says")
            sleepSeconds(0.3)
        }
        // The holder stops renewing: b takes over once the record stayed unchanged for the lease.
        let stoppedAt = MonotonicTime.now()
        eventually("b takes over") { b.isLeader }
        XCTAssertGreaterThanOrEqual(MonotonicTime.now() - stoppedAt, 1 - 0.3 - 0.05)
        XCTAssertEqual(try lease(api).leaseTransitions, 4)
    }

    func testAConflictingWriteIsRetriedAfterARead() throws {
        let api = FakeKubeAPI()
        _ = try api.create(.leases, namespace: "system", object: [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "ray-operator-leader", "namespace": "system"], "spec": ["holderIdentity": ""],
        ])
        api.fail(.update, resource: .leases, with: .api(APIStatus(code: 409, reason: "Conflict", message: "modified")), times: 1)
        let (a, _) = try candidate(api, "a")
        try a.start()
        defer { a.stop() }
        eventually("a leads after the conflict") { a.isLeader }
        XCTAssertEqual(a.statistics.failedAttempts, 1)
        XCTAssertGreaterThanOrEqual(api.calls(.get), 2, "the retry read the lease again")
    }
}
