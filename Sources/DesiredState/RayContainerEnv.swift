// Environment variables added to the Ray container and to init containers.
//
// The user's variables come first and are never duplicated: a name the user set keeps the user's
// value, and ours is left out (Kubernetes would let the later duplicate win silently). Then, in
// KubeRay's order: workers' FQ_RAY_IP and RAY_IP (the head Service's address), RAY_CLUSTER_NAME,
// RAY_CLUSTER_NAMESPACE, RAY_CLOUD_INSTANCE_ID, RAY_NODE_TYPE_NAME (read from the pod's own labels
// and metadata, so they are right whatever the pod is called), KUBERAY_GEN_RAY_START_CMD, RAY_PORT,
// RAY_ADDRESS, RAY_USAGE_STATS_KUBERAY_IN_USE, RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE; then the
// original operator's CLUSTER_NAME, NAMESPACE and MY_POD_IP, which its sample commands use
// (`--node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379`).
//
// Left out on purpose: RAY_USAGE_STATS_EXTRA_TAGS (it reports a KubeRay version to Ray's usage
// statistics, and this is not KubeRay), and the variables of optional features (GCS fault
// tolerance, auth, TLS, history server) that this module does not build.
import JSON
import RayAPI

enum RayContainerEnv {
    /// The env list of the Ray container of a `type` pod.
    static func rayContainerEnv(user: [JSONValue], type: RayNodeType, startCommand: String, facts: ClusterFacts) -> [JSONValue] {
        var env = EnvList(user)
        if type == .head && facts.autoscaling, let version = facts.spec.autoscalerOptions?.version {
            // Ray reads this switch; KubeRay sets it from the API field.
            env.add(value: "RAY_enable_autoscaler_v2", version == AutoscalerVersion.v2 ? "true" : "false")
        }
        let address: String
        if type == .head {
            address = "127.0.0.1:\(facts.headPort)"
        } else {
            address = "\(facts.headFQDN):\(facts.headPort)"
            env.add(value: "FQ_RAY_IP", facts.headFQDN)
            env.add(value: "RAY_IP", firstLabel(of: facts.headFQDN))
        }
        env.add(field: "RAY_CLUSTER_NAME", "metadata.labels['\(RayLabel.cluster)']")
        env.add(field: "RAY_CLUSTER_NAMESPACE", "metadata.namespace")
        env.add(field: "RAY_CLOUD_INSTANCE_ID", "metadata.name")
        env.add(field: "RAY_NODE_TYPE_NAME", "metadata.labels['\(RayLabel.group)']")
        env.add(value: "KUBERAY_GEN_RAY_START_CMD", startCommand)
        env.add(value: "RAY_PORT", facts.headPort)
        env.add(value: "RAY_ADDRESS", address)
        env.add(value: "RAY_USAGE_STATS_KUBERAY_IN_USE", "1")
        env.add(value: "RAY_DASHBOARD_ENABLE_K8S_DISK_USAGE", "1")
        env.add(value: SeedEnv.clusterName, facts.names.cluster)
        env.add(value: SeedEnv.namespace, facts.names.namespace)
        env.add(field: SeedEnv.podIP, "status.podIP")
        return env.entries
    }

    /// The env list of an init container: the head's address added (the `wait-gcs-ready` check and
    /// users' own init containers dial it).
    static func initContainerEnv(user: [JSONValue], facts: ClusterFacts) -> [JSONValue] {
        var env = EnvList(user)
        env.add(value: "FQ_RAY_IP", facts.headFQDN)
        env.add(value: "RAY_IP", firstLabel(of: facts.headFQDN))
        return env.entries
    }

    /// `raycluster-head.default.svc.cluster.local` → `raycluster-head`.
    static func firstLabel(of name: String) -> String {
        name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
    }

    /// An env list that adds a variable only when its name is not there yet.
    struct EnvList {
        private(set) var entries: [JSONValue]
        private var names: Set<String>

        init(_ entries: [JSONValue]) {
            self.entries = entries
            names = Set(entries.compactMap { $0["name"]?.stringValue })
        }

        mutating func add(value name: String, _ value: String) {
            append(name, .object(JSONObject([("name", .string(name)), ("value", .string(value))])))
        }

        mutating func add(field name: String, _ path: String) {
            let source: JSONValue = .object(JSONObject([("fieldRef", .object(JSONObject([("fieldPath", .string(path))])))]))
            append(name, .object(JSONObject([("name", .string(name)), ("valueFrom", source)])))
        }

        private mutating func append(_ name: String, _ entry: JSONValue) {
            guard names.insert(name).inserted else { return }
            entries.append(entry)
        }
    }
}
