// Read-only views of the option types of a `ray.io/v1` RayClusterSpec (KubeRay's
// Go types of the same names): autoscaler, GCS fault tolerance, auth, TLS, history server, network policy,
// ingress, upgrade strategy. The allowed enum values are listed next to each type.
import JSON

/// `AutoscalerOptions`.
package struct AutoscalerOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var resources: ResourceRequirements? { json.view("resources") }
    package var image: String? { json.string("image") }
    package var imagePullPolicy: String? { json.string("imagePullPolicy") }
    package var securityContext: JSONValue? { json.objectMember("securityContext") }
    package var idleTimeoutSeconds: Int64? { json.int64("idleTimeoutSeconds") }
    /// One of `UpscalingMode.all`.
    package var upscalingMode: String? { json.string("upscalingMode") }
    /// One of `AutoscalerVersion.all`.
    package var version: String? { json.string("version") }
    package var env: [EnvVar]? { json.views("env") }
    package var envFrom: JSONValue? { json["envFrom"] }
    package var volumeMounts: [VolumeMount]? { json.views("volumeMounts") }
    package var command: [String]? { json.strings("command") }
    package var args: [String]? { json.strings("args") }
}

/// Values of `autoscalerOptions.upscalingMode`.
package enum UpscalingMode {
    package static let `default` = "Default"
    package static let aggressive = "Aggressive"
    package static let conservative = "Conservative"
    package static let all = [`default`, aggressive, conservative]
}

/// Values of `autoscalerOptions.version`.
package enum AutoscalerVersion {
    package static let v1 = "v1"
    package static let v2 = "v2"
    package static let all = [v1, v2]
}

/// `GcsFaultToleranceOptions`.
package struct GcsFaultToleranceOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// One of `GcsFaultToleranceBackend.all`; "" or absent means redis.
    package var backend: String? { json.string("backend") }
    package var redisUsername: RedisCredential? { json.view("redisUsername") }
    package var redisPassword: RedisCredential? { json.view("redisPassword") }
    package var externalStorageNamespace: String? { json.string("externalStorageNamespace") }
    package var redisAddress: String? { json.string("redisAddress") }
    /// Embedded storage, rocksdb backend only.
    package var storage: GcsEmbeddedStorage? { json.view("storage") }

    /// True when the backend is rocksdb (embedded); false for redis, "" and absent.
    package var usesEmbeddedStorage: Bool { backend == GcsFaultToleranceBackend.rocksdb }
}

/// Values of `gcsFaultToleranceOptions.backend`.
package enum GcsFaultToleranceBackend {
    package static let redis = "redis"
    package static let rocksdb = "rocksdb"
    package static let all = [redis, rocksdb]
}

/// `GcsEmbeddedStorage`.
package struct GcsEmbeddedStorage: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// Bring-your-own PVC; mutually exclusive with size, storageClassName, accessModes.
    package var claimName: String? { json.string("claimName") }
    /// A quantity (string or number in JSON), as text.
    package var size: String? { json["size"]?.quantityText }
    package var storageClassName: String? { json.string("storageClassName") }
    package var accessModes: [String]? { json.strings("accessModes") }
    package var subPath: String? { json.string("subPath") }
    /// One of `GCSStorageDeletionPolicy.all`.
    package var deletionPolicy: String? { json.string("deletionPolicy") }
}

/// Values of `gcsFaultToleranceOptions.storage.deletionPolicy`.
package enum GCSStorageDeletionPolicy {
    package static let deleteWithCluster = "DeleteWithCluster"
    package static let retain = "Retain"
    package static let all = [deleteWithCluster, retain]
}

/// `RedisCredential`: a literal value or an EnvVarSource (opaque).
package struct RedisCredential: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var valueFrom: JSONValue? { json.objectMember("valueFrom") }
    package var value: String? { json.string("value") }
}

/// `RayClusterUpgradeStrategy`.
package struct RayClusterUpgradeStrategy: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// One of `RayClusterUpgradeType.all`.
    package var type: String? { json.string("type") }
}

/// Values of `upgradeStrategy.type`.
package enum RayClusterUpgradeType {
    package static let recreate = "Recreate"
    package static let none = "None"
    package static let all = [recreate, none]
}

/// `AuthOptions`.
package struct AuthOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var enableK8sTokenAuth: Bool? { json.bool("enableK8sTokenAuth") }
    /// Secret holding key `auth_token`.
    package var secretName: String? { json.string("secretName") }
    /// One of `AuthMode.all`; only `token` enables auth.
    package var mode: String? { json.string("mode") }
}

/// Values of `authOptions.mode`.
package enum AuthMode {
    package static let disabled = "disabled"
    package static let token = "token"
    package static let all = [disabled, token]
}

/// `TLSOptions`.
package struct TLSOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var enabled: Bool? { json.bool("enabled") }
}

/// `HistoryServerOptions`.
package struct HistoryServerOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var collectorOptions: CollectorOptions? { json.view("collectorOptions") }
}

/// `CollectorOptions`.
package struct CollectorOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var image: String? { json.string("image") }
    package var imagePullPolicy: String? { json.string("imagePullPolicy") }
    package var resources: ResourceRequirements? { json.view("resources") }
    package var env: [EnvVar]? { json.views("env") }
}

/// `NetworkPolicyConfig`.
package struct NetworkPolicyConfig: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// One of `NetworkPolicyMode.all`; absent means DenyAll (CRD default).
    package var mode: String? { json.string("mode") }
    package var head: NetworkPolicyRules? { json.view("head") }
    package var worker: NetworkPolicyRules? { json.view("worker") }
    package var workerGroups: [WorkerGroupNetworkPolicyRules]? { json.views("workerGroups") }

    /// `mode`, or DenyAll when absent (the CRD default the rules assume).
    package var effectiveMode: String { mode ?? NetworkPolicyMode.denyAll }
}

/// Values of `networkPolicy.mode`.
package enum NetworkPolicyMode {
    package static let denyAll = "DenyAll"
    package static let denyAllIngress = "DenyAllIngress"
    package static let denyAllEgress = "DenyAllEgress"
    package static let all = [denyAll, denyAllIngress, denyAllEgress]
}

/// `NetworkPolicyRules`: networking/v1 rules, kept opaque.
package struct NetworkPolicyRules: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var ingressRules: [JSONValue]? { json["ingressRules"]?.arrayValue }
    package var egressRules: [JSONValue]? { json["egressRules"]?.arrayValue }
}

/// `WorkerGroupNetworkPolicyRules`: a group name plus inline NetworkPolicyRules.
package struct WorkerGroupNetworkPolicyRules: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var groupName: String? { json.string("groupName") }
    package var ingressRules: [JSONValue]? { json["ingressRules"]?.arrayValue }
    package var egressRules: [JSONValue]? { json["egressRules"]?.arrayValue }
}

/// `IngressOptions`.
package struct IngressOptions: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var host: String? { json.string("host") }
    /// The operator uses "/" when absent.
    package var path: String? { json.string("path") }
    /// "Exact", "Prefix" (operator default), "ImplementationSpecific".
    package var pathType: String? { json.string("pathType") }
    /// networking/v1 IngressTLS entries, kept opaque.
    package var tls: [JSONValue]? { json["tls"]?.arrayValue }
}
