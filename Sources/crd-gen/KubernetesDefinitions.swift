import JSON
import RayAPI

/// Kubernetes' published OpenAPI definitions for one pinned version (hack/k8s-openapi/), and the
/// rules that turn one of them into a structural CRD schema the way controller-gen does.
struct KubernetesDefinitions {
    let kubernetesVersion: String
    let source: String
    private let definitions: JSONObject

    /// The definitions file names this many nested levels at most; a deeper expansion means a
    /// reference cycle the file should not contain.
    static let maxExpansionDepth = 64

    init(document: JSONValue) throws(GeneratorError) {
        guard let defs = document["definitions"]?.objectValue else {
            throw GeneratorError("the definitions file has no \"definitions\" object")
        }
        definitions = defs
        kubernetesVersion = document["kubernetesVersion"]?.stringValue ?? "unknown"
        source = document["source"]?.stringValue ?? "unknown"
    }

    func contains(_ name: String) -> Bool { definitions[name] != nil }

    /// Options that change the generated text (both are part of what the committed file is checked against).
    struct Options {
        /// Keep the descriptions of Kubernetes' own fields (our fields always keep theirs).
        var kubernetesDescriptions: Bool
    }

    /// Kubernetes defaults that Go markers (`+default=`) declare but the published OpenAPI does not
    /// carry. controller-gen writes them; the API server requires them where the property is a key of
    /// a list-map without being required (ports: containerPort+protocol). LocalObjectReference's
    /// `name` (`+default=""`) is left out: Kubernetes 1.20 rejects an empty-string default as null.
    static let markerDefaults: [String: [String: JSONValue]] = [
        "io.k8s.api.core.v1.ContainerPort": ["protocol": "TCP"],
        "io.k8s.api.core.v1.ServicePort": ["protocol": "TCP"],
    ]

    /// The members controller-gen keeps of an embedded ObjectMeta (pod templates, the head Service);
    /// the API server would reject or ignore the rest there (generateName, uid, managedFields…).
    static let embeddedObjectMetaFields = ["annotations", "finalizers", "labels", "name", "namespace"]

    static let quantityPattern =
        #"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#

    /// The CRD schema of definition `name`, fully expanded.
    func schema(named name: String, options: Options) throws(GeneratorError) -> SchemaNode {
        try expand(name: name, description: nil, options: options, depth: 0)
    }

    private func expand(name: String, description: String?, options: Options, depth: Int) throws(GeneratorError) -> SchemaNode {
        guard depth < Self.maxExpansionDepth else {
            throw GeneratorError("expanding \(name): deeper than \(Self.maxExpansionDepth) levels (a reference cycle?)")
        }
        var node: SchemaNode
        switch name {
        case "io.k8s.apimachinery.pkg.api.resource.Quantity":
            node = SchemaNode.quantity()
        case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
            node = SchemaNode.intOrString()
        case "io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":
            node = SchemaNode()
            node["type"] = "string"
            node["format"] = "date-time"
        case "io.k8s.apimachinery.pkg.runtime.RawExtension":
            node = SchemaNode()
            node["type"] = "object"
            node["x-kubernetes-preserve-unknown-fields"] = true
        case "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":
            node = try embeddedObjectMeta(options: options, depth: depth)
        default:
            guard let definition = definitions[name] else {
                throw GeneratorError("definition \(name) is not in the pinned definitions file (add it to hack/k8s-openapi/fetch.sh)")
            }
            node = try convert(definition, owner: name, options: options, depth: depth)
        }
        if let description, options.kubernetesDescriptions { node["description"] = .string(description) }
        if !options.kubernetesDescriptions { node["description"] = nil }
        return node
    }

    private func embeddedObjectMeta(options: Options, depth: Int) throws(GeneratorError) -> SchemaNode {
        guard let full = definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] else {
            throw GeneratorError("ObjectMeta is not in the pinned definitions file")
        }
        var kept = JSONObject()
        for field in Self.embeddedObjectMetaFields {
            if let property = full["properties"]?[field] { kept[field] = property }
        }
        var trimmed = full
        trimmed["properties"] = .object(kept)
        return try convert(trimmed, owner: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", options: options, depth: depth)
    }

