// Read-only typed views of a `ray.io/v1` RayCluster.
//
// Every view wraps the JSON value it reads and never copies or drops a field: unknown fields stay
// in `json`. nil means absent, null or wrong-typed (Go's nil pointer); zero and empty are kept
// distinct. Options types are in RayClusterOptions.swift, status in RayClusterStatus.swift.
import JSON

/// A `ray.io/v1` RayCluster (any apiVersion is readable; check `isV1` where it matters).
package struct RayCluster: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var apiVersion: String? { json.string("apiVersion") }
    package var kind: String? { json.string("kind") }
    package var metadata: ObjectMeta? { json.view("metadata") }
    package var spec: RayClusterSpec? { json.view("spec") }
    package var status: RayClusterStatus? { json.view("status") }

    /// `metadata.name`, the name every derived object starts with.
    package var name: String? { metadata?.name }
    package var namespace: String? { metadata?.namespace }

    /// True for `apiVersion: ray.io/v1`, `kind: RayCluster`.
    package var isV1: Bool { apiVersion == RayAPIGroup.v1 && kind == RayAPIGroup.kind }
}

/// `RayClusterSpec`.
package struct RayClusterSpec: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var upgradeStrategy: RayClusterUpgradeStrategy? { json.view("upgradeStrategy") }
    package var authOptions: AuthOptions? { json.view("authOptions") }
    package var suspend: Bool? { json.bool("suspend") }
    /// `ray.io/kuberay-operator` or `kueue.x-k8s.io/multikueue` (immutable).
    package var managedBy: String? { json.string("managedBy") }
    package var autoscalerOptions: AutoscalerOptions? { json.view("autoscalerOptions") }
    package var headServiceAnnotations: [String: String]? { json.stringMap("headServiceAnnotations") }
    package var enableInTreeAutoscaling: Bool? { json.bool("enableInTreeAutoscaling") }
    package var gcsFaultToleranceOptions: GcsFaultToleranceOptions? { json.view("gcsFaultToleranceOptions") }
    package var historyServerOptions: HistoryServerOptions? { json.view("historyServerOptions") }
    package var networkPolicy: NetworkPolicyConfig? { json.view("networkPolicy") }
    package var tlsOptions: TLSOptions? { json.view("tlsOptions") }
    /// Required by the CRD; nil only for objects that did not pass schema validation.
    package var headGroupSpec: HeadGroupSpec? { json.view("headGroupSpec") }
    package var rayVersion: String? { json.string("rayVersion") }
    package var workerGroupSpecs: [WorkerGroupSpec]? { json.views("workerGroupSpecs") }

    /// In-tree autoscaling is on only when `enableInTreeAutoscaling` is exactly true.
    package var isAutoscalingEnabled: Bool { enableInTreeAutoscaling == true }
}

/// `HeadGroupSpec`.
package struct HeadGroupSpec: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var template: PodTemplateSpec? { json.view("template") }
    /// A custom head Service (its metadata keeps only name, namespace, labels, annotations,
    /// finalizers under the CRD schema).
    package var headService: Service? { json.view("headService") }
    package var enableIngress: Bool? { json.bool("enableIngress") }
    package var ingressOptions: IngressOptions? { json.view("ingressOptions") }
    /// Ray logical resources (quantity texts), overriding rayStartParams num-cpus/memory/….
    package var resources: [String: String]? { json.quantityMap("resources") }
    /// Ray node labels (also merged into the pod labels).
    package var labels: [String: String]? { json.stringMap("labels") }
    /// `ray start` flags; nil (absent) and empty are different.
    package var rayStartParams: [String: String]? { json.stringMap("rayStartParams") }
    /// Head Service type; "" or absent behaves as ClusterIP.
    package var serviceType: String? { json.string("serviceType") }
}

/// `WorkerGroupSpec`.
package struct WorkerGroupSpec: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var suspend: Bool? { json.bool("suspend") }
    package var groupName: String? { json.string("groupName") }
    /// Desired replicas; nil when absent (the CRD defaults it to 0).
    package var replicas: Int64? { json.int64("replicas") }
    package var minReplicas: Int64? { json.int64("minReplicas") }
    package var maxReplicas: Int64? { json.int64("maxReplicas") }
    package var idleTimeoutSeconds: Int64? { json.int64("idleTimeoutSeconds") }
    package var priority: Int64? { json.int64("priority") }
    package var resources: [String: String]? { json.quantityMap("resources") }
    package var labels: [String: String]? { json.stringMap("labels") }
    package var rayStartParams: [String: String]? { json.stringMap("rayStartParams") }
    package var template: PodTemplateSpec? { json.view("template") }
    package var scaleStrategy: ScaleStrategy? { json.view("scaleStrategy") }
    /// Pods per replica (multi-host, e.g. TPU slices); nil when absent (CRD default 1).
    package var numOfHosts: Int64? { json.int64("numOfHosts") }
}

/// `ScaleStrategy`.
package struct ScaleStrategy: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// Pod names the operator must delete (set by the autoscaler).
    package var workersToDelete: [String]? { json.strings("workersToDelete") }
}
