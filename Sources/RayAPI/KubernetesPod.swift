// Read-only views of the core/v1 pod types a RayCluster embeds and the rules and the reconciler
// read: PodTemplateSpec, PodSpec, Container, ContainerPort, EnvVar, ResourceRequirements,
// VolumeMount, Volume, Toleration. What nobody reads inside (affinity, probes, security contexts,
// envFrom…) stays opaque `JSONValue`.
import JSON

/// `corev1.PodTemplateSpec`.
package struct PodTemplateSpec: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var metadata: ObjectMeta? { json.view("metadata") }
    package var spec: PodSpec? { json.view("spec") }

    /// Container 0 — KubeRay's "Ray container" (nil when the template has no containers).
    package var rayContainer: Container? { spec?.containers?.first }
}

/// `corev1.PodSpec`.
package struct PodSpec: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var containers: [Container]? { json.views("containers") }
    package var initContainers: [Container]? { json.views("initContainers") }
    package var volumes: [Volume]? { json.views("volumes") }
    /// "Always", "OnFailure", "Never" (or absent).
    package var restartPolicy: String? { json.string("restartPolicy") }
    package var serviceAccountName: String? { json.string("serviceAccountName") }
    /// Deprecated alias of serviceAccountName, still accepted by the API.
    package var serviceAccount: String? { json.string("serviceAccount") }
    package var nodeSelector: [String: String]? { json.stringMap("nodeSelector") }
    package var nodeName: String? { json.string("nodeName") }
    package var tolerations: [Toleration]? { json.views("tolerations") }
    package var affinity: JSONValue? { json.objectMember("affinity") }
    package var schedulerName: String? { json.string("schedulerName") }
    package var priorityClassName: String? { json.string("priorityClassName") }
    package var hostNetwork: Bool? { json.bool("hostNetwork") }
    package var hostname: String? { json.string("hostname") }
    package var subdomain: String? { json.string("subdomain") }
    package var terminationGracePeriodSeconds: Int64? { json.int64("terminationGracePeriodSeconds") }
    package var imagePullSecrets: [String]? {
        json["imagePullSecrets"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
    }
    package var securityContext: JSONValue? { json.objectMember("securityContext") }
    package var schedulingGates: JSONValue? { json["schedulingGates"] }
}

/// `corev1.Container` (also used for init containers).
package struct Container: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    package var image: String? { json.string("image") }
    /// "Always", "IfNotPresent", "Never" (or absent).
    package var imagePullPolicy: String? { json.string("imagePullPolicy") }
    package var command: [String]? { json.strings("command") }
    package var args: [String]? { json.strings("args") }
    package var workingDir: String? { json.string("workingDir") }
    package var ports: [ContainerPort]? { json.views("ports") }
    package var env: [EnvVar]? { json.views("env") }
    package var envFrom: JSONValue? { json["envFrom"] }
    package var resources: ResourceRequirements? { json.view("resources") }
    package var volumeMounts: [VolumeMount]? { json.views("volumeMounts") }
    package var livenessProbe: JSONValue? { json.objectMember("livenessProbe") }
    package var readinessProbe: JSONValue? { json.objectMember("readinessProbe") }
    package var startupProbe: JSONValue? { json.objectMember("startupProbe") }
    package var lifecycle: JSONValue? { json.objectMember("lifecycle") }
    package var securityContext: JSONValue? { json.objectMember("securityContext") }

    /// The first env entry named `name` (Kubernetes keeps the last one when names repeat, but the
    /// rules only ask "is it set?", for which the first is as good).
    package func envVar(named name: String) -> EnvVar? {
        env?.first { $0.name == name }
    }
}

/// `corev1.ContainerPort`.
package struct ContainerPort: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    package var containerPort: Int64? { json.int64("containerPort") }
    package var hostPort: Int64? { json.int64("hostPort") }
    /// "TCP" (default), "UDP", "SCTP".
    package var `protocol`: String? { json.string("protocol") }
    package var hostIP: String? { json.string("hostIP") }
}

/// `corev1.EnvVar`: a literal `value` or a `valueFrom` source (kept opaque).
package struct EnvVar: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    package var value: String? { json.string("value") }
    /// `corev1.EnvVarSource` (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef…).
    package var valueFrom: JSONValue? { json.objectMember("valueFrom") }
    /// `valueFrom.fieldRef.fieldPath` when the variable comes from a field of the pod.
    package var fieldPath: String? { json["valueFrom"]?["fieldRef"]?["fieldPath"]?.stringValue }
}

/// `corev1.ResourceRequirements`: quantities by resource name, as written ("1", "500m", "2Gi").
/// Parse a value with `Quantity(parsing:)`.
package struct ResourceRequirements: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var limits: [String: String]? { json.quantityMap("limits") }
    package var requests: [String: String]? { json.quantityMap("requests") }
    /// Dynamic resource claims; nobody reads inside.
    package var claims: JSONValue? { json["claims"] }
}

/// `corev1.VolumeMount`.
package struct VolumeMount: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    package var mountPath: String? { json.string("mountPath") }
    package var subPath: String? { json.string("subPath") }
    package var subPathExpr: String? { json.string("subPathExpr") }
    package var readOnly: Bool? { json.bool("readOnly") }
    package var mountPropagation: String? { json.string("mountPropagation") }
}

/// `corev1.Volume`: a name plus exactly one source (emptyDir, secret, configMap, …) kept opaque.
package struct Volume: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    /// The source kinds present ("emptyDir", "secret", …), in document order.
    package var sourceKinds: [String] {
        json.objectValue?.keys.filter { $0 != "name" } ?? []
    }
    package var emptyDir: JSONValue? { json.objectMember("emptyDir") }
    package var secret: JSONValue? { json.objectMember("secret") }
    package var configMap: JSONValue? { json.objectMember("configMap") }
    package var persistentVolumeClaim: JSONValue? { json.objectMember("persistentVolumeClaim") }
    package var projected: JSONValue? { json.objectMember("projected") }
    package var hostPath: JSONValue? { json.objectMember("hostPath") }
}

/// `corev1.Toleration`.
package struct Toleration: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var key: String? { json.string("key") }
    /// "Exists" or "Equal" (default).
    package var `operator`: String? { json.string("operator") }
    package var value: String? { json.string("value") }
    /// "NoSchedule", "PreferNoSchedule", "NoExecute".
    package var effect: String? { json.string("effect") }
    package var tolerationSeconds: Int64? { json.int64("tolerationSeconds") }
}
