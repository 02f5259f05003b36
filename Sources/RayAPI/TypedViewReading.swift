// Reading helpers shared by every typed view (RayCluster*, Kubernetes*).
//
// A view reads a member of its JSON object and answers nil when the member is absent, null, or of
// the wrong JSON type, so a view never throws and never crashes; nil always means "not usable as
// this type", which the rules treat like Go's nil pointer. Zero and empty stay distinct from nil.
import JSON

/// The one shape every typed view has: it wraps the JSON value it reads from.
package protocol JSONView: Sendable, Equatable {
    /// The whole value, with every field (known or not) exactly as received.
    var json: JSONValue { get }
    init(_ json: JSONValue)
}

extension JSONValue {
    /// The member `key` when it is an object (nil when absent, null or another type).
    package func objectMember(_ key: String) -> JSONValue? {
        guard let value = self[key], case .object = value else { return nil }
        return value
    }

    /// The member `key` as a view when it is an object.
    package func view<V: JSONView>(_ key: String, as type: V.Type = V.self) -> V? {
        objectMember(key).map(V.init)
    }

    /// The member `key` as an array of views, one per element (index i of the result is element i
    /// of the array, so rules can name `field[i]`; a non-object element reads as an all-nil view).
    package func views<V: JSONView>(_ key: String, as type: V.Type = V.self) -> [V]? {
        guard let elements = self[key]?.arrayValue else { return nil }
        return elements.map(V.init)
    }

    /// The member `key` as a string.
    package func string(_ key: String) -> String? { self[key]?.stringValue }

    /// The member `key` as a boolean.
    package func bool(_ key: String) -> Bool? { self[key]?.boolValue }

    /// The member `key` as an integer (an exact integer within Int64).
    package func int64(_ key: String) -> Int64? { self[key]?.int64Value }

    /// The member `key` as an array of its string elements (non-string elements are skipped).
    package func strings(_ key: String) -> [String]? {
        guard let elements = self[key]?.arrayValue else { return nil }
        return elements.compactMap(\.stringValue)
    }

    /// The member `key` as a map of strings (labels, annotations, rayStartParams…). Entries whose
    /// value is not a string are skipped; a member that is not an object reads as nil.
    package func stringMap(_ key: String) -> [String: String]? {
        guard let object = self[key]?.objectValue else { return nil }
        var map: [String: String] = [:]
        map.reserveCapacity(object.count)
        for member in object {
            if let text = member.value.stringValue { map[member.key] = text }
        }
        return map
    }

    /// The member `key` as ordered (key, value) string pairs, in document order.
    package func stringPairs(_ key: String) -> [(key: String, value: String)]? {
        guard let object = self[key]?.objectValue else { return nil }
        return object.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
    }

    /// The member `key` as a map of quantity texts (resource limits/requests, Ray resources):
    /// Kubernetes accepts a quantity as a JSON string or number, so numbers read as their text
    /// (`1` → "1", `0.5` → "0.5"). Other value types are skipped.
    package func quantityMap(_ key: String) -> [String: String]? {
        guard let object = self[key]?.objectValue else { return nil }
        var map: [String: String] = [:]
        map.reserveCapacity(object.count)
        for member in object {
            if let text = member.value.quantityText { map[member.key] = text }
        }
        return map
    }

    /// A quantity written as a JSON string or number, as text ("1", "0.5", "2Gi").
    package var quantityText: String? {
        switch self {
        case .string(let text): return text
        case .integer(let value): return String(value)
        case .number(let literal): return literal
        default: return nil
        }
    }
}

/// `IntOrString` of Kubernetes (Service targetPort, probe ports…).
package enum IntOrString: Sendable, Equatable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    /// nil unless the value is a JSON integer or string.
    package init?(_ json: JSONValue?) {
        switch json {
        case .string(let text)?: self = .string(text)
        case let value? where value.int64Value != nil:
            guard let number = value.int64Value else { return nil }
            self = .int(number)
        default: return nil
        }
    }

    package var description: String {
        switch self {
        case .int(let number): return String(number)
        case .string(let text): return text
        }
    }
}
