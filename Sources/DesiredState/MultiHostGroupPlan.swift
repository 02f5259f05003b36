// The actions for a multi-host worker group (`numOfHosts` > 1), reconciled replica by replica as
// KubeRay does with its RayMultiHostIndexing gate on. A replica is `numOfHosts` pods that only
// work together (a TPU slice: one host missing and the others cannot run), so it is created whole
// and deleted whole.
//
// Pods keep the group's fixed names `<cluster>-<group>-worker-<index>`; replica `r` is indices
// `r*numOfHosts ..< (r+1)*numOfHosts`, host `h` of it is index `r*numOfHosts + h`, and its pods
// carry `ray.io/worker-group-replica-name` `<group>-<r>`, `ray.io/replica-host-index` `h` and
// `ray.io/worker-group-replica-index` `r`. A pod whose labels do not say what its index says (it
// was made under another `numOfHosts`) or whose name carries no index belongs to no replica: it is
// deleted, and its name stays taken until it is gone.
//
// In order (the group is not suspended; WorkerGroupPlan handles that):
// 1. a replica with an unhealthy host (ObservedPod's rule, as for single-host pods) is deleted
//    whole, and nothing else happens in the group this pass (the deleted pods still show);
// 2. a replica with a pod named in `scaleStrategy.workersToDelete` is deleted whole and does not
//    count; no replica index whose names are listed is used again while they stay listed;
// 3. a replica missing a host (or with a host terminating) is deleted whole; it still counts while its pods exist (they hold
//    its names), and is created anew, whole, once they are gone;
// 4. the other replicas count, terminating pods included, against replicas clamped to [min, max]:
//    - more wanted: whole replicas at the lowest free replica indices (no pod holds any of their
//      names and the list names none of them), at most `maxPodCreatesPerGroup` pods per pass;
//    - fewer wanted and in-tree autoscaling off: whole replicas go, those already leaving (every
//      pod terminating, or deleted in step 3) first, then the highest replica index.
// A `numOfHosts` above `maxPodCreatesPerGroup` is an error: one replica could not be created in
// one pass, and a half-created replica would be taken for a broken one and deleted.
import JSON
import RayAPI

extension WorkerGroupPlan {
    /// One replica as the view shows it.
    private struct Replica {
        let index: Int
        var pods: [ObservedPod] = []
        /// Every pod is terminating, or is deleted by this plan: it will not be there for long.
        var leaving = false
        /// Hit by `workersToDelete`: it does not count.
        var listed = false
    }

