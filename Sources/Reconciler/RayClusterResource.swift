import JSON
import KubeClient

/// The resources the controller reads and writes, and how their events map to cluster keys.
public enum ControllerResources {
    /// `ray.io/v1` RayClusters: the storage version, so the API server reads them without calling
    /// the conversion webhook.
    public static let rayClusters = KubeResource(group: "ray.io", version: "v1", plural: "rayclusters")
    /// Only pods of Ray clusters are cached (a cluster may hold many unrelated pods).
    public static let podSelector = "ray.io/node-type in (head,worker)"
    /// Services this controller makes carry the cluster label.
    public static let serviceSelector = "ray.io/cluster"
    /// The autoscaler's ServiceAccounts, Roles and RoleBindings this controller makes carry the
    /// cluster label too: only those are cached.
    public static let autoscalerObjectSelector = "ray.io/cluster"
    public static let serviceAccounts = KubeResource(group: "", version: "v1", plural: "serviceaccounts")
    public static let roles = KubeResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles")
    public static let roleBindings = KubeResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings")

    /// The cluster a child belongs to: its controller owner reference of kind RayCluster. Children
    /// are matched by this reference (the owner's name here, its UID when the pass lists them),
    /// never by label alone, so a cluster deleted and re-created under the same name never adopts
    /// the old one's pods.
    public static func ownerKey(of child: JSONValue) -> ObjectKey? {
        guard let references = child["metadata"]?["ownerReferences"]?.arrayValue else { return nil }
        for reference in references where reference["controller"]?.boolValue == true {
            guard reference["kind"]?.stringValue == "RayCluster",
                  reference["apiVersion"]?.stringValue?.hasPrefix("ray.io/") == true,
                  let name = reference["name"]?.stringValue else { return nil }
            return ObjectKey(namespace: child["metadata"]?["namespace"]?.stringValue, name: name)
        }
        return nil
    }

    /// Whether a RayCluster update deserves a reconcile: a spec change (generation), labels,
    /// annotations, deletion, or a new object under the same name. Status-only writes (our own
    /// included) do not, or every status write would cause another pass.
    public static func clusterChangeMatters(old: JSONValue, new: JSONValue) -> Bool {
        let o = old["metadata"], n = new["metadata"]
        return o?["generation"] != n?["generation"]
            || o?["labels"] != n?["labels"]
            || o?["annotations"] != n?["annotations"]
            || o?["deletionTimestamp"] != n?["deletionTimestamp"]
            || o?["uid"] != n?["uid"]
    }
}
