// Labels and annotations of a Ray pod.
//
// Labels: the template's, then the group's `labels` (the group wins), then ours. Ours win for the
// keys that identify the pod to the operator and to the head Service (`ray.io/cluster`,
// `ray.io/node-type`, `ray.io/group`, `ray.io/identifier`, the replica index labels); the others
// (`ray.io/is-ray-node`, `app.kubernetes.io/name`, `app.kubernetes.io/created-by`) are only
// added when absent, as KubeRay does. KubeRay lets a template override `ray.io/identifier`, which
// then no longer matches the head Service's selector; here it cannot.
//
// `app.kubernetes.io/created-by` is KubeRay's `kuberay-operator`, not "ray-operator": this
// operator serves KubeRay's API, and dashboards, kubectl plugins and scripts written for KubeRay
// select Ray pods by these labels. Ownership never rests on it: children are matched by the
// controller owner UID.
//
// Clusters written through ray.io/v1alpha1 also get the original operator's labels
// (`raycluster.component` = pod name, `rayclusters.ray.io/component-name`,
// `raycluster.instance.name`, `raycluster.pod.type`), added when absent as there (its extension
// labels came last), so that its README's `kubectl get pods -l …` commands still work.
//
// Annotations: the template's; the head gets `ray.io/ft-enabled` ("true"/"false"), and
// `ray.io/overwrite-container-cmd` is copied from the RayCluster. Both maps are sorted by key (as
// Go writes a map), so equal inputs give byte-equal pods.
import JSON
import RayAPI

enum PodMetadata {
    /// Where a pod sits in its group (workers only).
    struct WorkerSlot {
        var index: Int
        var numOfHosts: Int

        /// The replica this pod belongs to: pods `r*numOfHosts ..< (r+1)*numOfHosts` form replica `r`.
        var replica: Int { index / max(numOfHosts, 1) }
        /// The pod's place within its replica.
        var host: Int { index % max(numOfHosts, 1) }
    }

    /// `ray.io/worker-group-replica-name` of the pods of replica `replica` of `group`:
    /// `<group>-<replica>`, cut to a label value as KubeRay's CheckLabel cuts. KubeRay draws a
    /// random suffix; here the pods of a replica have fixed names, so its name is fixed too.
    static func replicaName(group: String, replica: Int) -> String {
        RayNaming.checkLabel("\(group)-\(replica)")
    }

    static func labels(template: JSONValue?, groupLabels: JSONValue?, type: RayNodeType, group: String, podName: String,
                       worker: WorkerSlot?, facts: ClusterFacts) -> JSONValue {
        var labels: [String: String] = [:]
        if let template = template?.objectValue {
            for member in template { if let value = member.value.stringValue { labels[member.key] = value } }
        }
        if let group = groupLabels?.objectValue {
            for member in group { if let value = member.value.stringValue { labels[member.key] = value } }
        }
        let cluster = facts.names.cluster
        labels[RayLabel.cluster] = cluster
        labels[RayLabel.nodeType] = type.rawValue
        labels[RayLabel.group] = group
        labels[RayLabel.identifier] = RayNaming.identifierLabel(cluster: cluster, type: type)
        if labels[RayLabel.isRayNode] == nil { labels[RayLabel.isRayNode] = RayLabel.isRayNodeValue }
        if labels[RayLabel.appName] == nil { labels[RayLabel.appName] = RayLabel.appNameValue }
        if labels[RayLabel.createdBy] == nil { labels[RayLabel.createdBy] = RayLabel.createdByValue }
        if let worker {
            labels[RayLabel.workerGroupReplicaIndex] = String(worker.replica)
            if worker.numOfHosts > 1 {
                // One replica is `numOfHosts` pods (a multi-host slice): pods of the same replica
                // share its name, and each knows its host index.
                labels[RayLabel.workerGroupReplicaName] = replicaName(group: group, replica: worker.replica)
                labels[RayLabel.replicaHostIndex] = String(worker.host)
            }
        }
        if facts.origin == .v1alpha1 {
            // A label value is at most 63 characters; a longer pod name cannot be one.
            if labels[SeedLabel.component] == nil && podName.utf8.count <= NameLimits.dnsLabel { labels[SeedLabel.component] = podName }
            if labels[SeedLabel.componentName] == nil { labels[SeedLabel.componentName] = SeedLabel.operatorValue }
            if labels[SeedLabel.instanceName] == nil { labels[SeedLabel.instanceName] = cluster }
            if labels[SeedLabel.podType] == nil { labels[SeedLabel.podType] = type.rawValue }
        }
        return sortedMap(labels)
    }

    static func annotations(template: JSONValue?, type: RayNodeType, facts: ClusterFacts) -> JSONValue {
        var annotations: [String: String] = [:]
        if let template = template?.objectValue {
            for member in template { if let value = member.value.stringValue { annotations[member.key] = value } }
        }
        if type == .head { annotations[RayAnnotation.ftEnabled] = facts.gcsFaultTolerance ? "true" : "false" }
        if let overwrite = facts.cluster.metadata?.annotation(RayAnnotation.overwriteContainerCmd) {
            annotations[RayAnnotation.overwriteContainerCmd] = overwrite
        }
        return sortedMap(annotations)
    }

    /// A string map as a JSON object with sorted keys.
    static func sortedMap(_ map: [String: String]) -> JSONValue {
        .object(JSONObject(map.keys.sorted().compactMap { key in map[key].map { (key, JSONValue.string($0)) } }))
    }
}
