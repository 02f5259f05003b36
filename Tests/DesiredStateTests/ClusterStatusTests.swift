import DesiredState
import JSON
import RayAPI
import XCTest

final class ClusterStatusTests: XCTestCase {
    private let t0 = "2025-01-01T00:00:00Z"
    private let t1 = "2025-01-01T00:01:00Z"
    private let t2 = "2025-01-01T00:02:00Z"

    private func compute(_ fake: FakeCluster, error: ReconcileError? = nil, now: String) -> JSONValue {
        ClusterStatus.compute(cluster: fake.cluster, pods: fake.podList, headService: fake.serviceList.first,
                              reconcileError: error, now: now)
    }

    private func condition(_ status: JSONValue, _ type: String) -> JSONValue? {
        status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    func testFreshClusterStatus() {
        let fake = FakeCluster(cluster: Fixtures.cluster(replicas: 3))
        let status = compute(fake, now: t0)
        XCTAssertEqual(status["observedGeneration"], 1)
        XCTAssertEqual(status["desiredWorkerReplicas"], 3)
        XCTAssertEqual(status["minWorkerReplicas"], 0)
        XCTAssertEqual(status["maxWorkerReplicas"], 10)
        XCTAssertEqual(status["readyWorkerReplicas"], 0)
        XCTAssertEqual(status["availableWorkerReplicas"], 0)
        XCTAssertEqual(status["desiredCPU"], "5")
        XCTAssertEqual(status["desiredMemory"], "7Gi")
        XCTAssertEqual(status["desiredGPU"], "0")
        XCTAssertEqual(status["desiredTPU"], "0")
        XCTAssertNil(status["state"])
        XCTAssertEqual(status["lastUpdateTime"], .string(t0))
        XCTAssertEqual(condition(status, "HeadPodReady"), [
            "type": "HeadPodReady", "status": "False", "lastTransitionTime": .string(t0), "reason": "HeadPodNotFound", "message": "Head Pod not found",
        ])
        XCTAssertEqual(condition(status, "RayClusterProvisioned"), [
            "type": "RayClusterProvisioned", "status": "False", "lastTransitionTime": .string(t0),
            "reason": "RayClusterPodsProvisioning", "message": "RayCluster Pods are being provisioned for first time",
        ])
        XCTAssertNil(condition(status, "ReplicaFailure"))
        XCTAssertNil(condition(status, "RayClusterSuspending"))
    }

    func testReadyTransitionConditionsAndNoWriteWhenNothingChanged() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 2))
        fake.converge()
        var status = compute(fake, now: t0)
        fake.cluster.set(["status"], status)
        XCTAssertNil(status["state"], "pods pending")
        XCTAssertEqual(condition(status, "HeadPodReady")?["reason"], "Unknown", "no Ready condition yet")

        fake.allReady()
        status = compute(fake, now: t1)
        XCTAssertTrue(ClusterStatus.needsWrite(old: fake.cluster["status"], new: status))
        fake.cluster.set(["status"], status)
        XCTAssertEqual(status["state"], "ready")
        XCTAssertEqual(status["stateTransitionTimes"], ["ready": .string(t1)])
        XCTAssertEqual(status["readyWorkerReplicas"], 2)
        XCTAssertEqual(status["availableWorkerReplicas"], 2)
        XCTAssertEqual(condition(status, "HeadPodReady")?["status"], "True")
        XCTAssertEqual(condition(status, "HeadPodReady")?["reason"], "HeadPodRunningAndReady")
        XCTAssertEqual(condition(status, "HeadPodReady")?["lastTransitionTime"], .string(t1))
        XCTAssertEqual(condition(status, "RayClusterProvisioned")?["status"], "True")
        XCTAssertEqual(condition(status, "RayClusterProvisioned")?["reason"], "AllPodRunningAndReadyFirstTime")
        XCTAssertEqual(condition(status, "RayClusterProvisioned")?["message"], "All Ray Pods are ready for the first time")
        let headIP = fake.pods["demo-headgroup-head-0"]?["status"]?["podIP"]
        XCTAssertEqual(status["head"], ["podName": "demo-headgroup-head-0", "podIP": headIP ?? .null,
                                        "serviceName": "demo-head", "serviceIP": headIP ?? .null], "headless: the pod IP")
        XCTAssertEqual(status["endpoints"], ["client": "10001", "dashboard": "8265", "gcs-server": "6379", "metrics": "8080", "serve": "8000"])

        // Nothing changed but the clock: no write.
        let again = compute(fake, now: t2)
        XCTAssertFalse(ClusterStatus.needsWrite(old: fake.cluster["status"], new: again))
        XCTAssertEqual(again["lastUpdateTime"], .string(t2))

        // A worker not ready: counts move, the state stays ready, Provisioned stays True.
        fake.set("demo-workers-worker-1", .running)
        let degraded = compute(fake, now: t2)
        XCTAssertTrue(ClusterStatus.needsWrite(old: fake.cluster["status"], new: degraded))
        XCTAssertEqual(degraded["readyWorkerReplicas"], 1)
        XCTAssertEqual(degraded["availableWorkerReplicas"], 2)
        XCTAssertEqual(degraded["state"], "ready")
        XCTAssertEqual(condition(degraded, "RayClusterProvisioned")?["status"], "True")
        XCTAssertEqual(condition(degraded, "RayClusterProvisioned")?["lastTransitionTime"], .string(t1))
    }

    func testSpecChangeIsWrittenThroughObservedGeneration() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 2))
        fake.converge()
        fake.allReady()
        fake.cluster.set(["status"], compute(fake, now: t0))
        fake.cluster.set(["metadata", "generation"], 2)
        let status = compute(fake, now: t1)
        XCTAssertEqual(status["observedGeneration"], 2)
        XCTAssertTrue(ClusterStatus.needsWrite(old: fake.cluster["status"], new: status))
        XCTAssertTrue(ClusterStatus.needsWrite(old: nil, new: status))
    }

    func testReplicaFailureAndUntouchedStateAfterAnError() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 1))
        fake.converge()
        fake.allReady()
        let error = ReconcileError(replicaFailureReason: "FailedCreateWorkerPod", message: "Failed to create worker Pod default/x: quota")
        let failed = compute(fake, error: error, now: t0)
        XCTAssertNil(failed["state"], "no state is set in a pass that failed")
        XCTAssertEqual(condition(failed, "ReplicaFailure"), [
            "type": "ReplicaFailure", "status": "True", "lastTransitionTime": .string(t0),
            "reason": "FailedCreateWorkerPod", "message": "Failed to create worker Pod default/x: quota",
        ])
        XCTAssertEqual(condition(failed, "RayClusterProvisioned")?["status"], "False")
        fake.cluster.set(["status"], failed)
        // An error without a replica-failure reason leaves the condition as it is.
        let other = compute(fake, error: ReconcileError(message: "2 head pods found"), now: t1)
        XCTAssertEqual(condition(other, "ReplicaFailure")?["status"], "True")
        let clean = compute(fake, now: t1)
        XCTAssertNil(condition(clean, "ReplicaFailure"))
        XCTAssertEqual(clean["state"], "ready")
    }

    func testHeadPodReadyReasonsFromThePod() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 0))
        fake.converge()
        fake.pods["demo-headgroup-head-0"]?.set(["status"], [
            "phase": "Running",
            "conditions": [["type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [ray-head]"]],
            "containerStatuses": [["name": "ray-head", "state": ["waiting": ["reason": "CrashLoopBackOff", "message": "back-off 5m0s"]]]],
        ])
        var status = compute(fake, now: t0)
        XCTAssertEqual(condition(status, "HeadPodReady")?["reason"], "CrashLoopBackOff")
        XCTAssertEqual(condition(status, "HeadPodReady")?["message"], "back-off 5m0s")
        XCTAssertEqual(condition(status, "HeadPodReady")?["status"], "False")
        // A reason the API server would refuse becomes Unknown; the status stays writable.
        fake.pods["demo-headgroup-head-0"]?.set(["status", "conditions"], [["type": "Ready", "status": "False", "reason": "not a reason!"]])
        status = compute(fake, now: t0)
        XCTAssertEqual(condition(status, "HeadPodReady")?["reason"], "Unknown")
    }

    func testSuspendConditionsAndState() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 1))
        fake.converge()
        fake.allReady()
        fake.cluster.set(["status"], compute(fake, now: t0))
        fake.cluster.set(["spec", "suspend"], true)
        var status = compute(fake, now: t1)
        XCTAssertEqual(condition(status, "RayClusterSuspending"), [
            "type": "RayClusterSuspending", "status": "True", "lastTransitionTime": .string(t1), "reason": "RayClusterSuspending",
            "message": "spec.suspend is true: every Pod is being deleted",
        ])
        fake.cluster.set(["status"], status)
        fake.pods = [:]
        status = compute(fake, now: t2)
        XCTAssertEqual(condition(status, "RayClusterSuspending")?["status"], "False")
        XCTAssertEqual(condition(status, "RayClusterSuspended")?["status"], "True")
        XCTAssertEqual(condition(status, "RayClusterProvisioned")?["status"], "False")
        XCTAssertEqual(condition(status, "RayClusterProvisioned")?["message"], "RayCluster has been suspended")
        XCTAssertEqual(status["state"], "suspended")
        XCTAssertEqual(status["stateTransitionTimes"], ["ready": .string(t0), "suspended": .string(t2)])
        XCTAssertNil(status["head"]?["podName"])
        fake.cluster.set(["status"], status)
        XCTAssertFalse(ClusterStatus.needsWrite(old: fake.cluster["status"], new: compute(fake, now: t2)), "a suspended cluster is idle")
        // Resume.
        fake.cluster.set(["spec", "suspend"], false)
        status = compute(fake, now: t2)
        XCTAssertEqual(condition(status, "RayClusterSuspended")?["status"], "False")
        XCTAssertEqual(condition(status, "RayClusterProvisioned")?["message"], "RayCluster Pods are being provisioned for first time")
    }

    func testDesiredResources() {
        var cluster = Fixtures.cluster(replicas: 3, minReplicas: 1, maxReplicas: 5, numOfHosts: 2)
        cluster.set(["spec", "workerGroupSpecs", 0, "template", "spec", "containers"], [
            ["name": "ray", "resources": ["requests": ["cpu": "500m", "memory": "1Gi"], "limits": ["cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"]]],
            ["name": "side", "resources": ["limits": ["cpu": "100m", "google.com/tpu": "4", "amd.com/gpu": 2]]],
        ])
        var suspendedGroup = cluster["spec"]?["workerGroupSpecs"]?[0] ?? .null
        suspendedGroup.set(["groupName"], "parked")
        suspendedGroup.set(["suspend"], true)
        var groups = cluster["spec"]?["workerGroupSpecs"]?.arrayValue ?? []
        groups.append(suspendedGroup)
        cluster.set(["spec", "workerGroupSpecs"], .array(groups))
        let status = ClusterStatus.compute(cluster: cluster, pods: [], headService: nil, reconcileError: nil, now: t0)
        // Head 2 CPU / 4Gi; the group: (500m + 100m) and 1Gi per pod, × 3 replicas × 2 hosts.
        XCTAssertEqual(status["desiredCPU"], "5600m")
        XCTAssertEqual(status["desiredMemory"], "10Gi")
        XCTAssertEqual(status["desiredGPU"], "18")
        XCTAssertEqual(status["desiredTPU"], "24")
        XCTAssertEqual(status["desiredWorkerReplicas"], 6, "the suspended group wants none")
        XCTAssertEqual(status["minWorkerReplicas"], 2)
        XCTAssertEqual(status["maxWorkerReplicas"], 10)
        XCTAssertNil(status["head"], "nothing known about the head yet")
    }

    func testCountsSaturateAtInt32Max() {
        let cluster = Fixtures.cluster(replicas: 2_147_483_647, maxReplicas: 2_147_483_647, numOfHosts: 4)
        let status = ClusterStatus.compute(cluster: cluster, pods: [], headService: nil, reconcileError: nil, now: t0)
        XCTAssertEqual(status["desiredWorkerReplicas"], 2_147_483_647)
        XCTAssertEqual(status["maxWorkerReplicas"], 2_147_483_647)
        XCTAssertEqual(status["desiredCPU"], "8589934590", "2 + 2147483647 × 4 × 1, exact")
    }

    func testServiceIPNodePortsAndUnknownFieldsKept() {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 0))
        fake.converge()
        fake.cluster.set(["status"], ["reason": "old", "customField": "kept"])
        var service = fake.serviceList.first ?? .null
        service.set(["spec", "clusterIP"], "10.96.0.12")
        service.set(["spec", "ports"], [["name": "dashboard", "port": 8265, "nodePort": 30265], ["name": "gcs", "port": 6379, "targetPort": "gcs"], ["port": 1]])
        let status = ClusterStatus.compute(cluster: fake.cluster, pods: fake.podList, headService: service, reconcileError: nil, now: t0)
        XCTAssertEqual(status["head"]?["serviceIP"], "10.96.0.12")
        XCTAssertEqual(status["endpoints"], ["dashboard": "30265", "gcs": "gcs"])
        XCTAssertEqual(status["customField"], "kept")
        XCTAssertEqual(status["reason"], "old", "reason is cleared only when the cluster becomes ready")
    }
}