    static func makeMultiHost(group: WorkerGroupSpec, hosts: Int, pods: [ObservedPod], facts: ClusterFacts) throws(DesiredStateError) -> WorkerGroupPlan {
        var plan = WorkerGroupPlan()
        let name = group.groupName ?? ""
        let limit = max(facts.options.maxPodCreatesPerGroup, 1)
        guard hosts <= limit else {
            plan.error = "worker group \(name) has numOfHosts \(hosts), more than the \(limit) Pods one pass creates for a group; its replicas are not reconciled"
            return plan
        }

        func delete(_ pod: ObservedPod, _ reason: PodDeletionReason, _ detail: String) {
            plan.deletions.append(PodDeletion(name: pod.name, uid: pod.uid, nodeType: .worker, group: name, reason: reason, detail: detail))
        }
        func deleteReplica(_ replica: inout Replica, _ reason: PodDeletionReason, _ detail: String) -> Int {
            var count = 0
            for pod in replica.pods where !pod.terminating {
                delete(pod, reason, detail)
                count &+= 1
            }
            replica.leaving = true
            return count
        }

        // Sort the pods into replicas; every index a pod holds is taken.
        var byIndex: [Int: Replica] = [:]
        var taken = Set<Int>()
        for pod in pods {
            let index = facts.names.workerPodIndex(pod.name, group: name)
            if let index { taken.insert(index) }
            guard let index, belongs(pod, index: index, hosts: hosts, group: name) else {
                if !pod.terminating {
                    delete(pod, .incompleteReplica, "Pod \(pod.name) is not a host of any replica of worker group \(name) (numOfHosts \(hosts))")
                }
                continue
            }
            byIndex[index / hosts, default: Replica(index: index / hosts)].pods.append(pod)
        }
        var replicas = byIndex.keys.sorted().compactMap { byIndex[$0] }
        for i in replicas.indices {
            replicas[i].pods.sort { $0.name < $1.name }
            replicas[i].leaving = replicas[i].pods.allSatisfy(\.terminating)
        }

        // 1. Unhealthy hosts.
        for i in replicas.indices {
            guard let reason = replicas[i].pods.lazy.compactMap({ $0.deletionReason(type: .worker) }).first else { continue }
            let replicaName = PodMetadata.replicaName(group: name, replica: replicas[i].index)
            plan.unhealthyDeleted &+= deleteReplica(&replicas[i], .unhealthy, "\(reason) Its replica \(replicaName) is deleted whole.")
        }
        if plan.unhealthyDeleted > 0 { return plan }

        // 2. workersToDelete.
        let listedNames = Set(group.scaleStrategy?.workersToDelete ?? [])
        func slotNames(_ replica: Int) -> [String] {
            (0..<hosts).map { facts.names.workerPodName(group: name, index: replica &* hosts &+ $0) }
        }
        for i in replicas.indices where slotNames(replicas[i].index).contains(where: listedNames.contains) {
            replicas[i].listed = true
            let replicaName = PodMetadata.replicaName(group: name, replica: replicas[i].index)
            _ = deleteReplica(&replicas[i], .workersToDelete,
                              "a host of replica \(replicaName) is listed in scaleStrategy.workersToDelete of worker group \(name); the replica is deleted whole")
        }

        // 3. Incomplete replicas.
        for i in replicas.indices where !replicas[i].listed && !replicas[i].leaving {
            let live = replicas[i].pods.filter { !$0.terminating }.count
            guard live < hosts else { continue }
            let replicaName = PodMetadata.replicaName(group: name, replica: replicas[i].index)
            _ = deleteReplica(&replicas[i], .incompleteReplica,
                              "replica \(replicaName) of worker group \(name) has \(live) of its \(hosts) hosts; it is deleted whole and created anew")
        }

        // 4. Count and scale.
        let counted = replicas.filter { !$0.listed }
        let desired = group.suspend == true ? 0 : WorkerGroupPlan.replicas(group)
        let present = Int64(counted.count)
        if desired > present {
            let wanted = desired &- present
            let perPass = Int64(limit / hosts)
            plan.capped = wanted > perPass
            let count = Int(min(wanted, perPass))
            var replica = 0
            var made = 0
            while made < count {
                let indices = (0..<hosts).map { replica &* hosts &+ $0 }
                let free = indices.allSatisfy { !taken.contains($0) } && !slotNames(replica).contains(where: listedNames.contains)
                if free {
                    for index in indices {
                        plan.creations.append(PodCreation(name: facts.names.workerPodName(group: name, index: index), nodeType: .worker,
                                                          group: name, index: index, hostIndex: index % hosts,
                                                          object: try PodBuilder.workerPod(facts, group: group, index: index)))
                    }
                    made &+= 1
                }
                replica &+= 1
            }
        } else if !facts.autoscaling && present > desired {
            let victims = counted.sorted { a, b in a.leaving != b.leaving ? a.leaving : a.index > b.index }
                .prefix(Int(present &- desired))
            for victim in victims where !victim.leaving {
                var replica = victim
                let replicaName = PodMetadata.replicaName(group: name, replica: victim.index)
                _ = deleteReplica(&replica, .scaleDown, "worker group \(name) wants \(desired) replicas of \(hosts) Pods; replica \(replicaName) goes")
            }
        }
        return plan
    }

    /// The pod at `index` carries the replica labels that index implies under `hosts`.
    private static func belongs(_ pod: ObservedPod, index: Int, hosts: Int, group: String) -> Bool {
        let labels = pod.json["metadata"]?["labels"]
        return labels?[RayLabel.workerGroupReplicaName]?.stringValue == PodMetadata.replicaName(group: group, replica: index / hosts)
            && labels?[RayLabel.replicaHostIndex]?.stringValue == String(index % hosts)
    }
}
