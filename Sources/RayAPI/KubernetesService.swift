// Read-only views of core/v1 Service (the custom head Service of a RayCluster, and the Services
// the reconciler reads back).
import JSON

/// `corev1.Service`.
public struct Service: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var apiVersion: String? { json.string("apiVersion") }
    public var kind: String? { json.string("kind") }
    public var metadata: ObjectMeta? { json.view("metadata") }
    public var spec: ServiceSpec? { json.view("spec") }
    /// Load balancer status; nobody reads inside.
    public var status: JSONValue? { json.objectMember("status") }
}

/// `corev1.ServiceSpec`.
public struct ServiceSpec: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// "ClusterIP", "NodePort", "LoadBalancer", "ExternalName" (or absent).
    public var type: String? { json.string("type") }
    public var ports: [ServicePort]? { json.views("ports") }
    public var selector: [String: String]? { json.stringMap("selector") }
    /// "None" for a headless Service.
    public var clusterIP: String? { json.string("clusterIP") }
    public var clusterIPs: [String]? { json.strings("clusterIPs") }
    public var publishNotReadyAddresses: Bool? { json.bool("publishNotReadyAddresses") }
    public var externalName: String? { json.string("externalName") }
    public var sessionAffinity: String? { json.string("sessionAffinity") }
}

/// `corev1.ServicePort`.
public struct ServicePort: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var name: String? { json.string("name") }
    public var port: Int64? { json.int64("port") }
    public var targetPort: IntOrString? { IntOrString(json["targetPort"]) }
    public var nodePort: Int64? { json.int64("nodePort") }
    public var `protocol`: String? { json.string("protocol") }
    public var appProtocol: String? { json.string("appProtocol") }
}
