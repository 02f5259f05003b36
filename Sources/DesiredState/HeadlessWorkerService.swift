// The headless worker Service `<cluster>-headless` (KubeRay's, for multi-host groups): it gives
// every worker pod a DNS record, which the hosts of one multi-host replica (a TPU slice) use to
// find each other. It exists only while some worker group has `numOfHosts` above 1; once none
// has, the operator deletes it.
//
// `clusterIP: None`, type ClusterIP, `publishNotReadyAddresses: true` (the hosts must resolve each
// other before they are ready), no ports, selector `ray.io/cluster` + `ray.io/node-type: worker`,
// labels `ray.io/headless-worker-svc: <cluster>` (KubeRay's) and `ray.io/cluster: <cluster>` (what
// this operator's Service cache selects), one controller owner reference.
import JSON
import RayAPI

/// Builder of the headless worker Service.
package enum HeadlessWorkerService {
    /// Whether `cluster` wants the Service: some worker group has numOfHosts above 1.
    static func wanted(_ facts: ClusterFacts) -> Bool {
        facts.workerGroups.contains { WorkerGroupPlan.hosts($0) > 1 }
    }

    /// Whether a Service (as the cache shows it) is this cluster's headless worker Service.
    static func isHeadlessWorkerService(_ service: JSONValue, cluster: String) -> Bool {
        service["metadata"]?["labels"]?[RayLabel.headlessWorkerService]?.stringValue == cluster
    }

    /// The Service of `cluster`.
    package static func service(cluster: JSONValue, options: DesiredStateOptions = DesiredStateOptions()) throws(DesiredStateError) -> JSONValue {
        service(try ClusterFacts(cluster: cluster, options: options))
    }

    static func service(_ facts: ClusterFacts) -> JSONValue {
        let cluster = facts.names.cluster
        return .object(JSONObject([
            ("apiVersion", "v1"),
            ("kind", "Service"),
            ("metadata", .object(JSONObject([
                ("name", .string(RayNaming.headlessServiceName(cluster: cluster))),
                ("namespace", .string(facts.names.namespace)),
                ("labels", PodMetadata.sortedMap([RayLabel.cluster: cluster, RayLabel.headlessWorkerService: cluster])),
                ("ownerReferences", .array([facts.ownerReference])),
            ]))),
            ("spec", .object(JSONObject([
                ("clusterIP", "None"),
                ("type", "ClusterIP"),
                ("publishNotReadyAddresses", true),
                ("selector", PodMetadata.sortedMap([RayLabel.cluster: cluster, RayLabel.nodeType: RayNodeType.worker.rawValue])),
            ]))),
        ]))
    }
}
