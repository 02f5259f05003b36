// Read-only views of the core/v1 pod types a RayCluster embeds and the rules and the reconciler
// read: PodTemplateSpec, PodSpec, Container, ContainerPort, EnvVar, ResourceRequirements,
// VolumeMount, Volume, Toleration. What nobody reads inside (affinity, probes, security contexts,
// envFrom…) stays opaque `JSONValue`.
import JSON

/// `corev1.PodTemplateSpec`.
public struct PodTemplateSpec: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var metadata: ObjectMeta? { json.view("metadata") }
    public var spec: PodSpec? { json.view("spec") }

    /// Container 0 — KubeRay's "Ray container" (nil when the template has no containers).
    public var rayContainer: Container? { spec?.containers?.first }
}

/// `corev1.PodSpec`.
public struct PodSpec: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var containers: [Container]? { json.views("containers") }
    public var initContainers: [Container]? { json.views("initContainers") }
    public var volumes: [Volume]? { json.views("volumes") }
    /// "Always", "OnFailure", "Never" (or absent).
    public var restartPolicy: String? { json.string("restartPolicy") }
    public var serviceAccountName: String? { json.string("serviceAccountName") }
    /// Deprecated alias of serviceAccountName, still accepted by the API.
    public var serviceAccount: String? { json.string("serviceAccount") }
    public var nodeSelector: [String: String]? { json.stringMap("nodeSelector") }
    public var nodeName: String? { json.string("nodeName") }
    public var tolerations: [Toleration]? { json.views("tolerations") }
    public var affinity: JSONValue? { json.objectMember("affinity") }
    public var schedulerName: String? { json.string("schedulerName") }
    public var priorityClassName: String? { json.string("priorityClassName") }
    public var hostNetwork: Bool? { json.bool("hostNetwork") }
    public var hostname: String? { json.string("hostname") }
    public var subdomain: String? { json.string("subdomain") }
    public var terminationGracePeriodSeconds: Int64? { json.int64("terminationGracePeriodSeconds") }
    public var imagePullSecrets: [String]? {
        json["imagePullSecrets"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
    }
    public var securityContext: JSONValue? { json.objectMember("securityContext") }
    public var schedulingGates: JSONValue? { json["schedulingGates"] }
}

/// `corev1.Container` (also used for init containers).
public struct Container: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    public var image: String? { json.string("image") }
    /// "Always", "IfNotPresent", "Never" (or absent).
    public var imagePullPolicy: String? { json.string("imagePullPolicy") }
    public var command: [String]? { json.strings("command") }
    public var args: [String]? { json.strings("args") }
    public var workingDir: String? { json.string("workingDir") }
    public var ports: [ContainerPort]? { json.views("ports") }
    public var env: [EnvVar]? { json.views("env") }
    public var envFrom: JSONValue? { json["envFrom"] }
    public var resources: ResourceRequirements? { json.view("resources") }
    public var volumeMounts: [VolumeMount]? { json.views("volumeMounts") }
    public var livenessProbe: JSONValue? { json.objectMember("livenessProbe") }
    public var readinessProbe: JSONValue? { json.objectMember("readinessProbe") }
    public var startupProbe: JSONValue? { json.objectMember("startupProbe") }
    public var lifecycle: JSONValue? { json.objectMember("lifecycle") }
    public var securityContext: JSONValue? { json.objectMember("securityContext") }

    /// The first env entry named `name` (Kubernetes keeps the last one when names repeat, but the
    /// rules only ask "is it set?", for which the first is as good).
    public func envVar(named name: String) -> EnvVar? {
        env?.first { $0.name == name }
    }
}

/// `corev1.ContainerPort`.
public struct ContainerPort: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    public var containerPort: Int64? { json.int64("containerPort") }
    public var hostPort: Int64? { json.int64("hostPort") }
    /// "TCP" (default), "UDP", "SCTP".
    public var `protocol`: String? { json.string("protocol") }
    public var hostIP: String? { json.string("hostIP") }
}

/// `corev1.EnvVar`: a literal `value` or a `valueFrom` source (kept opaque).
public struct EnvVar: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    public var value: String? { json.string("value") }
    /// `corev1.EnvVarSource` (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef…).
    public var valueFrom: JSONValue? { json.objectMember("valueFrom") }
    /// `valueFrom.fieldRef.fieldPath` when the variable comes from a field of the pod.
    public var fieldPath: String? { json["valueFrom"]?["fieldRef"]?["fieldPath"]?.stringValue }
}

/// `corev1.ResourceRequirements`: quantities by resource name, as written ("1", "500m", "2Gi").
/// Parse a value with `Quantity(parsing:)`.
public struct ResourceRequirements: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var limits: [String: String]? { json.quantityMap("limits") }
    public var requests: [String: String]? { json.quantityMap("requests") }
    /// Dynamic resource claims; nobody reads inside.
    public var claims: JSONValue? { json["claims"] }
}

/// `corev1.VolumeMount`.
public struct VolumeMount: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    public var mountPath: String? { json.string("mountPath") }
    public var subPath: String? { json.string("subPath") }
    public var subPathExpr: String? { json.string("subPathExpr") }
    public var readOnly: Bool? { json.bool("readOnly") }
    public var mountPropagation: String? { json.string("mountPropagation") }
}

/// `corev1.Volume`: a name plus exactly one source (emptyDir, secret, configMap, …) kept opaque.
public struct Volume: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    /// The source kinds present ("emptyDir", "secret", …), in document order.
    public var sourceKinds: [String] {
        json.objectValue?.keys.filter { $0 != "name" } ?? []
    }
    public var emptyDir: JSONValue? { json.objectMember("emptyDir") }
    public var secret: JSONValue? { json.objectMember("secret") }
    public var configMap: JSONValue? { json.objectMember("configMap") }
    public var persistentVolumeClaim: JSONValue? { json.objectMember("persistentVolumeClaim") }
    public var projected: JSONValue? { json.objectMember("projected") }
    public var hostPath: JSONValue? { json.objectMember("hostPath") }
}

/// `corev1.Toleration`.
public struct Toleration: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var key: String? { json.string("key") }
    /// "Exists" or "Equal" (default).
    public var `operator`: String? { json.string("operator") }
    public var value: String? { json.string("value") }
    /// "NoSchedule", "PreferNoSchedule", "NoExecute".
    public var effect: String? { json.string("effect") }
    public var tolerationSeconds: Int64? { json.int64("tolerationSeconds") }
}
