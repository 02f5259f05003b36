import JSON
import KubeClient

/// The resources the controller reads and writes, and how their events map to cluster keys.
package enum ControllerResources {
    /// `ray.io/v1` RayClusters: the storage version, so the API server reads them without calling
    /// the conversion webhook.
    package static let rayClusters = KubeResource(group: "ray.io", version: "v1", plural: "rayclusters")
    /// Only pods of Ray clusters are cached (a cluster may hold many unrelated pods).
    package static let podSelector = "ray.io/node-type in (head,worker)"
    /// Services this controller makes carry the cluster label.
    package static let serviceSelector = "ray.io/cluster"
    /// The autoscaler's ServiceAccounts, Roles and RoleBindings this controller makes carry the
    /// cluster label too: only those are cached.
    package static let autoscalerObjectSelector = "ray.io/cluster"
    package static let serviceAccounts = KubeResource(group: "", version: "v1", plural: "serviceaccounts")
    package static let roles = KubeResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles")
    package static let roleBindings = KubeResource(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings")

    /// What the caches keep of a RayCluster or Service: all but `metadata.managedFields`, which
    /// the controller never reads and which mirrors every field that was set.
    package static func trimmedForCache(_ object: JSONValue) -> JSONValue {
        guard object["metadata"]?["managedFields"] != nil else { return object }
        var trimmed = object
        trimmed["metadata"]?["managedFields"] = nil
        return trimmed
    }

    /// Pod spec members the controller never reads from a cached pod.
    static let uncachedPodSpecFields = ["volumes", "tolerations", "affinity", "topologySpreadConstraints", "imagePullSecrets"]
    /// Container members the controller never reads from a cached pod.
    static let uncachedContainerFields = ["env", "envFrom", "command", "args", "livenessProbe", "readinessProbe",
                                          "startupProbe", "lifecycle", "volumeMounts", "volumeDevices", "ports",
                                          "securityContext"]

    /// What the pod cache keeps: metadata (without managedFields) and status whole; of the spec,
    /// all but the bulk the reconciler never looks at again once the pod exists (volumes,
    /// tolerations, and each container's command, env, probes, mounts and ports). The planner
    /// reads a cached pod's identity, labels, owner, deletion, phase, conditions and container
    /// statuses, plus `spec.restartPolicy` and the containers' names. A pod the controller made is
    /// mostly spec: with 1,100 of them cached this saves about 8 MB.
    package static func trimmedPodForCache(_ pod: JSONValue) -> JSONValue {
        var trimmed = trimmedForCache(pod)
        guard case .object(var spec)? = trimmed["spec"] else { return trimmed }
        trimmed["spec"] = nil  // the only reference left to the spec is `spec`, edited in place
        for field in uncachedPodSpecFields { spec[field] = nil }
        for list in ["containers", "initContainers"] {
            guard case .array(var containers)? = spec[list] else { continue }
            spec[list] = nil
            for index in containers.indices {
                guard case .object(var container) = containers[index] else { continue }
                containers[index] = .null
                for field in uncachedContainerFields { container[field] = nil }
                containers[index] = .object(container)
            }
            spec[list] = .array(containers)
        }
        trimmed["spec"] = .object(spec)
        return trimmed
    }

    /// The cluster a child belongs to: its controller owner reference of kind RayCluster. Children
    /// are matched by this reference (the owner's name here, its UID when the pass lists them),
    /// never by label alone, so a cluster deleted and re-created under the same name never adopts
    /// the old one's pods.
    package static func ownerKey(of child: JSONValue) -> ObjectKey? {
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
    package static func clusterChangeMatters(old: JSONValue, new: JSONValue) -> Bool {
        let o = old["metadata"], n = new["metadata"]
        return o?["generation"] != n?["generation"]
            || o?["labels"] != n?["labels"]
            || o?["annotations"] != n?["annotations"]
            || o?["deletionTimestamp"] != n?["deletionTimestamp"]
            || o?["uid"] != n?["uid"]
    }
}
