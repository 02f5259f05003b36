// The planner: one pure function from a RayCluster and the children the cache shows to the API
// calls that bring them to the desired state, in KubeRay's order:
// 1. `spec.managedBy` naming another controller: skip, no writes at all (no status either);
// 2. a cluster nothing can be built from (no name, UID, head group, containers…): invalid;
// 3. status conditions Suspending and Suspended both True: invalid status, nothing else;
// 4. under in-tree autoscaling, its ServiceAccount, Role and RoleBinding (AutoscalerRBAC): the
//    missing ones are created; a user-named ServiceAccount that does not exist is an error with a
//    Warning Event `AutoscalerServiceAccountNotFound`, and nothing else happens;
// 5. the head Service: none → create; more than one → error, nothing else; then the headless
//    worker Service (HeadlessWorkerService): created while some group is multi-host, deleted
//    once none is;
// 6. cluster suspend, driven by the stored conditions (two phases, so that "Suspending" is
//    recorded before any pod goes): `spec.suspend` true but Suspending not yet True → no pod
//    action (the status written this pass records Suspending; requeue promptly); Suspending
//    True → delete every pod of the cluster in one call, while a non-terminating one exists;
//    Suspended True and still `spec.suspend` → nothing. On resume the pods are created at once
//    (the status written in the same pass clears Suspended);
// 7. the head pod: none → create (unless it was provisioned once and the RayCluster says
//    `ray.io/disable-provisioned-head-restart: "true"`); one unhealthy → delete it and report an
//    error (nothing else this pass); more than one → error "%d head pods found %v. Please delete
//    extra head pods", nothing deleted, nothing else;
// 8. each worker group (WorkerGroupPlan; multi-host ones replica by replica, MultiHostGroupPlan);
// 9. worker pods of groups no longer in the spec are deleted.
//
// Input contract: `pods` and `services` are the cluster's children as the cache shows them, and
// the CALLER has filtered them both by label (`ray.io/cluster=<name>`) and by controller owner
// UID (the RayCluster's `metadata.uid`): a label alone would adopt the pods of a deleted
// namesake that the garbage collector has not removed yet.
//
// Stale caches are safe by construction: creates use fixed names (a pod the cache missed gets
// AlreadyExists, never a twin), deletes carry the pod's UID, scale-down picks its victims by
// index, and terminating pods count as present for creates and as the first victims for deletes,
// so a pass that sees an older view deletes the same pods, never one more. One view this cannot
// judge: a multi-host replica whose later hosts were created but are not in the view yet looks
// incomplete and would be deleted; the caller's record of writes its cache has not shown yet
// (the Reconciler's Expectations) is what keeps them in the view.
import JSON
import RayAPI

