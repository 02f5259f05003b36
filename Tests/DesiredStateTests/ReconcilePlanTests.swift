import DesiredState
import JSON
import RayAPI
import XCTest

final class ReconcilePlanTests: XCTestCase {
    /// A fake cluster converged from nothing for `cluster`.
    private func converged(_ cluster: JSONValue) -> FakeCluster {
        var fake = FakeCluster(cluster: cluster)
        fake.converge()
        fake.allReady()
        return fake
    }

    func testFirstPassCreatesServiceHeadAndWorkersInOrder() {
        let plan = FakeCluster(cluster: Fixtures.cluster(replicas: 3)).plan()
        XCTAssertEqual(plan.phase, .active)
        XCTAssertNil(plan.error)
        XCTAssertEqual(plan.actions.map(\.objectName),
                       ["demo-head", "demo-headgroup-head-0", "demo-workers-worker-0", "demo-workers-worker-1", "demo-workers-worker-2"])
        guard case .createService = plan.actions[0] else { return XCTFail("service first") }
        XCTAssertEqual(plan.actions[0].successEvent(namespace: "default"),
                       PlannedEvent(type: "Normal", reason: "CreatedService", message: "Created service default/demo-head"))
        XCTAssertEqual(plan.actions[1].successEvent(namespace: "default").reason, "CreatedHeadPod")
        XCTAssertEqual(plan.actions[2].successEvent(namespace: "default").reason, "CreatedWorkerPod")
        XCTAssertEqual(plan.actions[2].failure(namespace: "default", error: "quota").replicaFailureReason, "FailedCreateWorkerPod")
        XCTAssertEqual(plan.actions[2].failureEvent(namespace: "default", error: "quota"),
                       PlannedEvent(type: "Warning", reason: "FailedToCreateWorkerPod", message: "Failed to create worker Pod default/demo-workers-worker-0: quota"))
    }

    func testConvergedClusterHasNothingToDo() {
        let fake = converged(Fixtures.cluster(replicas: 3))
        XCTAssertEqual(fake.livePodNames.count, 4)
        let plan = fake.plan()
        XCTAssertEqual(plan.actions, [])
        XCTAssertNil(plan.error)
    }

