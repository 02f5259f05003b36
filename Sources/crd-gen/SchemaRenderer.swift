import JSON
import RayAPI

/// Turns the RayAPI description of our fields (`CRDSchema`) into the CRD's OpenAPI schema, expanding
/// each embedded Kubernetes type from the pinned definitions.
struct SchemaRenderer {
    let kubernetes: KubernetesDefinitions
    let options: KubernetesDefinitions.Options

    func render(_ schema: CRDSchema) throws(GeneratorError) -> JSONValue {
        try node(for: schema).json
    }

    private func node(for schema: CRDSchema) throws(GeneratorError) -> SchemaNode {
        var node: SchemaNode
        switch schema.shape {
        case .string(let values, let format):
            node = SchemaNode()
            node["type"] = "string"
            if let format { node["format"] = .string(format) }
            if !values.isEmpty { node["enum"] = .array(values.map { .string($0) }) }
        case .integer(let format):
            node = SchemaNode()
            node["type"] = "integer"
            node["format"] = .string(format)
        case .boolean:
            node = SchemaNode()
            node["type"] = "boolean"
        case .object(let properties):
            node = SchemaNode()
            node["type"] = "object"
            var members: [(String, JSONValue)] = []
            for property in properties.sorted(by: { $0.name < $1.name }) {
                members.append((property.name, try render(property.schema)))
            }
            if !members.isEmpty { node["properties"] = .object(JSONObject(members)) }
            let required = properties.filter(\.required).map { JSONValue.string($0.name) }
            if !required.isEmpty { node["required"] = .array(required) }
        case .map(let values):
            node = SchemaNode()
            node["type"] = "object"
            node["additionalProperties"] = try render(values)
        case .array(let items, let listType, let keys):
            node = SchemaNode()
            node["type"] = "array"
            node["items"] = try render(items)
            if let listType { node["x-kubernetes-list-type"] = .string(listType) }
            if !keys.isEmpty { node["x-kubernetes-list-map-keys"] = .array(keys.map { .string($0) }) }
        case .kubernetes(let name):
            node = try kubernetes.schema(named: name, options: options)
        case .quantity:
            node = SchemaNode.quantity()
        case .dateTime:
            node = SchemaNode()
            node["type"] = "string"
            node["format"] = "date-time"
        case .freeformObject:
            node = SchemaNode()
            node["type"] = "object"
        }
        if let description = schema.description { node["description"] = .string(description) }
        if let value = schema.defaultValue { node["default"] = value }
        if schema.nullable { node["nullable"] = true }
        return node
    }
}
