// The head Service of a RayCluster (KubeRay's BuildServiceForHeadPod, with the original
// operator's name `<cluster>-head`).
//
// Default Service: labels = selector = `ray.io/cluster`, `ray.io/node-type: head`,
// `ray.io/identifier`, `app.kubernetes.io/name`, `app.kubernetes.io/created-by` (the last two with
// the head pod's values, so the selector always matches the head pod); annotations =
// `spec.headServiceAnnotations`; ports = the head Ray container's ports (an unnamed one becomes
// `<port>-port`), or when it has none the default set client 10001, dashboard 8265, gcs-server
// 6379, metrics 8080, serve 8000, plus `metrics: 8080` when missing, each `appProtocol: tcp`,
// sorted by name; type = `headGroupSpec.serviceType`. A ClusterIP (or untyped) Service is headless
// (`clusterIP: None`, `publishNotReadyAddresses: true`) unless the options ask for a cluster IP:
// Ray's head address is then the pod's own IP, which Ray needs for its internal connections.
//
// The user's `headGroupSpec.headService`, when given, is the base instead: its selector is
// replaced, `headServiceAnnotations` override its annotations, our labels override its labels,
// our ports are appended after its own (those whose name or port number it already uses are
// left out: the API server refuses a Service with either twice), the name defaults to
// `<cluster>-head`, the namespace is the cluster's, the type defaults to `serviceType`; it is
// never made headless.
import JSON
import RayAPI

