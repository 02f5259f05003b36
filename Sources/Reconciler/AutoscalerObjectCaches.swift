import DesiredState
import JSON
import KubeClient
import Synchronization

/// What the controller knows of the autoscaler's ServiceAccounts, Roles and RoleBindings
/// (AutoscalerRBAC), without an API call per pass.
///
/// The ones it makes carry the label `ray.io/cluster`, so three informers selecting that label
/// hold exactly them (not every ServiceAccount of the cluster, of which each namespace has one or
/// more). Two kinds of objects stay outside those caches: the ServiceAccount a head template
/// names (the user's, unlabelled), and an object of the wanted name that someone else made (a
/// create answered AlreadyExists). Their presence is remembered for `confirmationLifetime`
/// seconds after a GET or an AlreadyExists showed it, so an idle cluster costs one GET per
/// lifetime, not one per requeue. A ServiceAccount deleted meanwhile is noticed at the next
/// look; until then the head pod that needs it exists already, or its create is refused.
final class AutoscalerObjectCaches: Sendable {
    let serviceAccounts: InformerGroup
    let roles: InformerGroup
    let roleBindings: InformerGroup
    let api: any KubeAPI
    /// How long a presence seen by a GET or an AlreadyExists is believed.
    let confirmationLifetime: Double
    /// "kind namespace/name" → when its presence was last confirmed (monotonic seconds).
    private let confirmed = Mutex<[String: Double]>([:])

    init(api: any KubeAPI, namespaces: [String], confirmationLifetime: Double = 600) {
        self.api = api
        self.confirmationLifetime = confirmationLifetime
        func group(_ resource: KubeResource) -> InformerGroup {
            var options = Informer.Options(labelSelector: ControllerResources.autoscalerObjectSelector)
            options.name = resource.plural
            return InformerGroup(api: api, resource: resource, namespaces: namespaces, options: options)
        }
        serviceAccounts = group(ControllerResources.serviceAccounts)
        roles = group(ControllerResources.roles)
        roleBindings = group(ControllerResources.roleBindings)
    }

    var groups: [InformerGroup] { [serviceAccounts, roles, roleBindings] }

    static func resource(_ kind: AutoscalerObjectKind) -> KubeResource {
        switch kind {
        case .serviceAccount: return ControllerResources.serviceAccounts
        case .role: return ControllerResources.roles
        case .roleBinding: return ControllerResources.roleBindings
        }
    }

    func cache(_ kind: AutoscalerObjectKind) -> InformerGroup {
        switch kind {
        case .serviceAccount: return serviceAccounts
        case .role: return roles
        case .roleBinding: return roleBindings
        }
    }

    /// The expectations scope of one kind of a cluster's objects.
    static func scope(_ key: ObjectKey, _ kind: AutoscalerObjectKind) -> String { "\(key) \(kind.rawValue)" }

    /// `name` was seen to exist (a GET, or a create answered AlreadyExists). Entries past their
    /// lifetime are dropped on the way, so those of deleted clusters do not pile up.
    func confirmPresent(_ kind: AutoscalerObjectKind, namespace: String, name: String, now: Double) {
        confirmed.withLock { entries in
            entries = entries.filter { now - $0.value <= confirmationLifetime }
            entries["\(kind.rawValue) \(namespace)/\(name)"] = now
        }
    }

    private func isConfirmed(_ kind: AutoscalerObjectKind, namespace: String, name: String, now: Double) -> Bool {
        confirmed.withLock { entries in
            let entry = "\(kind.rawValue) \(namespace)/\(name)"
            guard let since = entries[entry] else { return false }
            if now - since > confirmationLifetime {
                entries[entry] = nil
                return false
            }
            return true
        }
    }

    /// The autoscaler objects of the cluster `key` (UID `uid`) that exist, as far as this
    /// controller knows: what it made (its caches corrected by `expectations`), what it saw made
    /// by others, and the head template's ServiceAccount (looked up with a GET when not known).
    func existing(cluster: JSONValue, key: ObjectKey, uid: String, expectations: Expectations,
                  now: Double) throws(KubeError) -> ExistingAutoscalerObjects {
        guard let serviceAccount = AutoscalerRBAC.serviceAccount(of: cluster) else { return ExistingAutoscalerObjects() }
        func names(_ kind: AutoscalerObjectKind) -> Set<String> {
            let owned = cache(kind).byOwner(uid: uid).filter { $0["metadata"]?["namespace"]?.stringValue == key.namespace }
            var result = Set(expectations.view(Self.scope(key, kind), cached: owned, now: now).compactMap { $0["metadata"]?["name"]?.stringValue })
            for name in [serviceAccount.name, key.name] where isConfirmed(kind, namespace: key.namespace, name: name, now: now) {
                result.insert(name)
            }
            return result
        }
        var existing = ExistingAutoscalerObjects(serviceAccounts: names(.serviceAccount), roles: names(.role), roleBindings: names(.roleBinding))
        if serviceAccount.userNamed && !existing.serviceAccounts.contains(serviceAccount.name) {
            do {
                _ = try api.get(ControllerResources.serviceAccounts, namespace: key.namespace, name: serviceAccount.name)
                confirmPresent(.serviceAccount, namespace: key.namespace, name: serviceAccount.name, now: now)
                existing.serviceAccounts.insert(serviceAccount.name)
            } catch {
                if !error.isNotFound { throw error }
            }
        }
        return existing
    }
}
