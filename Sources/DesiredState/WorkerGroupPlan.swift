// The actions for one worker group, in KubeRay's order:
// Multi-host groups (numOfHosts > 1) are reconciled replica by replica: MultiHostGroupPlan.
//
// 1. desired pods = 0 when the group is suspended, else replicas clamped to [min, max] (absent
//    replicas → min; min above max → max) × numOfHosts (below 1 → 1, so a missing field never
//    means "delete every worker");
// 2. a suspended group: delete its pods; done;
// 3. unhealthy pods (ObservedPod) are deleted, and then nothing else happens in this group this
//    pass: the deleted pods still show in the cache, so a count now would be wrong;
// 4. pods named in `scaleStrategy.workersToDelete` are deleted. The list is the autoscaler's
//    and is not cleared, so a listed pod does not count toward the group, and its name is not
//    given to a new pod while it stays listed (a re-created pod would be deleted again: a loop);
// 5. the other pods count, terminating ones included (they still hold their names and the
//    cluster's resources), and the difference to desired decides:
//    - more wanted: create at the lowest indices that no pod (terminating ones included) uses and
//      the list does not name — fixed names, so a stale cache that missed a pod gets AlreadyExists
//      instead of a second pod; at most `maxPodCreatesPerGroup` per pass;
//    - fewer wanted and in-tree autoscaling off (with it on, the autoscaler picks its victims
//      through workersToDelete): delete live pods beyond desired, highest index first. Terminating
//      pods are taken as the first victims (they are leaving already and need no call), so a
//      pass that still sees a deleted pod as terminating does not delete another one, and two
//      passes over the same view pick the same pods. Pods whose name carries no index of ours go
//      before indexed ones.
import JSON
import RayAPI

struct WorkerGroupPlan {
    var deletions: [PodDeletion] = []
    var creations: [PodCreation] = []
    /// Unhealthy pods deleted (step 3).
    var unhealthyDeleted = 0
    /// More pods were wanted than one pass creates.
    var capped = false
    /// Why the group could not be reconciled, if it could not.
    var error: String?

    /// Pods the group wants (step 1).
    static func desiredPods(_ group: WorkerGroupSpec) -> Int64 {
        if group.suspend == true { return 0 }
        let (pods, overflow) = replicas(group).multipliedReportingOverflow(by: hosts(group))
        return overflow ? Int64.max : pods
    }

    /// Replicas clamped to [min, max] (never below 0).
    static func replicas(_ group: WorkerGroupSpec) -> Int64 {
        let minimum = group.minReplicas ?? 0
        let maximum = group.maxReplicas ?? Int64(Int32.max)
        let wanted: Int64
        if minimum > maximum {
            wanted = maximum
        } else if let replicas = group.replicas, replicas >= minimum {
            wanted = min(replicas, maximum)
        } else {
            wanted = minimum
        }
        return max(wanted, 0)
    }

    /// Pods per replica, at least 1.
    static func hosts(_ group: WorkerGroupSpec) -> Int64 { max(group.numOfHosts ?? 1, 1) }

    static func make(group: WorkerGroupSpec, pods: [ObservedPod], facts: ClusterFacts) throws(DesiredStateError) -> WorkerGroupPlan {
        var plan = WorkerGroupPlan()
        let name = group.groupName ?? ""
        let desired = desiredPods(group)

        func delete(_ pod: ObservedPod, _ reason: PodDeletionReason, _ detail: String) {
            plan.deletions.append(PodDeletion(name: pod.name, uid: pod.uid, nodeType: .worker, group: name, reason: reason, detail: detail))
        }

        if group.suspend == true {
            for pod in pods where !pod.terminating { delete(pod, .groupSuspended, "worker group \(name) is suspended") }
            return plan
        }
        let hostsPerReplica = hosts(group)
        if hostsPerReplica > 1 {
            return try makeMultiHost(group: group, hosts: Int(clamping: hostsPerReplica), pods: pods, facts: facts)
        }

        for pod in pods {
            if let reason = pod.deletionReason(type: .worker) {
                delete(pod, .unhealthy, reason)
                plan.unhealthyDeleted &+= 1
            }
        }
        if plan.unhealthyDeleted > 0 { return plan }

        let listed = Set(group.scaleStrategy?.workersToDelete ?? [])
        var counted: [ObservedPod] = []
        for pod in pods {
            if listed.contains(pod.name) {
                if !pod.terminating { delete(pod, .workersToDelete, "listed in scaleStrategy.workersToDelete of worker group \(name)") }
            } else {
                counted.append(pod)
            }
        }

        let present = Int64(counted.count)
        if desired > present {
            var used = Set<Int>()
            for pod in pods { if let index = facts.names.workerPodIndex(pod.name, group: name) { used.insert(index) } }
            let wanted = desired &- present
            let limit = Int64(max(facts.options.maxPodCreatesPerGroup, 0))
            let count = Int(min(wanted, limit))
            plan.capped = wanted > limit
            var index = 0
            while plan.creations.count < count {
                let podName = facts.names.workerPodName(group: name, index: index)
                if !used.contains(index) && !listed.contains(podName) {
                    plan.creations.append(PodCreation(name: podName, nodeType: .worker, group: name, index: index,
                                                      object: try PodBuilder.workerPod(facts, group: group, index: index)))
                }
                index &+= 1
            }
        } else if !facts.autoscaling {
            let live = counted.filter { !$0.terminating }
            let excess = Int64(live.count) &- desired
            if excess > 0 {
                let ordered = live.sorted { a, b in
                    let ia = facts.names.workerPodIndex(a.name, group: name)
                    let ib = facts.names.workerPodIndex(b.name, group: name)
                    switch (ia, ib) {
                    case (nil, nil): return a.name > b.name
                    case (nil, _): return true
                    case (_, nil): return false
                    case (let x?, let y?): return x != y ? x > y : a.name > b.name
                    }
                }
                for pod in ordered.prefix(Int(excess)) {
                    delete(pod, .scaleDown, "worker group \(name) wants \(desired) Pods")
                }
            }
        }
        return plan
    }
}
