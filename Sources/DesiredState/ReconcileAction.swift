// The API calls a plan asks for, and what to report about each.
//
// How the caller runs an action:
// - createAutoscalerObject / createService / createPod: POST `object`. AlreadyExists means a stale cache missed an object
//   created earlier (names are fixed): count it as done and emit nothing.
// - deletePod: DELETE `name` with the precondition `uid` (so a re-created namesake is never hit).
//   NotFound (or a UID conflict) means it is gone already: done.
// - deleteService: DELETE `name` with the precondition `uid`; NotFound or a conflict: done.
// - deleteAllPods: DELETE the pod collection with `labelSelector`.
// On success emit `successEvent` (a Normal Event on the RayCluster). On failure emit
// `failureEvent(namespace:error:)` (Warning), stop running the plan, and pass `failure(namespace:error:)` to
// `ClusterStatus.compute` as the reconcile error; then requeue with backoff.
import JSON
import RayAPI

/// An error of a reconcile pass, as the status reports it.
package struct ReconcileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reason of the `ReplicaFailure` condition (`FailedCreateWorkerPod`, …); nil for errors that
    /// do not set that condition (too many head pods, an unhealthy pod deleted…).
    package var replicaFailureReason: String?
    package var message: String

    package init(replicaFailureReason: String? = nil, message: String) {
        self.replicaFailureReason = replicaFailureReason
        self.message = message
    }

    package var description: String { message }
}

