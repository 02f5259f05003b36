import Admission
import DesiredState
import JSON
import KubeClient
import Logging
import Metrics
import RayAPI

/// One reconcile pass for one RayCluster: read the caches, let `ReconcilePlan` decide, carry the
/// plan out through the API, write the status when it changed.
///
/// Stale caches: the children the planner sees are the cache corrected by `Expectations` (writes
/// the cache has not shown yet), so a pass right after a create does not create again; underneath,
/// pod names are fixed (a repeated create is answered AlreadyExists, never a duplicate) and every
/// delete carries the pod's UID as a precondition (a namesake created later is never removed).
final class ClusterReconciler: Sendable {
    let api: any KubeAPI
    let clusters: InformerGroup
    let pods: InformerGroup
    let services: InformerGroup
    let autoscalerObjects: AutoscalerObjectCaches
    let recorder: EventRecorder
    let registry: MetricsRegistry
    let options: ControllerOptions
    let logger: Logger
    let mayWrite: @Sendable () -> Bool
    let expectations: Expectations
    let clusterMetrics: ClusterMetrics

    init(api: any KubeAPI, clusters: InformerGroup, pods: InformerGroup, services: InformerGroup,
         autoscalerObjects: AutoscalerObjectCaches, recorder: EventRecorder, registry: MetricsRegistry,
         options: ControllerOptions, logger: Logger, mayWrite: @escaping @Sendable () -> Bool) {
        self.api = api
        self.clusters = clusters
        self.pods = pods
        self.services = services
        self.autoscalerObjects = autoscalerObjects
        self.recorder = recorder
        self.registry = registry
        self.options = options
        self.logger = logger
        self.mayWrite = mayWrite
        expectations = Expectations(timeout: options.expectationTimeout)
        clusterMetrics = ClusterMetrics(registry: registry)
    }

    struct LostLeadership: Error {}

    func reconcile(_ key: ObjectKey) -> ReconcileResult {
        let podScope = "\(key) pods", serviceScope = "\(key) services"
        guard let cluster = clusters.get(namespace: key.namespace, name: key.name) else {
            expectations.forget(podScope)
            expectations.forget(serviceScope)
            for kind in AutoscalerObjectKind.allCases { expectations.forget(AutoscalerObjectCaches.scope(key, kind)) }
            clusterMetrics.forget(key)
            return .forgotten
        }
        var log = logger
        log[metadataKey: "raycluster"] = "\(key)"
        if cluster["metadata"]?["deletionTimestamp"]?.stringValue != nil { return .forgotten }
        guard let uid = cluster["metadata"]?["uid"]?.stringValue else { return .forgotten }
        let stateOptions = DesiredStateOptions()
        guard ReconcilePlan.isManagedHere(cluster: cluster, options: stateOptions) else { return .forgotten }
        clusterMetrics.observe(key: key, cluster: cluster)

        // A spec the webhook would refuse: a Warning Event, no pods, no status write.
        let verdict = RayClusterValidator.validate(cluster, gates: options.gates)
        if !verdict.isValid {
            let metadataOnly = verdict.errors.allSatisfy { $0.field.hasPrefix("metadata") }
            emit(cluster, type: .warning, reason: metadataOnly ? "InvalidRayClusterMetadata" : "InvalidRayClusterSpec",
                 action: "Validate", note: verdict.errors.map { "\($0)" }.joined(separator: "; "))
            return .forgotten
        }

        let now = MonotonicTime.now()
        let ownedPods = pods.byOwner(uid: uid).filter { $0["metadata"]?["labels"]?[RayLabel.cluster]?.stringValue == key.name }
        let ownedServices = services.byOwner(uid: uid)
        let podView = expectations.view(podScope, cached: ownedPods, now: now)
        let serviceView = expectations.view(serviceScope, cached: ownedServices, now: now)
        let existingAutoscalerObjects: ExistingAutoscalerObjects
        do {
            existingAutoscalerObjects = try autoscalerObjects.existing(cluster: cluster, key: key, uid: uid, expectations: expectations, now: now)
        } catch {
            return .failed("looking up the autoscaler's ServiceAccount: \(error)")
        }
        let plan = ReconcilePlan.make(cluster: cluster, pods: podView, services: serviceView,
                                      autoscalerObjects: existingAutoscalerObjects, options: stateOptions)
        if plan.phase == .skipped { return .forgotten }
        if plan.phase == .invalid {
            emit(cluster, type: .warning, reason: "InvalidRayClusterSpec", action: "Validate", note: plan.error?.message ?? "invalid spec")
            return .forgotten
        }

        for event in plan.events where mayWrite() {
            emit(cluster, type: event.type == "Warning" ? .warning : .normal, reason: event.reason, action: "Reconcile", note: event.message)
        }
        var failure = plan.error
        var writes = 0
        do {
            for action in plan.actions {
                // A multi-host replica is never left half-created by the bound (the next pass would
                // take it for a broken one).
                if writes >= options.maxPodWritesPerPass && !action.continuesReplica { break }
                guard mayWrite() else { throw LostLeadership() }
                if let error = execute(action, cluster: cluster, key: key, podScope: podScope, serviceScope: serviceScope) {
                    failure = error
                    break
                }
                writes += 1
            }
        } catch {
            return .failed("not the leader any more")
        }

        // Status from what the API server now has, as far as this controller knows.
        let statusPods = expectations.view(podScope, cached: pods.byOwner(uid: uid), now: MonotonicTime.now())
        let headServiceName = (try? ClusterNames(cluster: cluster))?.headServiceName
        let headService = services.byOwner(uid: uid).first { $0["metadata"]?["name"]?.stringValue == headServiceName }
        let newStatus = ClusterStatus.compute(cluster: cluster, pods: statusPods, headService: headService,
                                              reconcileError: failure, now: Self.rfc3339Now())
        var statusWritten = false
        if ClusterStatus.needsWrite(old: cluster["status"], new: newStatus) {
            guard mayWrite() else { return .failed("not the leader any more") }
            let patch = JSONMergePatch.diff(from: cluster["status"] ?? .object(JSONObject()), to: newStatus)
                ?? .object(JSONObject())
            do {
                _ = try api.mergePatch(ControllerResources.rayClusters, namespace: key.namespace, name: key.name,
                                       patch: ["status": patch], subresource: "status")
                statusWritten = true
            } catch {
                if !error.isNotFound { return .failed("status write: \(error)") }
            }
        }
        clusterMetrics.observeStatus(key: key, cluster: cluster, status: newStatus)

        if let failure {
            log.info("pass ended with an error", metadata: ["error": "\(failure.message)"])
            return .failed(failure.message)
        }
        if plan.requeueAfterStatusWrite || plan.incomplete || writes >= options.maxPodWritesPerPass { return .requeueAfter(statusWritten ? 0.2 : 0.05) }
        if plan.phase == .suspending { return .requeueAfter(2) }
        return .done
    }

