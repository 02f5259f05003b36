// The status of a RayCluster, computed from its spec, its current status, the pods and head
// Service the cache shows, and the error of the pass (KubeRay's calculateStatus):
// - observedGeneration = metadata.generation;
// - readyWorkerReplicas: worker pods Running with Ready True; availableWorkerReplicas: Running;
//   desiredWorkerReplicas: Σ desired pods of the groups (WorkerGroupPlan); min/maxWorkerReplicas:
//   Σ min/max × numOfHosts over groups not suspended; all saturate at 2^31-1 (int32 fields);
// - desiredCPU/Memory/GPU/TPU (DesiredResources);
// - state (deprecated but printed by kubectl): `ready` once there is no error, the pods are
//   exactly desired + 1 (the head) and all Running with no Ready condition other than True; it
//   then stays `ready` (KubeRay never sets it back); `suspended` once the Suspended condition is
//   True. After an error the state is left as it was. stateTransitionTimes[state] = now when it
//   changes;
// - head: podName and podIP of the one head pod; serviceName and serviceIP of the head Service,
//   the head pod's IP when the Service is headless; endpoints: the Service's port names → node
//   port, else target port, else port. When `headService` is nil (the cache does not show it yet)
//   the service fields and endpoints keep their previous values;
// - conditions (StatusConditions): HeadPodReady from the head pod's Ready condition (False
//   `HeadPodNotFound` "Head Pod not found" without a head pod); RayClusterProvisioned False
//   `RayClusterPodsProvisioning` "RayCluster Pods are being provisioned for first time" until the
//   `ready` test first passes, then True `AllPodRunningAndReadyFirstTime` "All Ray Pods are ready
//   for the first time", frozen until a suspend ("RayCluster has been suspended", False);
//   ReplicaFailure True with the error's reason and message, removed after a clean pass;
//   RayClusterSuspending / RayClusterSuspended for the two suspend phases (their reasons are their
//   type names): spec.suspend sets Suspending; Suspending with no pod left becomes Suspended;
//   Suspended clears when spec.suspend is no longer true;
// - lastUpdateTime = now.
// Every member of the previous status that is not computed here is kept as it was.
//
// When to write: `needsWrite` compares everything but lastUpdateTime. Unlike KubeRay, a change of
// observedGeneration or of the desired resources alone is written: a spec change then shows in
// the status (tools wait on observedGeneration), and an idle converged cluster computes the very
// same status (nothing in it moves with time except lastUpdateTime), so it causes no writes.
import JSON
import RayAPI

