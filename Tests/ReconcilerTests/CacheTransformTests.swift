import DesiredState
import JSON
import Reconciler
import XCTest

/// The pod cache keeps only part of each pod; the planner and the status must decide exactly as
/// they would on the whole pod.
final class CacheTransformTests: XCTestCase {
    func cluster() throws -> JSONValue {
        try JSONValue.parse("""
            {"apiVersion": "ray.io/v1", "kind": "RayCluster",
             "metadata": {"name": "c", "namespace": "ns", "uid": "cluster-uid", "generation": 1},
             "spec": {"headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [
                        {"name": "ray-head", "image": "rayproject/ray:2.9.0", "resources": {"requests": {"cpu": "1"}}}]}}},
                      "workerGroupSpecs": [{"groupName": "g", "replicas": 3, "minReplicas": 0, "maxReplicas": 5,
                        "rayStartParams": {}, "template": {"spec": {"restartPolicy": "Never", "containers": [
                        {"name": "ray-worker", "image": "rayproject/ray:2.9.0", "resources": {"requests": {"cpu": "1"}}}]}}}]}}
            """)
    }

    /// The pods the controller would create, as the API server returns them: a uid, managedFields,
    /// and a status. Worker 1 is Running with its Ray container terminated under restartPolicy
    /// Never (to be replaced), the head is Running and Ready with an IP.
    func servedPods(_ cluster: JSONValue) throws -> [JSONValue] {
        let plan = ReconcilePlan.make(cluster: cluster, pods: [], services: [])
        var pods: [JSONValue] = []
        for case .createPod(let creation) in plan.actions {
            var pod = creation.object
            pod["metadata"]?["uid"] = .string("uid-\(creation.name)")
            pod["metadata"]?["managedFields"] = [["manager": "ray-operator", "fieldsV1": ["f:spec": ["f:containers": [:]]]]]
            let containerName = pod["spec"]?["containers"]?[0]?["name"] ?? .null
            if creation.nodeType == .head {
                pod["status"] = ["phase": "Running", "podIP": "10.0.0.1",
                                 "conditions": [["type": "Ready", "status": "True"]]]
            } else if creation.name.hasSuffix("worker-1") {
                pod["status"] = ["phase": "Running", "containerStatuses": [
                    ["name": containerName, "state": ["terminated": ["exitCode": 1, "reason": "Error"]]]]]
            } else {
                pod["status"] = ["phase": "Pending"]
            }
            pods.append(pod)
        }
        XCTAssertEqual(pods.count, 4, "head and three workers")
        return pods
    }

    func testTrimmedPodsLeaveOutTheBulkAndKeepWhatIsRead() throws {
        let pods = try servedPods(try cluster())
        let worker = try XCTUnwrap(pods.first { $0["metadata"]?["name"]?.stringValue?.hasSuffix("worker-1") == true })
        XCTAssertNotNil(worker["spec"]?["containers"]?[0]?["env"], "the built pod has env (else this test shows nothing)")
        let trimmed = ControllerResources.trimmedPodForCache(worker)
        XCTAssertNil(trimmed["metadata"]?["managedFields"])
        XCTAssertNil(trimmed["spec"]?["containers"]?[0]?["env"])
        XCTAssertNil(trimmed["spec"]?["containers"]?[0]?["args"])
        XCTAssertEqual(trimmed["metadata"]?["labels"], worker["metadata"]?["labels"])
        XCTAssertEqual(trimmed["metadata"]?["ownerReferences"], worker["metadata"]?["ownerReferences"])
        XCTAssertEqual(trimmed["status"], worker["status"])
        XCTAssertEqual(trimmed["spec"]?["restartPolicy"], "Never")
        XCTAssertEqual(trimmed["spec"]?["containers"]?[0]?["name"], worker["spec"]?["containers"]?[0]?["name"])
        XCTAssertLessThan(trimmed.jsonString.utf8.count * 2, worker.jsonString.utf8.count, "at least half goes")
    }

    func testPlanAndStatusAreTheSameOnTrimmedPods() throws {
        let cluster = try cluster()
        let pods = try servedPods(cluster)
        let trimmed = pods.map(ControllerResources.trimmedPodForCache)
        let full = ReconcilePlan.make(cluster: cluster, pods: pods, services: [])
        XCTAssertTrue(full.actions.contains { if case .deletePod = $0 { return true } else { return false } },
                      "the terminated worker is to be replaced (else this test shows nothing): \(full.actions)")
        XCTAssertEqual(ReconcilePlan.make(cluster: cluster, pods: trimmed, services: []), full)
        let now = "2026-01-02T03:04:05Z"
        XCTAssertEqual(ClusterStatus.compute(cluster: cluster, pods: trimmed, headService: nil, reconcileError: nil, now: now),
                       ClusterStatus.compute(cluster: cluster, pods: pods, headService: nil, reconcileError: nil, now: now))
    }

    func testObjectsWithoutSpecOrManagedFieldsPassUnchanged() {
        let bare: JSONValue = ["metadata": ["name": "p", "namespace": "ns"]]
        XCTAssertEqual(ControllerResources.trimmedPodForCache(bare), bare)
        XCTAssertEqual(ControllerResources.trimmedForCache(bare), bare)
        let oddSpec: JSONValue = ["metadata": ["name": "p"], "spec": ["containers": ["not an object"], "volumes": []]]
        XCTAssertEqual(ControllerResources.trimmedPodForCache(oddSpec), ["metadata": ["name": "p"], "spec": ["containers": ["not an object"]]])
    }
}
