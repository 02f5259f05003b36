// Read-only views of core/v1 Service (the custom head Service of a RayCluster, and the Services
// the reconciler reads back).
import JSON

/// `corev1.Service`.
package struct Service: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var apiVersion: String? { json.string("apiVersion") }
    package var kind: String? { json.string("kind") }
    package var metadata: ObjectMeta? { json.view("metadata") }
    package var spec: ServiceSpec? { json.view("spec") }
    /// Load balancer status; nobody reads inside.
    package var status: JSONValue? { json.objectMember("status") }
}

/// `corev1.ServiceSpec`.
package struct ServiceSpec: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// "ClusterIP", "NodePort", "LoadBalancer", "ExternalName" (or absent).
    package var type: String? { json.string("type") }
    package var ports: [ServicePort]? { json.views("ports") }
    package var selector: [String: String]? { json.stringMap("selector") }
    /// "None" for a headless Service.
    package var clusterIP: String? { json.string("clusterIP") }
    package var clusterIPs: [String]? { json.strings("clusterIPs") }
    package var publishNotReadyAddresses: Bool? { json.bool("publishNotReadyAddresses") }
    package var externalName: String? { json.string("externalName") }
    package var sessionAffinity: String? { json.string("sessionAffinity") }
}

/// `corev1.ServicePort`.
package struct ServicePort: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var name: String? { json.string("name") }
    package var port: Int64? { json.int64("port") }
    package var targetPort: IntOrString? { IntOrString(json["targetPort"]) }
    package var nodePort: Int64? { json.int64("nodePort") }
    package var `protocol`: String? { json.string("protocol") }
    package var appProtocol: String? { json.string("appProtocol") }
}