    /// Carries out one action; answers the error that stops the pass, nil when done (AlreadyExists
    /// and NotFound count as done).
    private func execute(_ action: ReconcileAction, cluster: JSONValue, key: ObjectKey,
                         podScope: String, serviceScope: String) -> ReconcileError? {
        let namespace = key.namespace
        let now = MonotonicTime.now()
        do {
            switch action {
            case .createAutoscalerObject(let creation):
                let scope = AutoscalerObjectCaches.scope(key, creation.kind)
                expectations.expectCreate(scope, name: creation.name, object: creation.object, now: now)
                do {
                    _ = try api.create(AutoscalerObjectCaches.resource(creation.kind), namespace: namespace, object: creation.object)
                } catch {
                    if !error.isAlreadyExists {
                        expectations.forgetCreate(scope, name: creation.name)
                        throw error
                    }
                    autoscalerObjects.confirmPresent(creation.kind, namespace: namespace, name: creation.name, now: now)
                    return nil
                }
            case .deleteService(let name, let uid):
                let seen = services.get(namespace: namespace, name: name) ?? ["metadata": ["name": .string(name)]]
                expectations.expectDelete(serviceScope, name: name, uid: uid, object: seen, now: now)
                do {
                    try api.delete(.services, namespace: namespace, name: name, options: DeleteOptions(preconditionUID: uid))
                } catch {
                    if error.isNotFound || error.isConflict { return nil }
                    throw error
                }
            case .createService(let name, let object):
                expectations.expectCreate(serviceScope, name: name, object: object, now: now)
                do { _ = try api.create(.services, namespace: namespace, object: object) } catch {
                    if !error.isAlreadyExists {
                        expectations.forgetCreate(serviceScope, name: name)
                        throw error
                    }
                    return nil
                }
            case .createPod(let creation):
                expectations.expectCreate(podScope, name: creation.name, object: creation.object, now: now)
                do { _ = try api.create(.pods, namespace: namespace, object: creation.object) } catch {
                    if !error.isAlreadyExists {
                        expectations.forgetCreate(podScope, name: creation.name)
                        throw error
                    }
                    return nil
                }
            case .deletePod(let deletion):
                let seen = pods.get(namespace: namespace, name: deletion.name) ?? ["metadata": ["name": .string(deletion.name)]]
                expectations.expectDelete(podScope, name: deletion.name, uid: deletion.uid, object: seen, now: now)
                do {
                    try api.delete(.pods, namespace: namespace, name: deletion.name,
                                   options: DeleteOptions(preconditionUID: deletion.uid))
                } catch {
                    if error.isNotFound || error.isConflict { return nil }
                    throw error
                }
            case .deleteAllPods(let selector):
                try api.deleteCollection(.pods, namespace: namespace, labelSelector: selector, options: DeleteOptions())
            }
        } catch {
            let event = action.failureEvent(namespace: namespace, error: "\(error)")
            emit(cluster, type: .warning, reason: event.reason, action: "Reconcile", note: event.message)
            return action.failure(namespace: namespace, error: "\(error)")
        }
        let event = action.successEvent(namespace: namespace)
        emit(cluster, type: .normal, reason: event.reason, action: "Reconcile", note: event.message)
        return nil
    }

    private func emit(_ cluster: JSONValue, type: EventType, reason: String, action: String, note: String) {
        guard let reference = EventReference(object: cluster) else { return }
        recorder.event(regarding: reference, type: type, reason: reason, action: action, note: note)
    }

    static func rfc3339Now() -> String {
        let micro = MicroTime.now()
        return String(micro.prefix(19)) + "Z"
    }
}