    /// One JSON Schema node of the definitions file → one structural CRD schema node.
    private func convert(_ source: JSONValue, owner: String?, options: Options, depth: Int) throws(GeneratorError) -> SchemaNode {
        if let ref = source["$ref"]?.stringValue {
            let prefix = "#/$defs/"
            guard ref.hasPrefix(prefix) else { throw GeneratorError("unsupported reference \(ref)") }
            return try expand(name: String(ref.dropFirst(prefix.count)), description: source["description"]?.stringValue,
                              options: options, depth: depth + 1)
        }
        var node = SchemaNode()
        if let type = Self.nonNullType(source["type"]) { node["type"] = .string(type) }
        if let format = source["format"]?.stringValue { node["format"] = .string(format) }
        if options.kubernetesDescriptions, let description = source["description"]?.stringValue {
            node["description"] = .string(description)
        }
        if let properties = source["properties"]?.objectValue {
            var converted: [(String, JSONValue)] = []
            let defaults = owner.flatMap { Self.markerDefaults[$0] } ?? [:]
            for member in properties.members.sorted(by: { $0.key < $1.key }) {
                var child = try convert(member.value, owner: nil, options: options, depth: depth + 1)
                if let value = defaults[member.key] { child["default"] = value }
                converted.append((member.key, child.json))
            }
            node["properties"] = .object(JSONObject(converted))
            if node["type"] == nil { node["type"] = "object" }
        }
        if let required = source["required"]?.arrayValue, !required.isEmpty {
            node["required"] = .array(required)
        }
        if let items = source["items"], items.objectValue != nil {
            node["items"] = try convert(items, owner: nil, options: options, depth: depth + 1).json
        }
        if let additional = source["additionalProperties"], additional.objectValue != nil {
            node["additionalProperties"] = try convert(additional, owner: nil, options: options, depth: depth + 1).json
        }
        for marker in ["x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type"] {
            if let value = source[marker] { node[marker] = value }
        }
        if node["x-kubernetes-list-type"]?.stringValue == "map", !Self.listMapKeysAreUsable(node) {
            // The API server refuses a list-map whose key is neither required nor defaulted
            // (imagePullSecrets: `name`, whose `+default=""` Kubernetes 1.20 cannot take). Such a list
            // stays a plain list: writes replace it whole, which is what a pod template needs anyway.
            node["x-kubernetes-list-type"] = nil
            node["x-kubernetes-list-map-keys"] = nil
        }
        // Enums (Go `+enum`) and patch strategies are left out, as controller-gen does: newer
        // Kubernetes versions add values, and an old enum would reject them.
        return node
    }

    /// Every list-map key of an array node is required by, or defaulted in, its item schema.
    static func listMapKeysAreUsable(_ node: SchemaNode) -> Bool {
        guard let keys = node["x-kubernetes-list-map-keys"]?.arrayValue, let items = node["items"] else { return false }
        let required = (items["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        for key in keys.compactMap(\.stringValue) where !required.contains(key) {
            if items["properties"]?[key]?["default"] == nil { return false }
        }
        return true
    }

    /// `"string"` or `["string", "null"]` → "string".
    static func nonNullType(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .array(let types)?:
            return types.compactMap(\.stringValue).first { $0 != "null" }
        default: return nil
        }
    }
}

/// A CRD schema node under construction; its keys are written in sorted order, as controller-gen does.
struct SchemaNode {
    private var members: [String: JSONValue] = [:]

    subscript(key: String) -> JSONValue? {
        get { members[key] }
        set { members[key] = newValue }
    }

    var json: JSONValue {
        .object(JSONObject(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }

    static func quantity() -> SchemaNode {
        var node = SchemaNode()
        node["anyOf"] = [["type": "integer"], ["type": "string"]]
        node["pattern"] = .string(KubernetesDefinitions.quantityPattern)
        node["x-kubernetes-int-or-string"] = true
        return node
    }

    static func intOrString() -> SchemaNode {
        var node = SchemaNode()
        node["anyOf"] = [["type": "integer"], ["type": "string"]]
        node["x-kubernetes-int-or-string"] = true
        return node
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
