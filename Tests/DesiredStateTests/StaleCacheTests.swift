import DesiredState
import JSON
import RayAPI
import XCTest

/// The planner's answers to a cache that lags behind the API server: a pod created by an earlier
/// pass is missing, a deleted pod still shows as live. Nothing is ever created twice (fixed names:
/// the API server answers AlreadyExists) and nothing is deleted beyond what was asked.
final class StaleCacheTests: XCTestCase {
    private func converged(_ cluster: JSONValue) -> FakeCluster {
        var fake = FakeCluster(cluster: cluster)
        fake.converge()
        fake.allReady()
        return fake
    }

    /// Scale-up, then a pass over the view from before the creates: every create it repeats hits
    /// an existing name.
    func testCreatesFromAStaleViewHitExistingNames() {
        var fake = converged(Fixtures.cluster(replicas: 1))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 4)
        let staleView = fake.podList
        fake.apply(fake.plan())
        XCTAssertEqual(fake.livePodNames.count, 5)
        // The same stale view again (the cache has not caught up): the same names.
        let stale = ReconcilePlan.make(cluster: fake.cluster, pods: staleView, services: fake.serviceList)
        XCTAssertEqual(stale.createdPodNames, ["demo-workers-worker-1", "demo-workers-worker-2", "demo-workers-worker-3"])
        fake.apply(stale)
        XCTAssertEqual(fake.alreadyExists, stale.createdPodNames)
        XCTAssertEqual(fake.livePodNames.count, 5, "no pod twice")
        // A partly updated view (pod 2 seen, 1 and 3 not) also only names existing pods.
        let partial = staleView + [fake.pods["demo-workers-worker-2"] ?? .null]
        let plan = ReconcilePlan.make(cluster: fake.cluster, pods: partial, services: fake.serviceList)
        XCTAssertEqual(plan.createdPodNames, ["demo-workers-worker-1", "demo-workers-worker-3"])
        fake.apply(plan)
        XCTAssertEqual(fake.livePodNames.count, 5)
    }

    /// The same stale view planned twice deletes the same pods (victims are chosen by index).
    func testTwoPassesOverTheSameStaleViewDeleteTheSamePods() {
        var fake = converged(Fixtures.cluster(replicas: 6))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 3)
        let view = fake.podList
        let first = ReconcilePlan.make(cluster: fake.cluster, pods: view, services: fake.serviceList)
        let second = ReconcilePlan.make(cluster: fake.cluster, pods: view.reversed(), services: fake.serviceList)
        XCTAssertEqual(first.deletedPodNames, ["demo-workers-worker-5", "demo-workers-worker-4", "demo-workers-worker-3"])
        XCTAssertEqual(first.deletions, second.deletions, "input order does not matter")
        fake.apply(first)
        fake.apply(second)
        fake.finishTerminating()
        XCTAssertEqual(fake.livePodNames.count, 1 + 3, "exactly what was asked")
    }

    /// A stale view (deleted pods still live), then the real view (they are terminating): the union
    /// of the deletes is exactly the excess, never one more.
    func testStaleThenRealViewDeletesNoMoreThanAsked() {
        for (from, to) in [(5, 4), (5, 2), (3, 0), (8, 5)] {
            var fake = converged(Fixtures.cluster(replicas: Int64(from)))
            fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], .integer(Int64(to)))
            let staleView = fake.podList
            let firstPlan = fake.plan()
            fake.apply(firstPlan)
            // Pass 2 on the stale view: the same victims again (the deletes are no-ops).
            let stalePlan = ReconcilePlan.make(cluster: fake.cluster, pods: staleView, services: fake.serviceList)
            fake.apply(stalePlan)
            // Pass 3 on the real view: the victims are terminating, nothing more goes.
            let realPlan = fake.plan()
            let union = Set(firstPlan.deletedPodNames + stalePlan.deletedPodNames + realPlan.deletedPodNames)
            XCTAssertEqual(union.count, from - to, "\(from) → \(to)")
            XCTAssertEqual(realPlan.actions, [], "\(from) → \(to)")
            XCTAssertEqual(Set(fake.deleted).count, from - to)
            fake.finishTerminating()
            XCTAssertEqual(fake.livePodNames.count, 1 + to, "\(from) → \(to)")
            XCTAssertEqual(fake.plan().actions, [], "\(from) → \(to): converged, no re-create")
        }
    }

    /// A scale-down whose view misses the newest pod: the stale pass deletes the highest it sees,
    /// the real pass deletes the one it missed; together exactly the excess.
    func testScaleDownWithAPodTheCacheMissed() {
        var fake = converged(Fixtures.cluster(replicas: 3))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 4)
        fake.apply(fake.plan())  // creates pod 3
        let staleView = fake.podList.filter { $0["metadata"]?["name"] != "demo-workers-worker-3" }
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        let stalePlan = ReconcilePlan.make(cluster: fake.cluster, pods: staleView, services: fake.serviceList)
        XCTAssertEqual(stalePlan.deletedPodNames, ["demo-workers-worker-2"])
        fake.apply(stalePlan)
        let realPlan = fake.plan()
        XCTAssertEqual(realPlan.deletedPodNames, ["demo-workers-worker-3"])
        fake.apply(realPlan)
        fake.finishTerminating()
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0", "demo-workers-worker-0", "demo-workers-worker-1"])
    }

    /// Deletes carry UIDs: a pod deleted and re-created under the same name is not hit by a delete
    /// planned from the old view.
    func testDeletesCarryTheUIDOfThePodTheySaw() {
        var fake = converged(Fixtures.cluster(replicas: 2))
        fake.set("demo-workers-worker-1", .failed)
        let oldPlan = fake.plan()
        XCTAssertEqual(oldPlan.deletedPodNames, ["demo-workers-worker-1"])
        fake.apply(oldPlan)
        fake.finishTerminating()
        fake.apply(fake.plan())  // re-created with a new UID
        let newUID = fake.pods["demo-workers-worker-1"]?["metadata"]?["uid"]
        XCTAssertNotEqual(newUID?.stringValue, oldPlan.deletions.first?.uid)
        fake.apply(oldPlan)  // the old delete, replayed
        XCTAssertNil(fake.pods["demo-workers-worker-1"]?["metadata"]?["deletionTimestamp"], "the new pod is untouched")
    }

    /// A head pod the cache missed: the create hits AlreadyExists, no second head.
    func testHeadCreateFromAStaleViewIsIdempotent() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 0))
        let plan = fake.plan()
        fake.apply(plan)
        fake.apply(plan)
        XCTAssertEqual(fake.alreadyExists, ["demo-head", "demo-headgroup-head-0"])
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0"])
    }
}