/// An Event to record on the RayCluster.
package struct PlannedEvent: Sendable, Equatable {
    /// `Normal` or `Warning`.
    package var type: String
    package var reason: String
    package var message: String

    package init(type: String, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}

/// A pod to create.
package struct PodCreation: Sendable, Equatable {
    package var name: String
    package var nodeType: RayNodeType
    /// Group name (the head group's for the head).
    package var group: String
    /// Index in the group (0 for the head).
    package var index: Int
    /// Place of the pod in its multi-host replica (0 for the head and single-host workers): the
    /// caller does not stop a bounded pass before the later hosts of a replica it started.
    package var hostIndex: Int = 0
    /// The complete Pod object.
    package var object: JSONValue
}

/// Why a pod is deleted.
package enum PodDeletionReason: String, Sendable, Equatable {
    /// Failed, Succeeded, or its Ray container terminated for good.
    case unhealthy = "Unhealthy"
    /// Named in the group's `scaleStrategy.workersToDelete`.
    case workersToDelete = "WorkersToDelete"
    /// More pods than the group wants (highest indices go).
    case scaleDown = "ScaleDown"
    /// The group is suspended.
    case groupSuspended = "GroupSuspended"
    /// Its group is no longer in the spec.
    case groupRemoved = "GroupRemoved"
    /// Its multi-host replica misses a host (or it belongs to no replica): the replica goes whole.
    case incompleteReplica = "IncompleteReplica"
}

/// A pod to delete.
package struct PodDeletion: Sendable, Equatable {
    package var name: String
    /// Precondition of the delete; nil only when the cached pod carries no UID.
    package var uid: String?
    package var nodeType: RayNodeType
    package var group: String
    package var reason: PodDeletionReason
    /// Why, in words (goes into the Event).
    package var detail: String
}

/// A ServiceAccount, Role or RoleBinding of the autoscaler to create.
package struct AutoscalerObjectCreation: Sendable, Equatable {
    package var kind: AutoscalerObjectKind
    package var name: String
    /// The complete object.
    package var object: JSONValue
}

/// One API call of a plan.
package enum ReconcileAction: Sendable, Equatable {
    case createAutoscalerObject(AutoscalerObjectCreation)
    case createService(name: String, object: JSONValue)
    /// Delete a Service this operator made and no longer wants (the headless worker Service once
    /// no group is multi-host), with the precondition `uid`.
    case deleteService(name: String, uid: String?)
    case createPod(PodCreation)
    case deletePod(PodDeletion)
    /// Delete every pod of the cluster at once (suspend).
    case deleteAllPods(labelSelector: String)

    /// Name of the object the action is about (the selector for `deleteAllPods`).
    package var objectName: String {
        switch self {
        case .createAutoscalerObject(let creation): return creation.name
        case .createService(let name, _): return name
        case .deleteService(let name, _): return name
        case .createPod(let creation): return creation.name
        case .deletePod(let deletion): return deletion.name
        case .deleteAllPods(let selector): return selector
        }
    }

    /// A later host of a multi-host replica: the caller runs it even past its bound on writes per
    /// pass, so that a replica it started creating is created whole.
    package var continuesReplica: Bool {
        if case .createPod(let creation) = self { return creation.hostIndex > 0 }
        return false
    }

    /// The Normal Event to emit once the call succeeded (not after AlreadyExists / NotFound).
    package func successEvent(namespace: String) -> PlannedEvent {
        switch self {
        case .createAutoscalerObject(let creation):
            return PlannedEvent(type: "Normal", reason: "Created\(creation.kind.rawValue)",
                                message: "Created \(creation.kind.words) \(namespace)/\(creation.name)")
        case .createService(let name, _):
            return PlannedEvent(type: "Normal", reason: "CreatedService", message: "Created service \(namespace)/\(name)")
        case .deleteService(let name, _):
            return PlannedEvent(type: "Normal", reason: "DeletedService",
                                message: "Deleted service \(namespace)/\(name): no worker group has numOfHosts above 1")
        case .createPod(let creation):
            return creation.nodeType == .head
                ? PlannedEvent(type: "Normal", reason: "CreatedHeadPod", message: "Created head Pod \(namespace)/\(creation.name)")
                : PlannedEvent(type: "Normal", reason: "CreatedWorkerPod", message: "Created worker Pod \(namespace)/\(creation.name)")
        case .deletePod(let deletion):
            let reason = deletion.nodeType == .head ? "DeletedHeadPod" : "DeletedWorkerPod"
            let kind = deletion.nodeType == .head ? "head" : "worker"
            return PlannedEvent(type: "Normal", reason: reason, message: "Deleted \(kind) Pod \(namespace)/\(deletion.name): \(deletion.detail)")
        case .deleteAllPods(let selector):
            return PlannedEvent(type: "Normal", reason: "DeletedPod", message: "Deleted the Pods of \(namespace) matching \(selector) (the RayCluster is suspended)")
        }
    }

    /// The Warning Event to emit when the call failed with `error`.
    package func failureEvent(namespace: String, error: String) -> PlannedEvent {
        let reason: String
        let what: String
        switch self {
        case .createAutoscalerObject(let c):
            (reason, what) = ("FailedToCreate\(c.kind.rawValue)", "create \(c.kind.words) \(namespace)/\(c.name)")
        case .createService(let name, _): (reason, what) = ("FailedToCreateService", "create service \(namespace)/\(name)")
        case .deleteService(let name, _): (reason, what) = ("FailedToDeleteService", "delete service \(namespace)/\(name)")
        case .createPod(let c) where c.nodeType == .head: (reason, what) = ("FailedToCreateHeadPod", "create head Pod \(namespace)/\(c.name)")
        case .createPod(let c): (reason, what) = ("FailedToCreateWorkerPod", "create worker Pod \(namespace)/\(c.name)")
        case .deletePod(let d) where d.nodeType == .head: (reason, what) = ("FailedToDeleteHeadPod", "delete head Pod \(namespace)/\(d.name)")
        case .deletePod(let d): (reason, what) = ("FailedToDeleteWorkerPod", "delete worker Pod \(namespace)/\(d.name)")
        case .deleteAllPods(let s): (reason, what) = ("FailedToDeletePodCollection", "delete the Pods of \(namespace) matching \(s)")
        }
        return PlannedEvent(type: "Warning", reason: reason, message: "Failed to \(what): \(error)")
    }

    /// The reconcile error to report when the call failed with `error`.
    package func failure(namespace: String, error: String) -> ReconcileError {
        let reason: String?
        switch self {
        case .createAutoscalerObject, .createService, .deleteService: reason = nil
        case .createPod(let c): reason = c.nodeType == .head ? RayClusterConditionReason.failedCreateHeadPod : RayClusterConditionReason.failedCreateWorkerPod
        case .deletePod(let d): reason = d.nodeType == .head ? RayClusterConditionReason.failedDeleteHeadPod : RayClusterConditionReason.failedDeleteWorkerPod
        case .deleteAllPods: reason = RayClusterConditionReason.failedDeleteAllPods
        }
        return ReconcileError(replicaFailureReason: reason, message: failureEvent(namespace: namespace, error: error).message)
    }
}

extension AutoscalerObjectKind {
    /// The kind in Event messages, as KubeRay words them ("service account", "role", "role binding").
    var words: String {
        switch self {
        case .serviceAccount: return "service account"
        case .role: return "role"
        case .roleBinding: return "role binding"
        }
    }
}