/// What one reconcile pass of a RayCluster should do.
package struct ReconcilePlan: Sendable, Equatable {
    /// Where the cluster stands.
    package enum Phase: String, Sendable, Equatable {
        /// `spec.managedBy` names another controller: no writes at all.
        case skipped
        /// Nothing can be built from the spec (`error` says why): emit a Warning Event, write no
        /// status, do not requeue (a spec change triggers the next pass).
        case invalid
        /// Suspending and Suspended are both True: report `error`, requeue.
        case invalidStatus
        /// `spec.suspend` is true and the status does not record Suspending yet: write the status
        /// (which records it), then requeue promptly.
        case suspendRequested
        /// Deleting every pod.
        case suspending
        /// Suspended; nothing to do until `spec.suspend` is false.
        case suspended
        /// Head and workers reconciled.
        case active
    }

    package var phase: Phase
    /// The calls to make, in order; stop at the first that fails.
    package var actions: [ReconcileAction]
    /// Events to record on the RayCluster whatever the actions do.
    package var events: [PlannedEvent]
    /// An error to report after the actions ran (status `ReplicaFailure`/log) and requeue with
    /// backoff; nil when the pass is clean.
    package var error: ReconcileError?
    /// Some group wanted more pods than one pass creates: requeue at once.
    package var incomplete: Bool

    package init(phase: Phase, actions: [ReconcileAction] = [], events: [PlannedEvent] = [], error: ReconcileError? = nil,
                incomplete: Bool = false) {
        self.phase = phase
        self.actions = actions
        self.events = events
        self.error = error
        self.incomplete = incomplete
    }

    /// The next pass depends on the status this pass writes.
    package var requeueAfterStatusWrite: Bool { phase == .suspendRequested }

    /// Whether `spec.managedBy` lets this operator act on the cluster.
    package static func isManagedHere(cluster: JSONValue, options: DesiredStateOptions = DesiredStateOptions()) -> Bool {
        guard let managedBy = cluster["spec"]?["managedBy"], managedBy != .null else { return true }
        guard let value = managedBy.stringValue else { return false }
        return options.managedByValues.contains(value)
    }

    /// The plan for one pass. See the file header for the order and the input contract;
    /// `autoscalerObjects` names the autoscaler's objects that exist in the cluster's namespace.
    package static func make(cluster: JSONValue, pods: [JSONValue], services: [JSONValue],
                            autoscalerObjects: ExistingAutoscalerObjects = ExistingAutoscalerObjects(),
                            options: DesiredStateOptions = DesiredStateOptions()) -> ReconcilePlan {
        guard isManagedHere(cluster: cluster, options: options) else { return ReconcilePlan(phase: .skipped) }
        let facts: ClusterFacts
        do {
            facts = try ClusterFacts(cluster: cluster, options: options)
        } catch {
            return ReconcilePlan(phase: .invalid, error: ReconcileError(message: error.message))
        }
        do {
            return try plan(facts, pods: pods.map(ObservedPod.init), services: services, autoscalerObjects: autoscalerObjects)
        } catch {
            return ReconcilePlan(phase: .invalid, error: ReconcileError(message: error.message))
        }
    }

    private static func plan(_ facts: ClusterFacts, pods: [ObservedPod], services: [JSONValue],
                             autoscalerObjects: ExistingAutoscalerObjects) throws(DesiredStateError) -> ReconcilePlan {
        let status = facts.cluster.status
        let suspending = status?.condition(RayClusterConditionType.suspending)?.isTrue ?? false
        let suspended = status?.condition(RayClusterConditionType.suspended)?.isTrue ?? false
        if suspending && suspended {
            return ReconcilePlan(phase: .invalidStatus, error: ReconcileError(message:
                "invalid RayCluster State: rayv1.RayClusterSuspending and rayv1.RayClusterSuspended conditions should not be both true"))
        }

        let autoscaler = AutoscalerRBAC.plan(facts, existing: autoscalerObjects)
        if let missing = autoscaler.missingServiceAccount {
            let message = "the head pod template of RayCluster \(facts.names.namespace)/\(facts.names.cluster) names the ServiceAccount \(missing), which does not exist; the in-tree autoscaler runs as it, so create it (or remove serviceAccountName and the operator makes one)"
            return ReconcilePlan(phase: .active, events: [PlannedEvent(type: "Warning", reason: "AutoscalerServiceAccountNotFound", message: message)],
                                 error: ReconcileError(message: message))
        }
        var actions = autoscaler.actions
        let headServices = services.filter { $0["metadata"]?["labels"]?[RayLabel.nodeType]?.stringValue == RayNodeType.head.rawValue }
        if headServices.count > 1 {
            let names = headServices.map { $0["metadata"]?["name"]?.stringValue ?? "" }
            return ReconcilePlan(phase: .active, actions: actions,
                                 error: ReconcileError(message: "\(headServices.count) head service found \(goList(names))"))
        }
        if headServices.isEmpty {
            actions.append(.createService(name: facts.names.headServiceName, object: try HeadServiceBuilder.headService(facts)))
        }
        let headless = services.filter { HeadlessWorkerService.isHeadlessWorkerService($0, cluster: facts.names.cluster) }
        if HeadlessWorkerService.wanted(facts) {
            if headless.isEmpty {
                actions.append(.createService(name: RayNaming.headlessServiceName(cluster: facts.names.cluster),
                                              object: HeadlessWorkerService.service(facts)))
            }
        } else {
            for service in headless where service["metadata"]?["deletionTimestamp"]?.stringValue == nil {
                actions.append(.deleteService(name: service["metadata"]?["name"]?.stringValue ?? "", uid: service["metadata"]?["uid"]?.stringValue))
            }
        }

        let wantsSuspend = facts.spec.suspend == true
        if suspending {
            if pods.contains(where: { !$0.terminating }) {
                actions.append(.deleteAllPods(labelSelector: RayPodLabels.selectorQuery(RayPodLabels.clusterSelector(cluster: facts.names.cluster))))
            }
            return ReconcilePlan(phase: .suspending, actions: actions)
        }
        if suspended && wantsSuspend { return ReconcilePlan(phase: .suspended, actions: actions) }
        if wantsSuspend { return ReconcilePlan(phase: .suspendRequested, actions: actions) }

        // The head.
        let headPods = pods.filter { $0.nodeType == RayNodeType.head.rawValue }
        if headPods.count > 1 {
            return ReconcilePlan(phase: .active, actions: actions, error: ReconcileError(message:
                "\(headPods.count) head pods found \(goList(headPods.map(\.name))). Please delete extra head pods"))
        }
        if let head = headPods.first {
            if let reason = head.deletionReason(type: .head) {
                actions.append(.deletePod(PodDeletion(name: head.name, uid: head.uid, nodeType: .head, group: facts.names.headGroupName,
                                                      reason: .unhealthy, detail: reason)))
                return ReconcilePlan(phase: .active, actions: actions, error: ReconcileError(message: reason))
            }
        } else if !headRestartDisabled(facts) {
            actions.append(.createPod(PodCreation(name: facts.names.headPodName, nodeType: .head, group: facts.names.headGroupName,
                                                  index: 0, object: try PodBuilder.headPod(facts))))
        }

        // The workers.
        let workers = pods.filter { $0.nodeType == RayNodeType.worker.rawValue }
        var byGroup: [String: [ObservedPod]] = [:]
        for pod in workers { byGroup[pod.group ?? "", default: []].append(pod) }
        var seen = Set<String>()
        var unhealthy = 0
        var groupErrors: [String] = []
        var incomplete = false
        for group in facts.workerGroups {
            let name = group.groupName ?? ""
            // Duplicate names are refused at admission; were one stored, its first spec decides.
            guard seen.insert(name).inserted else { continue }
            let groupPlan = try WorkerGroupPlan.make(group: group, pods: byGroup[name] ?? [], facts: facts)
            actions.append(contentsOf: groupPlan.deletions.map(ReconcileAction.deletePod))
            actions.append(contentsOf: groupPlan.creations.map(ReconcileAction.createPod))
            unhealthy &+= groupPlan.unhealthyDeleted
            incomplete = incomplete || groupPlan.capped
            if let error = groupPlan.error { groupErrors.append(error) }
        }
        for pod in workers where !seen.contains(pod.group ?? "") && !pod.terminating {
            actions.append(.deletePod(PodDeletion(name: pod.name, uid: pod.uid, nodeType: .worker, group: pod.group ?? "",
                                                  reason: .groupRemoved, detail: "worker group \(pod.group ?? "") is no longer in the spec")))
        }
        if unhealthy > 0 { groupErrors.insert("delete \(unhealthy) unhealthy worker Pods", at: 0) }
        let error = groupErrors.isEmpty ? nil : ReconcileError(message: groupErrors.joined(separator: "; "))
        return ReconcilePlan(phase: .active, actions: actions, error: error, incomplete: incomplete)
    }

    /// The head is not re-created once the cluster was provisioned, when the RayCluster asks so.
    private static func headRestartDisabled(_ facts: ClusterFacts) -> Bool {
        facts.cluster.metadata?.annotation(RayAnnotation.disableProvisionedHeadRestart)?.lowercased() == "true"
            && facts.cluster.status?.condition(RayClusterConditionType.provisioned)?.isTrue == true
    }

    /// Go's `%v` of a string slice: `[a b c]`.
    static func goList(_ items: [String]) -> String { "[" + items.joined(separator: " ") + "]" }
}