    func testScaleUpKeepsExistingPodsAndFillsGapsFirst() {
        var fake = converged(Fixtures.cluster(replicas: 3))
        let uids = fake.pods.mapValues { $0["metadata"]?["uid"] }
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 5)
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-workers-worker-3", "demo-workers-worker-4"])
        XCTAssertEqual(fake.plan().deletedPodNames, [])
        // A gap (pod 1 gone) is refilled before new indices.
        fake.pods["demo-workers-worker-1"] = nil
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-workers-worker-1", "demo-workers-worker-3", "demo-workers-worker-4"])
        fake.apply(fake.plan())
        for (name, uid) in uids where name != "demo-workers-worker-1" { XCTAssertEqual(fake.pods[name]?["metadata"]?["uid"], uid, name) }
    }

    func testScaleDownRemovesTheHighestIndices() {
        var fake = converged(Fixtures.cluster(replicas: 5))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        let plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames, ["demo-workers-worker-4", "demo-workers-worker-3", "demo-workers-worker-2"])
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.scaleDown])
        for deletion in plan.deletions { XCTAssertEqual(deletion.uid, fake.pods[deletion.name]?["metadata"]?["uid"]?.stringValue) }
        XCTAssertEqual(plan.actions[0].successEvent(namespace: "default").reason, "DeletedWorkerPod")
        fake.apply(plan)
        fake.finishTerminating()
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0", "demo-workers-worker-0", "demo-workers-worker-1"])
        XCTAssertEqual(fake.plan().actions, [])
    }

    func testReplicasAreClampedToMinAndMax() {
        XCTAssertEqual(FakeCluster(cluster: Fixtures.cluster(replicas: 50, maxReplicas: 4)).plan().createdPodNames.count, 5)
        XCTAssertEqual(FakeCluster(cluster: Fixtures.cluster(replicas: 0, minReplicas: 2)).plan().createdPodNames.count, 3)
        XCTAssertEqual(FakeCluster(cluster: Fixtures.cluster(replicas: 3, minReplicas: 5, maxReplicas: 4)).plan().createdPodNames.count, 5,
                       "min above max: max")
        var noReplicas = Fixtures.cluster(minReplicas: 2)
        noReplicas.set(["spec", "workerGroupSpecs", 0, "replicas"], nil)
        XCTAssertEqual(FakeCluster(cluster: noReplicas).plan().createdPodNames.count, 3, "absent replicas: min")
    }

    func testNumOfHostsMultipliesAndZeroCountsAsOne() {
        XCTAssertEqual(FakeCluster(cluster: Fixtures.cluster(replicas: 2, numOfHosts: 3)).plan().createdPodNames.count, 1 + 6)
        XCTAssertEqual(FakeCluster(cluster: Fixtures.cluster(replicas: 2, numOfHosts: 0)).plan().createdPodNames.count, 1 + 2)
        // A missing numOfHosts never deletes every worker.
        var fake = converged(Fixtures.cluster(replicas: 2))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "numOfHosts"], nil)
        XCTAssertEqual(fake.plan().actions, [])
    }

    func testWorkersToDeleteAreDeletedAndTheirNamesNeverReused() {
        var fake = converged(Fixtures.cluster(replicas: 3))
        // The autoscaler removes pod 1 and lowers replicas to 2.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "scaleStrategy"], ["workersToDelete": ["demo-workers-worker-1", "demo-gone-pod"]])
        var plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames, ["demo-workers-worker-1"], "names not in the view are not deleted blindly")
        XCTAssertEqual(plan.deletions.first?.reason, .workersToDelete)
        XCTAssertEqual(plan.createdPodNames, [])
        fake.apply(plan)
        // Still terminating: not counted, not deleted again, and no other pod goes.
        plan = fake.plan()
        XCTAssertEqual(plan.actions, [])
        fake.finishTerminating()
        XCTAssertEqual(fake.plan().actions, [])
        // Scaling up again while the name is still listed skips it.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 4)
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-workers-worker-3", "demo-workers-worker-4"])
        fake.converge()
        XCTAssertNil(fake.pods["demo-workers-worker-1"])
        XCTAssertEqual(fake.livePodNames.count, 5)
    }

    func testTerminatingPodsCountForCreatesAndAreTheFirstVictims() {
        var fake = converged(Fixtures.cluster(replicas: 3))
        // Pod 2 is terminating (someone deleted it): no create until it is gone, it keeps its index.
        fake.pods["demo-workers-worker-2"]?.set(["metadata", "deletionTimestamp"], "2025-01-01T00:00:00Z")
        XCTAssertEqual(fake.plan().actions, [])
        // Scaling down by one while pod 2 is terminating deletes nothing more.
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        XCTAssertEqual(fake.plan().actions, [])
        fake.finishTerminating()
        XCTAssertEqual(fake.plan().actions, [])
        // Pod 0 terminating, scale 2 → 2: the gap is refilled only once pod 0 is gone.
        fake.pods["demo-workers-worker-0"]?.set(["metadata", "deletionTimestamp"], "2025-01-01T00:00:00Z")
        XCTAssertEqual(fake.plan().actions, [])
        fake.finishTerminating()
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-workers-worker-0"])
    }

    func testFailedPodsAreReplacedInTheNextPass() {
        var fake = converged(Fixtures.cluster(replicas: 3))
        fake.set("demo-workers-worker-1", .failed)
        fake.set("demo-workers-worker-2", .rayTerminated)
        fake.pods["demo-workers-worker-2"]?.set(["spec", "restartPolicy"], "Never")
        var plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames, ["demo-workers-worker-1", "demo-workers-worker-2"])
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.unhealthy])
        XCTAssertEqual(plan.createdPodNames, [], "no creates in the pass that deletes unhealthy pods")
        XCTAssertEqual(plan.error?.message, "delete 2 unhealthy worker Pods")
        XCTAssertNil(plan.error?.replicaFailureReason)
        fake.apply(plan)
        XCTAssertEqual(fake.plan().actions, [], "terminating: wait")
        fake.finishTerminating()
        plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, ["demo-workers-worker-1", "demo-workers-worker-2"])
        XCTAssertNil(plan.error)
    }

    func testATerminatedRayContainerUnderRestartAlwaysIsLeftToTheKubelet() {
        var fake = converged(Fixtures.cluster(replicas: 1))
        fake.set("demo-workers-worker-0", .rayTerminated)
        XCTAssertEqual(fake.plan().actions, [])
        fake.pods["demo-workers-worker-0"]?.set(["spec", "restartPolicy"], "OnFailure")
        XCTAssertEqual(fake.plan().actions, [], "OnFailure restarts a container that exited 1")
        fake.set("demo-workers-worker-0", .succeeded)
        XCTAssertEqual(fake.plan().deletedPodNames, ["demo-workers-worker-0"], "a terminal phase is deleted whatever the policy")
    }

    func testHeadPodRules() {
        var fake = converged(Fixtures.cluster(replicas: 1))
        // An unhealthy head is deleted with its UID, reported, and nothing else happens.
        fake.set("demo-headgroup-head-0", .failed)
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 3)
        var plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames, ["demo-headgroup-head-0"])
        XCTAssertEqual(plan.deletions.first?.nodeType, .head)
        XCTAssertEqual(plan.deletions.first?.uid, fake.pods["demo-headgroup-head-0"]?["metadata"]?["uid"]?.stringValue)
        XCTAssertEqual(plan.createdPodNames, [])
        XCTAssertNotNil(plan.error)
        XCTAssertEqual(plan.actions[0].successEvent(namespace: "default").reason, "DeletedHeadPod")
        XCTAssertEqual(plan.actions[0].failure(namespace: "default", error: "x").replicaFailureReason, "FailedDeleteHeadPod")
        fake.apply(plan)
        fake.finishTerminating()
        plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, ["demo-headgroup-head-0", "demo-workers-worker-1", "demo-workers-worker-2"])

        // Two head pods: an error naming them, nothing deleted, nothing created.
        var two = converged(Fixtures.cluster(replicas: 1))
        var extra = two.pods["demo-headgroup-head-0"] ?? .null
        extra.set(["metadata", "name"], "demo-other-head")
        two.pods["demo-other-head"] = extra
        two.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 2)
        plan = two.plan()
        XCTAssertEqual(plan.actions, [])
        XCTAssertEqual(plan.error?.message, "2 head pods found [demo-headgroup-head-0 demo-other-head]. Please delete extra head pods")
    }

    func testTwoHeadServicesIsAnError() {
        var fake = converged(Fixtures.cluster(replicas: 1))
        var other = fake.services["demo-head"] ?? .null
        other.set(["metadata", "name"], "demo-head-2")
        fake.services["demo-head-2"] = other
        let plan = fake.plan()
        XCTAssertEqual(plan.actions, [])
        XCTAssertEqual(plan.error?.message, "2 head service found [demo-head demo-head-2]")
    }

    func testDeletedServiceAndPodComeBack() {
        var fake = converged(Fixtures.cluster(replicas: 2))
        fake.services = [:]
        fake.pods["demo-workers-worker-0"] = nil
        let plan = fake.plan()
        XCTAssertEqual(plan.actions.map(\.objectName), ["demo-head", "demo-workers-worker-0"])
    }

    func testDisableProvisionedHeadRestart() {
        var fake = converged(Fixtures.cluster(replicas: 0))
        fake.pods = [:]
        fake.cluster.set(["metadata", "annotations"], [RayAnnotation.disableProvisionedHeadRestart: "true"])
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-headgroup-head-0"], "not provisioned yet: created")
        fake.cluster.set(["status"], ["conditions": [["type": "RayClusterProvisioned", "status": "True"]]])
        XCTAssertEqual(fake.plan().createdPodNames, [])
    }

    func testAutoscalingNeverScalesDownButHonoursWorkersToDelete() {
        var fake = converged(Fixtures.cluster(replicas: 4, autoscaling: true))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 1)
        XCTAssertEqual(fake.plan().actions, [])
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "scaleStrategy"], ["workersToDelete": ["demo-workers-worker-2"]])
        XCTAssertEqual(fake.plan().deletedPodNames, ["demo-workers-worker-2"])
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "replicas"], 6)
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-workers-worker-4", "demo-workers-worker-5", "demo-workers-worker-6"],
                       "scale-up still happens, around the listed name")
    }

    func testGroupSuspendDeletesItsPodsAndResumeRecreates() {
        var fake = converged(Fixtures.cluster(replicas: 2))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "suspend"], true)
        let plan = fake.plan()
        XCTAssertEqual(plan.deletedPodNames.sorted(), ["demo-workers-worker-0", "demo-workers-worker-1"])
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.groupSuspended])
        fake.apply(plan)
        XCTAssertEqual(fake.plan().actions, [], "terminating pods are not deleted again")
        fake.finishTerminating()
        XCTAssertEqual(fake.livePodNames, ["demo-headgroup-head-0"])
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "suspend"], false)
        XCTAssertEqual(fake.plan().createdPodNames, ["demo-workers-worker-0", "demo-workers-worker-1"])
    }

    func testRemovedGroupsPodsAreDeleted() {
        var fake = converged(Fixtures.cluster(replicas: 2))
        fake.cluster.set(["spec", "workerGroupSpecs", 0, "groupName"], "renamed")
        let plan = fake.plan()
        XCTAssertEqual(plan.createdPodNames, ["demo-renamed-worker-0", "demo-renamed-worker-1"])
        XCTAssertEqual(plan.deletedPodNames.sorted(), ["demo-workers-worker-0", "demo-workers-worker-1"])
        XCTAssertEqual(Set(plan.deletions.map(\.reason)), [.groupRemoved])
    }

    /// Cluster suspend in two phases, driven by the status the reconciler writes.
    func testClusterSuspendPhasesAndResume() {
        var fake = converged(Fixtures.cluster(replicas: 2))
        fake.cluster.set(["spec", "suspend"], true)
        // Phase 0: the status must record Suspending before any pod goes.
        var plan = fake.plan()
        XCTAssertEqual(plan.phase, .suspendRequested)
        XCTAssertTrue(plan.requeueAfterStatusWrite)
        XCTAssertEqual(plan.actions, [])
        writeStatus(&fake, plan)
        XCTAssertEqual(conditionStatus(fake, "RayClusterSuspending"), "True")
        // Phase 1: one collection delete.
        plan = fake.plan()
        XCTAssertEqual(plan.phase, .suspending)
        XCTAssertEqual(plan.actions, [.deleteAllPods(labelSelector: "ray.io/cluster=demo")])
        XCTAssertEqual(plan.actions[0].successEvent(namespace: "default").reason, "DeletedPod")
        XCTAssertEqual(plan.actions[0].failure(namespace: "default", error: "x").replicaFailureReason, "FailedDeleteAllPods")
        fake.apply(plan)
        writeStatus(&fake, plan)
        XCTAssertEqual(fake.plan().actions, [], "only terminating pods left: no second delete")
        XCTAssertEqual(conditionStatus(fake, "RayClusterSuspended"), nil, "pods still there")
        fake.finishTerminating()
        writeStatus(&fake, fake.plan())
        XCTAssertEqual(conditionStatus(fake, "RayClusterSuspending"), "False")
        XCTAssertEqual(conditionStatus(fake, "RayClusterSuspended"), "True")
        XCTAssertEqual(fake.cluster["status"]?["state"], "suspended")
        // Phase 2: suspended, nothing to do.
        plan = fake.plan()
        XCTAssertEqual(plan.phase, .suspended)
        XCTAssertEqual(plan.actions, [])
        // Resume: the pods come back in the same pass, the status clears Suspended.
        fake.cluster.set(["spec", "suspend"], false)
        plan = fake.plan()
        XCTAssertEqual(plan.phase, .active)
        XCTAssertEqual(plan.createdPodNames, ["demo-headgroup-head-0", "demo-workers-worker-0", "demo-workers-worker-1"])
        fake.apply(plan)
        writeStatus(&fake, plan)
        XCTAssertEqual(conditionStatus(fake, "RayClusterSuspended"), "False")
    }

    func testSuspendingAndSuspendedBothTrueIsInvalid() {
        var cluster = Fixtures.cluster()
        cluster.set(["status"], ["conditions": [["type": "RayClusterSuspending", "status": "True"], ["type": "RayClusterSuspended", "status": "True"]]])
        let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
        XCTAssertEqual(plan.phase, .invalidStatus)
        XCTAssertEqual(plan.actions, [])
        XCTAssertNotNil(plan.error)
    }

    func testManagedByAnotherControllerIsSkipped() {
        var cluster = Fixtures.cluster()
        for (value, skipped) in [(JSONValue.string("kueue.x-k8s.io/multikueue"), true), (.string(""), true),
                                 (.string("ray.io/kuberay-operator"), false), (.null, false)] {
            cluster.set(["spec", "managedBy"], value)
            let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
            XCTAssertEqual(plan.phase == .skipped, skipped, "\(value)")
            XCTAssertEqual(plan.actions.isEmpty, skipped, "\(value)")
        }
    }

    func testCreatesPerPassAreBounded() {
        let options = DesiredStateOptions(maxPodCreatesPerGroup: 7)
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 2_147_483_647, maxReplicas: 2_147_483_647))
        let plan = fake.plan(options: options)
        XCTAssertEqual(plan.createdPodNames.count, 1 + 7)
        XCTAssertTrue(plan.incomplete)
        fake.apply(plan)
        XCTAssertEqual(fake.plan(options: options).createdPodNames.last, "demo-workers-worker-13")
        XCTAssertFalse(FakeCluster(cluster: Fixtures.cluster(replicas: 3)).plan().incomplete)
    }

    // MARK: Helpers

    private func writeStatus(_ fake: inout FakeCluster, _ plan: ReconcilePlan) {
        let status = ClusterStatus.compute(cluster: fake.cluster, pods: fake.podList, headService: fake.serviceList.first,
                                           reconcileError: plan.error, now: "2025-01-01T00:00:00Z")
        fake.cluster.set(["status"], status)
    }

    private func conditionStatus(_ fake: FakeCluster, _ type: String) -> String? {
        fake.cluster["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }
}
