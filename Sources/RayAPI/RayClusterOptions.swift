// Read-only views of the option types of a `ray.io/v1` RayClusterSpec (KubeRay's
// Go types of the same names): autoscaler, GCS fault tolerance, auth, TLS, history server, network policy,
// ingress, upgrade strategy. The allowed enum values are listed next to each type.
import JSON

/// `AutoscalerOptions`.
public struct AutoscalerOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var resources: ResourceRequirements? { json.view("resources") }
    public var image: String? { json.string("image") }
    public var imagePullPolicy: String? { json.string("imagePullPolicy") }
    public var securityContext: JSONValue? { json.objectMember("securityContext") }
    public var idleTimeoutSeconds: Int64? { json.int64("idleTimeoutSeconds") }
    /// One of `UpscalingMode.all`.
    public var upscalingMode: String? { json.string("upscalingMode") }
    /// One of `AutoscalerVersion.all`.
    public var version: String? { json.string("version") }
    public var env: [EnvVar]? { json.views("env") }
    public var envFrom: JSONValue? { json["envFrom"] }
    public var volumeMounts: [VolumeMount]? { json.views("volumeMounts") }
    public var command: [String]? { json.strings("command") }
    public var args: [String]? { json.strings("args") }
}

/// Values of `autoscalerOptions.upscalingMode`.
public enum UpscalingMode {
    public static let `default` = "Default"
    public static let aggressive = "Aggressive"
    public static let conservative = "Conservative"
    public static let all = [`default`, aggressive, conservative]
}

/// Values of `autoscalerOptions.version`.
public enum AutoscalerVersion {
    public static let v1 = "v1"
    public static let v2 = "v2"
    public static let all = [v1, v2]
}

/// `GcsFaultToleranceOptions`.
public struct GcsFaultToleranceOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// One of `GcsFaultToleranceBackend.all`; "" or absent means redis.
    public var backend: String? { json.string("backend") }
    public var redisUsername: RedisCredential? { json.view("redisUsername") }
    public var redisPassword: RedisCredential? { json.view("redisPassword") }
    public var externalStorageNamespace: String? { json.string("externalStorageNamespace") }
    public var redisAddress: String? { json.string("redisAddress") }
    /// Embedded storage, rocksdb backend only.
    public var storage: GcsEmbeddedStorage? { json.view("storage") }

    /// True when the backend is rocksdb (embedded); false for redis, "" and absent.
    public var usesEmbeddedStorage: Bool { backend == GcsFaultToleranceBackend.rocksdb }
}

/// Values of `gcsFaultToleranceOptions.backend`.
public enum GcsFaultToleranceBackend {
    public static let redis = "redis"
    public static let rocksdb = "rocksdb"
    public static let all = [redis, rocksdb]
}

/// `GcsEmbeddedStorage`.
public struct GcsEmbeddedStorage: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// Bring-your-own PVC; mutually exclusive with size, storageClassName, accessModes.
    public var claimName: String? { json.string("claimName") }
    /// A quantity (string or number in JSON), as text.
    public var size: String? { json["size"]?.quantityText }
    public var storageClassName: String? { json.string("storageClassName") }
    public var accessModes: [String]? { json.strings("accessModes") }
    public var subPath: String? { json.string("subPath") }
    /// One of `GCSStorageDeletionPolicy.all`.
    public var deletionPolicy: String? { json.string("deletionPolicy") }
}

/// Values of `gcsFaultToleranceOptions.storage.deletionPolicy`.
public enum GCSStorageDeletionPolicy {
    public static let deleteWithCluster = "DeleteWithCluster"
    public static let retain = "Retain"
    public static let all = [deleteWithCluster, retain]
}

/// `RedisCredential`: a literal value or an EnvVarSource (opaque).
public struct RedisCredential: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var valueFrom: JSONValue? { json.objectMember("valueFrom") }
    public var value: String? { json.string("value") }
}

/// `RayClusterUpgradeStrategy`.
public struct RayClusterUpgradeStrategy: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// One of `RayClusterUpgradeType.all`.
    public var type: String? { json.string("type") }
}

/// Values of `upgradeStrategy.type`.
public enum RayClusterUpgradeType {
    public static let recreate = "Recreate"
    public static let none = "None"
    public static let all = [recreate, none]
}

/// `AuthOptions`.
public struct AuthOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var enableK8sTokenAuth: Bool? { json.bool("enableK8sTokenAuth") }
    /// Secret holding key `auth_token`.
    public var secretName: String? { json.string("secretName") }
    /// One of `AuthMode.all`; only `token` enables auth.
    public var mode: String? { json.string("mode") }
}

/// Values of `authOptions.mode`.
public enum AuthMode {
    public static let disabled = "disabled"
    public static let token = "token"
    public static let all = [disabled, token]
}

/// `TLSOptions`.
public struct TLSOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var enabled: Bool? { json.bool("enabled") }
}

/// `HistoryServerOptions`.
public struct HistoryServerOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var collectorOptions: CollectorOptions? { json.view("collectorOptions") }
}

/// `CollectorOptions`.
public struct CollectorOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var image: String? { json.string("image") }
    public var imagePullPolicy: String? { json.string("imagePullPolicy") }
    public var resources: ResourceRequirements? { json.view("resources") }
    public var env: [EnvVar]? { json.views("env") }
}

/// `NetworkPolicyConfig`.
public struct NetworkPolicyConfig: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// One of `NetworkPolicyMode.all`; absent means DenyAll (CRD default).
    public var mode: String? { json.string("mode") }
    public var head: NetworkPolicyRules? { json.view("head") }
    public var worker: NetworkPolicyRules? { json.view("worker") }
    public var workerGroups: [WorkerGroupNetworkPolicyRules]? { json.views("workerGroups") }

    /// `mode`, or DenyAll when absent (the CRD default the rules assume).
    public var effectiveMode: String { mode ?? NetworkPolicyMode.denyAll }
}

/// Values of `networkPolicy.mode`.
public enum NetworkPolicyMode {
    public static let denyAll = "DenyAll"
    public static let denyAllIngress = "DenyAllIngress"
    public static let denyAllEgress = "DenyAllEgress"
    public static let all = [denyAll, denyAllIngress, denyAllEgress]
}

/// `NetworkPolicyRules`: networking/v1 rules, kept opaque.
public struct NetworkPolicyRules: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var ingressRules: [JSONValue]? { json["ingressRules"]?.arrayValue }
    public var egressRules: [JSONValue]? { json["egressRules"]?.arrayValue }
}

/// `WorkerGroupNetworkPolicyRules`: a group name plus inline NetworkPolicyRules.
public struct WorkerGroupNetworkPolicyRules: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var groupName: String? { json.string("groupName") }
    public var ingressRules: [JSONValue]? { json["ingressRules"]?.arrayValue }
    public var egressRules: [JSONValue]? { json["egressRules"]?.arrayValue }
}

/// `IngressOptions`.
public struct IngressOptions: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var host: String? { json.string("host") }
    /// The operator uses "/" when absent.
    public var path: String? { json.string("path") }
    /// "Exact", "Prefix" (operator default), "ImplementationSpecific".
    public var pathType: String? { json.string("pathType") }
    /// networking/v1 IngressTLS entries, kept opaque.
    public var tls: [JSONValue]? { json["tls"]?.arrayValue }
}
