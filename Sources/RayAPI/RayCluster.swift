// Read-only typed views of a `ray.io/v1` RayCluster.
//
// Every view wraps the JSON value it reads and never copies or drops a field: unknown fields stay
// in `json`. nil means absent, null or wrong-typed (Go's nil pointer); zero and empty are kept
// distinct. Options types are in RayClusterOptions.swift, status in RayClusterStatus.swift.
import JSON

/// A `ray.io/v1` RayCluster (any apiVersion is readable; check `isV1` where it matters).
public struct RayCluster: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var apiVersion: String? { json.string("apiVersion") }
    public var kind: String? { json.string("kind") }
    public var metadata: ObjectMeta? { json.view("metadata") }
    public var spec: RayClusterSpec? { json.view("spec") }
    public var status: RayClusterStatus? { json.view("status") }

    /// `metadata.name`, the name every derived object starts with.
    public var name: String? { metadata?.name }
    public var namespace: String? { metadata?.namespace }

    /// True for `apiVersion: ray.io/v1`, `kind: RayCluster`.
    public var isV1: Bool { apiVersion == RayAPIGroup.v1 && kind == RayAPIGroup.kind }
}

/// `RayClusterSpec`.
public struct RayClusterSpec: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var upgradeStrategy: RayClusterUpgradeStrategy? { json.view("upgradeStrategy") }
    public var authOptions: AuthOptions? { json.view("authOptions") }
    public var suspend: Bool? { json.bool("suspend") }
    /// `ray.io/kuberay-operator` or `kueue.x-k8s.io/multikueue` (immutable).
    public var managedBy: String? { json.string("managedBy") }
    public var autoscalerOptions: AutoscalerOptions? { json.view("autoscalerOptions") }
    public var headServiceAnnotations: [String: String]? { json.stringMap("headServiceAnnotations") }
    public var enableInTreeAutoscaling: Bool? { json.bool("enableInTreeAutoscaling") }
    public var gcsFaultToleranceOptions: GcsFaultToleranceOptions? { json.view("gcsFaultToleranceOptions") }
    public var historyServerOptions: HistoryServerOptions? { json.view("historyServerOptions") }
    public var networkPolicy: NetworkPolicyConfig? { json.view("networkPolicy") }
    public var tlsOptions: TLSOptions? { json.view("tlsOptions") }
    /// Required by the CRD; nil only for objects that did not pass schema validation.
    public var headGroupSpec: HeadGroupSpec? { json.view("headGroupSpec") }
    public var rayVersion: String? { json.string("rayVersion") }
    public var workerGroupSpecs: [WorkerGroupSpec]? { json.views("workerGroupSpecs") }

    /// In-tree autoscaling is on only when `enableInTreeAutoscaling` is exactly true.
    public var isAutoscalingEnabled: Bool { enableInTreeAutoscaling == true }
}

/// `HeadGroupSpec`.
public struct HeadGroupSpec: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var template: PodTemplateSpec? { json.view("template") }
    /// A custom head Service (its metadata keeps only name, namespace, labels, annotations,
    /// finalizers under the CRD schema).
    public var headService: Service? { json.view("headService") }
    public var enableIngress: Bool? { json.bool("enableIngress") }
    public var ingressOptions: IngressOptions? { json.view("ingressOptions") }
    /// Ray logical resources (quantity texts), overriding rayStartParams num-cpus/memory/….
    public var resources: [String: String]? { json.quantityMap("resources") }
    /// Ray node labels (also merged into the pod labels).
    public var labels: [String: String]? { json.stringMap("labels") }
    /// `ray start` flags; nil (absent) and empty are different.
    public var rayStartParams: [String: String]? { json.stringMap("rayStartParams") }
    /// Head Service type; "" or absent behaves as ClusterIP.
    public var serviceType: String? { json.string("serviceType") }
}

/// `WorkerGroupSpec`.
public struct WorkerGroupSpec: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var suspend: Bool? { json.bool("suspend") }
    public var groupName: String? { json.string("groupName") }
    /// Desired replicas; nil when absent (the CRD defaults it to 0).
    public var replicas: Int64? { json.int64("replicas") }
    public var minReplicas: Int64? { json.int64("minReplicas") }
    public var maxReplicas: Int64? { json.int64("maxReplicas") }
    public var idleTimeoutSeconds: Int64? { json.int64("idleTimeoutSeconds") }
    public var priority: Int64? { json.int64("priority") }
    public var resources: [String: String]? { json.quantityMap("resources") }
    public var labels: [String: String]? { json.stringMap("labels") }
    public var rayStartParams: [String: String]? { json.stringMap("rayStartParams") }
    public var template: PodTemplateSpec? { json.view("template") }
    public var scaleStrategy: ScaleStrategy? { json.view("scaleStrategy") }
    /// Pods per replica (multi-host, e.g. TPU slices); nil when absent (CRD default 1).
    public var numOfHosts: Int64? { json.int64("numOfHosts") }
}

/// `ScaleStrategy`.
public struct ScaleStrategy: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// Pod names the operator must delete (set by the autoscaler).
    public var workersToDelete: [String]? { json.strings("workersToDelete") }
}
