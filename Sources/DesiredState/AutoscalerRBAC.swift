// The rights of the in-tree autoscaler (`enableInTreeAutoscaling: true`): the sidecar in the head
// pod lists and watches the cluster's pods, patches them (and resizes them), and patches the
// RayCluster's replicas and `workersToDelete`. KubeRay gives it a ServiceAccount, a Role and a
// RoleBinding in the cluster's namespace; so does this operator, in that order, before the head
// Service (KubeRay's order):
// - ServiceAccount: the head template's `serviceAccountName` when set. That one is the user's:
//   it must exist already (the operator neither makes nor changes it); when it does not, the pass
//   fails with a Warning Event `AutoscalerServiceAccountNotFound` and no pod is made. Otherwise
//   CheckName(<cluster>), made by the operator, and the head pod runs as it;
// - Role `<cluster>`: pods get/list/watch/patch, pods/resize patch, rayclusters get/patch;
// - RoleBinding `<cluster>`: the Role to the ServiceAccount.
// What the operator makes carries one controller owner reference to the cluster (the garbage
// collector removes it with the cluster) and the labels `ray.io/cluster`,
// `app.kubernetes.io/name: kuberay`, `app.kubernetes.io/created-by: kuberay-operator` (its caches
// select them by `ray.io/cluster`). Each is made only when missing and never updated, as KubeRay
// does: an idle cluster causes no writes, and a user's edit of the Role is kept.
import JSON
import RayAPI

/// The three kinds of objects made for the autoscaler.
package enum AutoscalerObjectKind: String, Sendable, Equatable, CaseIterable {
    case serviceAccount = "ServiceAccount"
    case role = "Role"
    case roleBinding = "RoleBinding"
}

/// Names of the autoscaler's objects that exist in the cluster's namespace, as far as the caller
/// knows (its caches of what it made, and what it found made by others).
package struct ExistingAutoscalerObjects: Sendable, Equatable {
    package var serviceAccounts: Set<String>
    package var roles: Set<String>
    package var roleBindings: Set<String>

    package init(serviceAccounts: Set<String> = [], roles: Set<String> = [], roleBindings: Set<String> = []) {
        self.serviceAccounts = serviceAccounts
        self.roles = roles
        self.roleBindings = roleBindings
    }

    func contains(_ kind: AutoscalerObjectKind, _ name: String) -> Bool {
        switch kind {
        case .serviceAccount: return serviceAccounts.contains(name)
        case .role: return roles.contains(name)
        case .roleBinding: return roleBindings.contains(name)
        }
    }
}

/// Builders of the autoscaler's ServiceAccount, Role and RoleBinding.
package enum AutoscalerRBAC {
    static let rbacAPIVersion = "rbac.authorization.k8s.io/v1"
    static let rbacGroup = "rbac.authorization.k8s.io"

    /// The ServiceAccount the head pod runs as under in-tree autoscaling, and whether the user
    /// named it (then it is not made); nil when autoscaling is off or the cluster is unusable.
    package static func serviceAccount(of cluster: JSONValue, options: DesiredStateOptions = DesiredStateOptions()) -> (name: String, userNamed: Bool)? {
        guard let facts = try? ClusterFacts(cluster: cluster, options: options), facts.autoscaling else { return nil }
        return (serviceAccountName(facts), userServiceAccount(facts) != nil)
    }

    /// The object of `kind` made for `cluster` (the ServiceAccount even when the user named one).
    package static func object(_ kind: AutoscalerObjectKind, cluster: JSONValue,
                              options: DesiredStateOptions = DesiredStateOptions()) throws(DesiredStateError) -> JSONValue {
        object(kind, try ClusterFacts(cluster: cluster, options: options))
    }

    /// The head template's `serviceAccountName`, when set.
    static func userServiceAccount(_ facts: ClusterFacts) -> String? {
        guard let name = facts.headGroup.json["template"]?["spec"]?["serviceAccountName"]?.stringValue, !name.isEmpty else { return nil }
        return name
    }

    static func serviceAccountName(_ facts: ClusterFacts) -> String {
        userServiceAccount(facts) ?? RayNaming.checkName(facts.names.cluster)
    }

    static func name(_ kind: AutoscalerObjectKind, _ facts: ClusterFacts) -> String {
        kind == .serviceAccount ? serviceAccountName(facts) : facts.names.cluster
    }

    static func object(_ kind: AutoscalerObjectKind, _ facts: ClusterFacts) -> JSONValue {
        let metadata: JSONValue = .object(JSONObject([
            ("name", .string(name(kind, facts))),
            ("namespace", .string(facts.names.namespace)),
            ("labels", PodMetadata.sortedMap([
                RayLabel.cluster: facts.names.cluster,
                RayLabel.appName: RayLabel.appNameValue,
                RayLabel.createdBy: RayLabel.createdByValue,
            ])),
            ("ownerReferences", .array([facts.ownerReference])),
        ]))
        switch kind {
        case .serviceAccount:
            return .object(JSONObject([("apiVersion", "v1"), ("kind", "ServiceAccount"), ("metadata", metadata)]))
        case .role:
            return .object(JSONObject([
                ("apiVersion", .string(rbacAPIVersion)), ("kind", "Role"), ("metadata", metadata),
                ("rules", [
                    ["apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch", "patch"]],
                    ["apiGroups": [""], "resources": ["pods/resize"], "verbs": ["patch"]],
                    ["apiGroups": .array([.string(RayAPIGroup.group)]), "resources": .array([.string(RayAPIGroup.plural)]), "verbs": ["get", "patch"]],
                ]),
            ]))
        case .roleBinding:
            return .object(JSONObject([
                ("apiVersion", .string(rbacAPIVersion)), ("kind", "RoleBinding"), ("metadata", metadata),
                ("subjects", .array([.object(JSONObject([
                    ("kind", "ServiceAccount"),
                    ("name", .string(serviceAccountName(facts))),
                    ("namespace", .string(facts.names.namespace)),
                ]))])),
                ("roleRef", .object(JSONObject([
                    ("apiGroup", .string(rbacGroup)),
                    ("kind", "Role"),
                    ("name", .string(name(.role, facts))),
                ]))),
            ]))
        }
    }

    /// The plan's first steps under in-tree autoscaling: the creates of what is missing, or the
    /// error (and its Event) when the user's ServiceAccount does not exist.
    static func plan(_ facts: ClusterFacts, existing: ExistingAutoscalerObjects) -> (actions: [ReconcileAction], missingServiceAccount: String?) {
        guard facts.autoscaling else { return ([], nil) }
        if let user = userServiceAccount(facts), !existing.contains(.serviceAccount, user) {
            return ([], user)
        }
        var actions: [ReconcileAction] = []
        for kind in AutoscalerObjectKind.allCases {
            if kind == .serviceAccount && userServiceAccount(facts) != nil { continue }
            let objectName = name(kind, facts)
            if !existing.contains(kind, objectName) {
                actions.append(.createAutoscalerObject(AutoscalerObjectCreation(kind: kind, name: objectName, object: object(kind, facts))))
            }
        }
        return (actions, nil)
    }
}
