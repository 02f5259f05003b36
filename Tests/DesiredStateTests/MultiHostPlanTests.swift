import DesiredState
import JSON
import RayAPI
import XCTest

/// Multi-host worker groups (numOfHosts > 1): replicas are created, repaired and removed whole.
final class MultiHostPlanTests: XCTestCase {
    private func converged(_ cluster: JSONValue) -> FakeCluster {
        var fake = FakeCluster(cluster: cluster)
        fake.converge()
        fake.allReady()
        return fake
    }

    private func workers(_ indices: [Int]) -> [String] { indices.map { "demo-workers-worker-\($0)" } }

    private func labels(_ fake: FakeCluster, _ pod: String) -> JSONValue? { fake.pods[pod]?["metadata"]?["labels"] }

    func testReplicasAreCreatedWholeWithTheirLabels() {
        let plan = FakeCluster(cluster: Fixtures.cluster(replicas: 2, numOfHosts: 2)).plan()
        XCTAssertNil(plan.error)
        XCTAssertEqual(plan.createdPodNames, ["demo-headgroup-head-0"] + workers([0, 1, 2, 3]))
        let hostIndices = plan.actions.compactMap { action -> Int? in
            if case .createPod(let creation) = action, creation.nodeType == .worker { return creation.hostIndex }
            return nil
        }
        XCTAssertEqual(hostIndices, [0, 1, 0, 1])
        XCTAssertEqual(plan.actions.map(\.continuesReplica), [false, false, false, false, true, false, true],
                       "service, headless service, head, then hosts 0/1 of two replicas")

        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 2, numOfHosts: 2))
        fake.converge()
        for (pod, replica, host) in [(0, "workers-0", "0"), (1, "workers-0", "1"), (2, "workers-1", "0"), (3, "workers-1", "1")] {
            let podLabels = labels(fake, "demo-workers-worker-\(pod)")
            XCTAssertEqual(podLabels?[RayLabel.workerGroupReplicaName]?.stringValue, replica)
            XCTAssertEqual(podLabels?[RayLabel.replicaHostIndex]?.stringValue, host)
            XCTAssertEqual(podLabels?[RayLabel.workerGroupReplicaIndex]?.stringValue, String(pod / 2))
        }
        XCTAssertEqual(fake.livePodNames.count, 5)
    }

    func testAReplicaMissingAHostIsDeletedWholeAndCreatedAnew() {
        var fake = converged(Fixtures.cluster(replicas: 2, numOfHosts: 2))
        let uid0 = fake.pods["demo-workers-worker-0"]?["metadata"]?["uid"]
        fake.pods["demo-workers-worker-3"] = nil
        var plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames, workers([2]))
        XCTAssertEqual(plan.deletions.first?.reason, .incompleteReplica)
        XCTAssertEqual(plan.createdPodNames, [], "the replica's names are still held")
        XCTAssertNil(plan.error)
        fake.apply(plan)
        // Still terminating: counted, nothing else.
        XCTAssertEqual(fake.plan().actions, [])
        fake.finishTerminating()
        plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, workers([2, 3]))
        fake.apply(plan)
        XCTAssertEqual(fake.plan().actions, [])
        XCTAssertEqual(fake.pods["demo-workers-worker-0"]?["metadata"]?["uid"], uid0, "the complete replica is left alone")
        // A host that is terminating (deleted by someone else) also breaks its replica.
        fake.pods["demo-workers-worker-1"]?.set(["metadata", "deletionTimestamp"], "2025-01-01T00:00:00Z")
        XCTAssertEqual(fake.plan().deletedPodNames, workers([0]))
    }

    func testAnUnhealthyHostDeletesItsReplica() {
        var fake = converged(Fixtures.cluster(replicas: 2, numOfHosts: 2))
        fake.set("demo-workers-worker-1", .failed)
        var plan = fake.plan()
        XCTAssertEqual(Set(plan.deletedPodNames), Set(workers([0, 1])))
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.unhealthy])
        XCTAssertEqual(plan.createdPodNames, [])
        XCTAssertEqual(plan.error?.message, "delete 2 unhealthy worker Pods")
        fake.apply(plan)
        fake.finishTerminating()
        plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, workers([0, 1]))
        XCTAssertNil(plan.error)
        // A Ray container that terminated for good under restartPolicy Never counts too.
        fake.apply(plan)
        fake.allReady()
        fake.pods["demo-workers-worker-2"]?.set(["spec", "restartPolicy"], "Never")
        fake.set("demo-workers-worker-2", .rayTerminated)
        XCTAssertEqual(Set(fake.plan().deletedPodNames), Set(workers([2, 3])))
    }

    func testAWorkersToDeleteHitDeletesItsReplicaAndItsNamesAreNotReused() {
        var fake = converged(Fixtures.cluster(replicas: 3, numOfHosts: 2))
        // The autoscaler names one host of replica 1 and lowers replicas.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "scaleStrategy"], ["workersToDelete": ["demo-workers-worker-3"]])
        var plan = fake.plan()
        XCTAssertEqual(Set(plan.deletedPodNames), Set(workers([2, 3])))
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.workersToDelete])
        XCTAssertEqual(plan.createdPodNames, [])
        fake.apply(plan)
        XCTAssertEqual(fake.plan().actions, [], "terminating, listed: not counted, not deleted again")
        fake.finishTerminating()
        XCTAssertEqual(fake.plan().actions, [])
        // Scaling up while a name of replica 1 is listed skips the whole replica index.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 3)
        plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, workers([6, 7]))
        fake.apply(plan)
        XCTAssertEqual(fake.plan().actions, [])
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0"] + workers([0, 1, 4, 5, 6, 7]))
    }

    func testScaleUpAndDownInWholeReplicas() {
        var fake = converged(Fixtures.cluster(replicas: 3, numOfHosts: 2))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 1)
        var plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames, workers([4, 5, 2, 3]), "the highest replica first, each whole")
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.scaleDown])
        for deletion in plan.deletions { XCTAssertEqual(deletion.uid, fake.pods[deletion.name]?["metadata"]?["uid"]?.stringValue) }
        fake.apply(plan)
        // A pass over the same view while they terminate deletes nothing more.
        XCTAssertEqual(fake.plan().actions, [])
        fake.finishTerminating()
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0"] + workers([0, 1]))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        XCTAssertEqual(fake.plan().createdPodNames, workers([2, 3]))
        // Clamped to [min, max] in replicas, not pods.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 50)
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "maxReplicas"], 3)
        XCTAssertEqual(fake.plan().createdPodNames, workers([2, 3, 4, 5]))
    }

    func testAutoscalingNeverScalesDownButStillRepairs() {
        var fake = converged(Fixtures.cluster(replicas: 3, numOfHosts: 2, autoscaling: true))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 1)
        XCTAssertEqual(fake.plan().actions, [])
        fake.pods["demo-workers-worker-5"] = nil
        XCTAssertEqual(fake.plan().deletedPodNames, workers([4]))
    }

    func testTerminatingReplicasAreTheFirstVictims() {
        var fake = converged(Fixtures.cluster(replicas: 3, numOfHosts: 2))
        // Replica 0 is leaving (both hosts terminating); scaling down by one deletes nothing more.
        for pod in workers([0, 1]) { fake.pods[pod]?.set(["metadata", "deletionTimestamp"], "2025-01-01T00:00:00Z") }
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        XCTAssertEqual(fake.plan().actions, [])
        fake.finishTerminating()
        XCTAssertEqual(fake.plan().actions, [])
        XCTAssertEqual(fake.livePodNames.count, 1 + 4)
    }

    func testSuspendDeletesEveryHost() {
        var fake = converged(Fixtures.cluster(replicas: 2, numOfHosts: 2))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "suspend"], true)
        let plan = fake.plan()
        XCTAssertEqual(Set(plan.deletedPodNames), Set(workers([0, 1, 2, 3])))
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.groupSuspended])
        fake.apply(plan)
        fake.finishTerminating()
        XCTAssertEqual(fake.plan().actions, [])
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "suspend"], false)
        XCTAssertEqual(fake.plan().createdPodNames, workers([0, 1, 2, 3]))
        // Cluster suspend deletes every pod in one call, multi-host or not.
        fake.cluster.set(["spec", "suspend"], true)
        fake.cluster.set(["status", "conditions"], [["type": "RayClusterSuspending", "status": "True"]])
        XCTAssertEqual(fake.plan().actions.count, 1)
        guard case .deleteAllPods = fake.plan().actions.first else { return XCTFail("one delete of every pod") }
    }

    func testPodsOfAnotherLayoutAreReplacedAndTheirNamesWaited() {
        var fake = converged(Fixtures.cluster(replicas: 2, numOfHosts: 2))
        // numOfHosts 2 → 4: the four pods' labels no longer say what their index says.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "numOfHosts"], 4)
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 1)
        var plan = fake.plan()
        XCTAssertEqual(Set(plan.deletedPodNames), Set(workers([0, 1, 2, 3])))
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.incompleteReplica])
        XCTAssertEqual(plan.createdPodNames, [], "their names are held until they are gone")
        fake.apply(plan)
        fake.finishTerminating()
        plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, workers([0, 1, 2, 3]))
        fake.apply(plan)
        XCTAssertEqual(labels(fake, "demo-workers-worker-3")?[RayLabel.replicaHostIndex]?.stringValue, "3")
        XCTAssertEqual(fake.plan().actions, [])
    }

    /// A pass over an older view (the cache has not caught up) never makes a pod twice or deletes
    /// one too many.
    func testAStaleCacheNeitherDuplicatesNorOverDeletes() {
        var fake = converged(Fixtures.cluster(replicas: 3, numOfHosts: 2))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        let stale = fake
        fake.apply(fake.plan())
        // The next pass still sees the old view: it picks the same pods (same UIDs), nothing more.
        let again = stale.plan()
        XCTAssertEqual(again.deletedPodNames, workers([4, 5]))
        let before = fake.deleted
        fake.apply(again)
        XCTAssertEqual(fake.deleted, before, "the repeated deletes found their pods terminating already")
        fake.finishTerminating()
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0"] + workers([0, 1, 2, 3]))

        // Scale up, and plan again on the view from before the creates: the repeated creates are
        // answered AlreadyExists (fixed names), no second pod.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 3)
        let beforeCreates = fake
        fake.apply(fake.plan())
        fake.apply(beforeCreates.plan())
        XCTAssertEqual(fake.alreadyExists.suffix(2), workers([4, 5]))
        XCTAssertEqual(fake.livePodNames.count, 1 + 6)
    }

    func testANumOfHostsAboveTheCreateBoundIsAnError() {
        let options = DesiredStateOptions(maxPodCreatesPerGroup: 7)
        let plan = FakeCluster(cluster: Fixtures.cluster(replicas: 2, numOfHosts: 8)).plan(options: options)
        XCTAssertEqual(plan.createdPodNames, ["demo-headgroup-head-0"])
        XCTAssertEqual(plan.error?.message.contains("numOfHosts 8"), true, plan.error?.message ?? "")
        // Within the bound, whole replicas per pass: 7 / 3 = 2 replicas.
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 5, numOfHosts: 3))
        let first = fake.plan(options: options)
        XCTAssertEqual(first.createdPodNames.count, 1 + 6)
        XCTAssertTrue(first.incomplete)
        XCTAssertEqual(fake.converge(options: options), 4)
        XCTAssertEqual(fake.livePodNames.count, 1 + 15)
        // Huge numbers neither trap nor allocate without bound.
        let huge = FakeCluster(cluster: Fixtures.cluster(replicas: 2_147_483_647, maxReplicas: 2_147_483_647, numOfHosts: 2_147_483_647)).plan()
        XCTAssertNotNil(huge.error)
    }

    func testTheHeadlessWorkerServiceFollowsTheMultiHostGroups() throws {
        var fake = converged(Fixtures.cluster(replicas: 1, numOfHosts: 2))
        let service = try XCTUnwrap(fake.services["demo-headless"])
        XCTAssertEqual(service["spec"]?["clusterIP"], "None")
        XCTAssertEqual(service["spec"]?["type"], "ClusterIP")
        XCTAssertEqual(service["spec"]?["publishNotReadyAddresses"], true)
        XCTAssertEqual(service["spec"]?["selector"], ["ray.io/cluster": "demo", "ray.io/node-type": "worker"])
        XCTAssertEqual(service["metadata"]?["labels"]?[RayLabel.headlessWorkerService], "demo")
        XCTAssertEqual(service["metadata"]?["labels"]?[RayLabel.cluster], "demo")
        XCTAssertEqual(service["metadata"]?["ownerReferences"]?.arrayValue?.count, 1)
        XCTAssertEqual(service["metadata"]?["ownerReferences"]?[0]?["uid"]?.stringValue, Fixtures.uid)
        XCTAssertEqual(service["metadata"]?["ownerReferences"]?[0]?["controller"], true)
        XCTAssertEqual(fake.plan().actions, [])
        // Deleted once no group is multi-host (and only then).
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "numOfHosts"], 1)
        let plan = fake.plan()
        XCTAssertEqual(plan.actions.first, .deleteService(name: "demo-headless", uid: service["metadata"]?["uid"]?.stringValue))
        XCTAssertEqual(plan.actions.first?.successEvent(namespace: "default").reason, "DeletedService")
        fake.apply(plan)
        XCTAssertEqual(fake.deletedServices, ["demo-headless"])
        XCTAssertNil(fake.services["demo-headless"])
        XCTAssertNotNil(fake.services["demo-head"])
        // A single-host cluster never gets one.
        XCTAssertNil(converged(Fixtures.cluster(replicas: 2)).services["demo-headless"])
    }
}