/// The status subresource of a RayCluster.
package enum ClusterStatus {
    package static let provisioningMessage = "RayCluster Pods are being provisioned for first time"
    package static let provisionedMessage = "All Ray Pods are ready for the first time"
    package static let suspendedMessage = "RayCluster has been suspended"
    package static let headPodNotFoundMessage = "Head Pod not found"
    package static let suspendingMessage = "spec.suspend is true: every Pod is being deleted"
    package static let allPodsDeletedMessage = "every Pod is deleted"
    package static let suspendedConditionMessage = "spec.suspend is true and no Pod remains"
    package static let resumedMessage = "spec.suspend is no longer true"

    /// The new `status` object. `pods` and `headService` follow the planner's input contract
    /// (children by label and owner UID); `now` is an RFC 3339 time ("2025-01-02T03:04:05Z").
    package static func compute(cluster: JSONValue, pods: [JSONValue], headService: JSONValue?,
                               reconcileError: ReconcileError?, now: String) -> JSONValue {
        let view = RayCluster(cluster)
        let spec = view.spec
        var status = cluster["status"]?.objectValue ?? JSONObject()
        let observed = pods.map(ObservedPod.init).filter {
            $0.nodeType == RayNodeType.head.rawValue || $0.nodeType == RayNodeType.worker.rawValue
        }
        let workers = observed.filter { $0.nodeType == RayNodeType.worker.rawValue }
        let headPods = observed.filter { $0.nodeType == RayNodeType.head.rawValue }

        if let generation = view.metadata?.generation { status["observedGeneration"] = .integer(generation) }

        // Replica counts.
        var desired: Int64 = 0
        var minimum: Int64 = 0
        var maximum: Int64 = 0
        for group in spec?.workerGroupSpecs ?? [] {
            desired = saturatingAdd(desired, WorkerGroupPlan.desiredPods(group))
            guard group.suspend != true else { continue }
            let hosts = WorkerGroupPlan.hosts(group)
            minimum = saturatingAdd(minimum, saturatingMultiply(max(group.minReplicas ?? 0, 0), hosts))
            maximum = saturatingAdd(maximum, saturatingMultiply(max(group.maxReplicas ?? Int64(Int32.max), 0), hosts))
        }
        let int32Max = Int64(Int32.max)
        status["readyWorkerReplicas"] = .integer(Int64(workers.filter(\.isRunningAndReady).count))
        status["availableWorkerReplicas"] = .integer(Int64(workers.filter(\.isRunning).count))
        status["desiredWorkerReplicas"] = .integer(min(desired, int32Max))
        status["minWorkerReplicas"] = .integer(min(minimum, int32Max))
        status["maxWorkerReplicas"] = .integer(min(maximum, int32Max))

        let resources = DesiredResources.compute(spec)
        status["desiredCPU"] = .string(resources.cpu.canonical)
        status["desiredMemory"] = .string(resources.memory.canonical)
        status["desiredGPU"] = .string(resources.gpu.canonical)
        status["desiredTPU"] = .string(resources.tpu.canonical)

        // Conditions.
        var conditions = StatusConditions(status["conditions"], now: now)
        let allUp = reconcileError == nil && Int64(observed.count) == saturatingAdd(min(desired, int32Max), 1)
            && observed.allSatisfy(\.passesRunningCheck)

        if let reconcileError {
            if let reason = reconcileError.replicaFailureReason {
                conditions.set(RayClusterConditionType.replicaFailure, status: "True", reason: reason, message: reconcileError.message)
            }
        } else {
            conditions.remove(RayClusterConditionType.replicaFailure)
        }

        if headPods.count == 1, let head = headPods.first {
            let ready = headPodReady(head)
            conditions.set(RayClusterConditionType.headPodReady, status: ready.status, reason: ready.reason, message: ready.message)
        } else if headPods.isEmpty {
            conditions.set(RayClusterConditionType.headPodReady, status: "False",
                           reason: RayClusterConditionReason.headPodNotFound, message: headPodNotFoundMessage)
        }

        let wantsSuspend = spec?.suspend == true
        if conditions.isTrue(RayClusterConditionType.suspending) {
            if observed.isEmpty {
                conditions.set(RayClusterConditionType.suspending, status: "False", reason: RayClusterConditionReason.suspending, message: allPodsDeletedMessage)
                conditions.set(RayClusterConditionType.suspended, status: "True", reason: RayClusterConditionReason.suspended, message: suspendedConditionMessage)
            }
        } else if conditions.isTrue(RayClusterConditionType.suspended) {
            if !wantsSuspend {
                conditions.set(RayClusterConditionType.suspended, status: "False", reason: RayClusterConditionReason.suspended, message: resumedMessage)
            }
        } else if wantsSuspend {
            conditions.set(RayClusterConditionType.suspending, status: "True", reason: RayClusterConditionReason.suspending, message: suspendingMessage)
        }

        let suspended = conditions.isTrue(RayClusterConditionType.suspended)
        if suspended {
            conditions.set(RayClusterConditionType.provisioned, status: "False",
                           reason: RayClusterConditionReason.podsProvisioning, message: suspendedMessage)
        } else if !conditions.isTrue(RayClusterConditionType.provisioned) {
            if allUp {
                conditions.set(RayClusterConditionType.provisioned, status: "True",
                               reason: RayClusterConditionReason.allPodRunningAndReadyFirstTime, message: provisionedMessage)
            } else {
                conditions.set(RayClusterConditionType.provisioned, status: "False",
                               reason: RayClusterConditionReason.podsProvisioning, message: provisioningMessage)
            }
        }
        status["conditions"] = .array(conditions.list)

        // State.
        if reconcileError == nil {
            let oldState = status["state"]?.stringValue
            var newState = oldState
            if suspended {
                newState = ClusterState.suspended
            } else if allUp {
                newState = ClusterState.ready
            }
            if let newState, newState != oldState {
                status["state"] = .string(newState)
                var times = status["stateTransitionTimes"]?.objectValue ?? JSONObject()
                times[newState] = .string(now)
                status["stateTransitionTimes"] = .object(times)
            }
            if newState == ClusterState.ready && status["reason"] != nil { status["reason"] = nil }
        }

        // Head and endpoints.
        var head = status["head"]?.objectValue ?? JSONObject()
        var headPodIP: String?
        if headPods.count == 1, let pod = headPods.first {
            headPodIP = pod.json["status"]?["podIP"]?.stringValue
            head["podName"] = .string(pod.name)
            head["podIP"] = headPodIP.map(JSONValue.string)
        } else if headPods.isEmpty {
            head["podName"] = nil
            head["podIP"] = nil
        }
        if let service = headService {
            let clusterIP = service["spec"]?["clusterIP"]?.stringValue
            head["serviceName"] = service["metadata"]?["name"]?.stringValue.map(JSONValue.string)
            let serviceIP = clusterIP == "None" ? headPodIP : clusterIP
            head["serviceIP"] = serviceIP.flatMap { $0.isEmpty ? nil : JSONValue.string($0) }
            status["endpoints"] = endpoints(of: service)
        }
        if head.isEmpty { status["head"] = nil } else { status["head"] = .object(head) }

        status["lastUpdateTime"] = .string(now)
        return .object(status)
    }

    /// Whether `new` differs from `old` in anything but lastUpdateTime.
    package static func needsWrite(old: JSONValue?, new: JSONValue) -> Bool {
        guard case .object(var before)? = old, case .object(var after) = new else { return old != new }
        before["lastUpdateTime"] = nil
        after["lastUpdateTime"] = nil
        return before != after
    }

    // MARK: Parts

    /// HeadPodReady from the head pod's Ready condition.
    static func headPodReady(_ pod: ObservedPod) -> (status: String, reason: String, message: String) {
        guard let ready = pod.readyCondition else { return ("False", RayClusterConditionReason.unknown, "") }
        let status = ready["status"]?.stringValue ?? "Unknown"
        var message = ready["message"]?.stringValue ?? ""
        var reason = ready["reason"]?.stringValue ?? ""
        if status == "True" && reason.isEmpty { reason = RayClusterConditionReason.headPodRunningAndReady }
        if reason == "ContainersNotReady" {
            // Say which container and why: the first one waiting or terminated.
            for container in pod.json["status"]?["containerStatuses"]?.arrayValue ?? [] {
                guard let state = container["state"]?["waiting"] ?? container["state"]?["terminated"],
                      let detail = state["reason"]?.stringValue, !detail.isEmpty else { continue }
                reason = detail
                if let text = state["message"]?.stringValue, !text.isEmpty { message = text }
                break
            }
        }
        if reason.isEmpty { reason = RayClusterConditionReason.unknown }
        return (status, reason, message)
    }

    /// Port name → node port, else target port, else port (unnamed ports are left out).
    static func endpoints(of service: JSONValue) -> JSONValue {
        var map: [String: String] = [:]
        for port in service["spec"]?["ports"]?.arrayValue ?? [] {
            guard let name = port["name"]?.stringValue, !name.isEmpty else { continue }
            if let node = port["nodePort"]?.int64Value, node != 0 {
                map[name] = String(node)
            } else if let target = port["targetPort"]?.int64Value, target != 0 {
                map[name] = String(target)
            } else if let target = port["targetPort"]?.stringValue, !target.isEmpty {
                map[name] = target
            } else if let number = port["port"]?.int64Value, number != 0 {
                map[name] = String(number)
            }
        }
        return PodMetadata.sortedMap(map)
    }

    private static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int64.max : sum
    }

    private static func saturatingMultiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int64.max : product
    }
}