/// Builder of the head Service.
package enum HeadServiceBuilder {
    /// Ports of the head Service when the head container declares none.
    package static let defaultPorts: [(name: String, port: Int64)] = [
        ("client", 10001), ("dashboard", 8265), ("gcs-server", 6379), ("metrics", 8080), ("serve", 8000),
    ]

    /// The head Service of `cluster`.
    package static func headService(cluster: JSONValue, options: DesiredStateOptions = DesiredStateOptions()) throws(DesiredStateError) -> JSONValue {
        try headService(ClusterFacts(cluster: cluster, options: options))
    }

    static func headService(_ facts: ClusterFacts) throws(DesiredStateError) -> JSONValue {
        let head = facts.headGroup
        let templateLabels = head.template?.metadata?.labels ?? [:]
        let groupLabels = head.labels ?? [:]
        func headLabel(_ key: String, default value: String) -> String { groupLabels[key] ?? templateLabels[key] ?? value }
        let selector: [String: String] = [
            RayLabel.cluster: facts.names.cluster,
            RayLabel.nodeType: RayNodeType.head.rawValue,
            RayLabel.identifier: RayNaming.identifierLabel(cluster: facts.names.cluster, type: .head),
            RayLabel.appName: headLabel(RayLabel.appName, default: RayLabel.appNameValue),
            RayLabel.createdBy: headLabel(RayLabel.createdBy, default: RayLabel.createdByValue),
        ]
        let ports = try servicePorts(facts)
        let serviceType = head.serviceType ?? ""

        if case .object(let custom)? = head.json["headService"] {
            return customService(custom, selector: selector, ports: ports, serviceType: serviceType, facts: facts)
        }

        var spec: [(String, JSONValue)] = [
            ("ports", .array(ports.map(portJSON))),
            ("selector", PodMetadata.sortedMap(selector)),
        ]
        if !serviceType.isEmpty { spec.append(("type", .string(serviceType))) }
        if isHeadless(type: serviceType, facts: facts) {
            spec.append(("clusterIP", "None"))
            spec.append(("publishNotReadyAddresses", true))
        }
        var metadata: [(String, JSONValue)] = [
            ("name", .string(facts.names.headServiceName)),
            ("namespace", .string(facts.names.namespace)),
            ("labels", PodMetadata.sortedMap(selector)),
        ]
        if let annotations = facts.spec.headServiceAnnotations, !annotations.isEmpty {
            metadata.append(("annotations", PodMetadata.sortedMap(annotations)))
        }
        metadata.append(("ownerReferences", .array([facts.ownerReference])))
        return .object(JSONObject([
            ("apiVersion", "v1"),
            ("kind", "Service"),
            ("metadata", .object(JSONObject(metadata))),
            ("spec", .object(JSONObject(spec))),
        ]))
    }

    /// Headless unless typed otherwise or the options want a cluster IP.
    static func isHeadless(type: String, facts: ClusterFacts) -> Bool {
        !facts.options.headServiceWithClusterIP && (type.isEmpty || type == "ClusterIP")
    }

    /// The ports from the head's Ray container (or the defaults) plus metrics, sorted by name.
    static func servicePorts(_ facts: ClusterFacts) throws(DesiredStateError) -> [(name: String, port: Int64)] {
        var byName: [String: Int64] = [:]
        for port in facts.headGroup.template?.rayContainer?.ports ?? [] {
            guard let number = port.containerPort, number > 0, number <= 65535 else { continue }
            let name = (port.name ?? "").isEmpty ? "\(number)-port" : (port.name ?? "")
            byName[name] = number
        }
        if byName.isEmpty {
            for port in defaultPorts { byName[port.name] = port.port }
        }
        if byName["metrics"] == nil && !byName.values.contains(RayStartCommand.defaultMetricsPort) {
            byName["metrics"] = RayStartCommand.defaultMetricsPort
        }
        // Two names on one port number would be refused by the API server: the first name wins.
        var seen = Set<Int64>()
        var ports: [(name: String, port: Int64)] = []
        for name in byName.keys.sorted() {
            guard let number = byName[name], seen.insert(number).inserted else { continue }
            ports.append((name, number))
        }
        guard !ports.isEmpty else {
            throw DesiredStateError("ray head service does not have any ports set up")
        }
        return ports
    }

    private static func portJSON(_ port: (name: String, port: Int64)) -> JSONValue {
        .object(JSONObject([("name", .string(port.name)), ("appProtocol", "tcp"), ("port", .integer(port.port))]))
    }

    private static func customService(_ custom: JSONObject, selector: [String: String], ports: [(name: String, port: Int64)],
                                      serviceType: String, facts: ClusterFacts) -> JSONValue {
        var metadata = custom["metadata"]?.objectValue ?? JSONObject()
        if (metadata["name"]?.stringValue ?? "").isEmpty { metadata["name"] = .string(facts.names.headServiceName) }
        metadata["namespace"] = .string(facts.names.namespace)
        var labels = Service(.object(custom)).metadata?.labels ?? [:]
        for (key, value) in selector { labels[key] = value }
        metadata["labels"] = PodMetadata.sortedMap(labels)
        var annotations = Service(.object(custom)).metadata?.annotations ?? [:]
        for (key, value) in facts.spec.headServiceAnnotations ?? [:] { annotations[key] = value }
        if !annotations.isEmpty { metadata["annotations"] = PodMetadata.sortedMap(annotations) }
        metadata["ownerReferences"] = .array([facts.ownerReference])

        var spec = custom["spec"]?.objectValue ?? JSONObject()
        var servicePorts = spec["ports"]?.arrayValue ?? []
        let usedNames = Set(servicePorts.compactMap { $0["name"]?.stringValue })
        let usedNumbers = Set(servicePorts.compactMap { $0["port"]?.int64Value })
        for port in ports where !usedNames.contains(port.name) && !usedNumbers.contains(port.port) {
            servicePorts.append(portJSON(port))
        }
        spec["ports"] = .array(servicePorts)
        spec["selector"] = PodMetadata.sortedMap(selector)
        if (spec["type"]?.stringValue ?? "").isEmpty && !serviceType.isEmpty { spec["type"] = .string(serviceType) }
        // apiVersion and kind first, as in every object we build; the user's other members (all
        // but status, which a create ignores) follow in their order.
        var service = JSONObject([("apiVersion", "v1"), ("kind", "Service"), ("metadata", .object(metadata)), ("spec", .object(spec))])
        for member in custom where service[member.key] == nil && member.key != "status" { service[member.key] = member.value }
        return .object(service)
    }
}
