// Names of the objects the reconciler creates for a RayCluster.
//
// Pods follow the original operator, so its README's commands hold:
// `<cluster>-<group>-<type>-<index>`, e.g. `raycluster-sample-head-group-head-0` and
// `raycluster-sample-small-group-worker-0`. Fixed names are what makes a create idempotent (a
// second create of the same pod, from a stale cache, is refused with AlreadyExists instead of
// adding a pod). The group part is lower-cased, as KubeRay lower-cases its name prefixes, because
// pod names must be lower case while group names need not be.
//
// The head group of a `ray.io/v1` object is `headgroup` (KubeRay's name for it) unless the object
// was written through `ray.io/v1alpha1` with another head `groupName`, which the conversion data
// records. The head Service is `<cluster>-head` (the address the original samples' workers dial,
// `$CLUSTER_NAME-head:6379`) unless the user's `headService.metadata.name` says otherwise.
import JSON
import RayAPI

/// The names derived from one RayCluster.
package struct ClusterNames: Sendable, Equatable {
    /// `metadata.name` of the RayCluster.
    package let cluster: String
    /// `metadata.namespace` of the RayCluster ("default" when absent, as kubectl assumes).
    package let namespace: String
    /// The head group's name: `headgroup`, or the v1alpha1 head extension's `groupName`.
    package let headGroupName: String
    /// The head Service's name.
    package let headServiceName: String

    /// Reads the names from a RayCluster object; fails when it has no usable `metadata.name`.
    package init(cluster object: JSONValue) throws(DesiredStateError) {
        let view = RayCluster(object)
        guard let name = view.name, !name.isEmpty else {
            throw DesiredStateError("the RayCluster has no metadata.name")
        }
        cluster = name
        namespace = view.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        headGroupName = RayClusterConversion.headGroupName(of: object)
        if let custom = view.spec?.headGroupSpec?.headService?.metadata?.name, !custom.isEmpty {
            headServiceName = custom
        } else {
            headServiceName = RayNaming.headServiceName(cluster: name)
        }
    }

    /// The one head pod: `<cluster>-<headGroup>-head-0`.
    package var headPodName: String {
        RayNaming.podName(cluster: cluster, group: headGroupName.lowercased(), type: .head, index: 0)
    }

    /// A worker pod: `<cluster>-<group>-worker-<index>`.
    package func workerPodName(group: String, index: Int) -> String {
        RayNaming.podName(cluster: cluster, group: group.lowercased(), type: .worker, index: index)
    }

    /// The index in a worker pod name of `group`; nil when the name is not one this operator gives.
    package func workerPodIndex(_ podName: String, group: String) -> Int? {
        RayNaming.podIndex(of: podName, cluster: cluster, group: group.lowercased(), type: .worker)
    }

    /// Fully qualified name of the head Service: `<service>.<namespace>.svc.<domain>`.
    package func headServiceFQDN(clusterDomain: String) -> String {
        "\(headServiceName).\(namespace).svc.\(clusterDomain)"
    }
}
