import JSON
import RayAPI

/// Reads the fields the rules need and reports every one whose JSON type the CRD schema would
/// reject. In a cluster the API server rejects those before the webhook is called; offline
/// (`ray-operator validate`) nothing else would, so we say so instead of silently ignoring them.
///
/// An explicit `null` counts as absent: the API server prunes nulls of non-nullable fields before
/// defaulting, so the rules see what the stored object would hold.
/// Paths are autoclosures: they are only built when there is something to report.
struct SchemaReader {
    var errors: [FieldError] = []

    /// The apiserver's wording for a schema type mismatch:
    /// `<path>: Invalid value: "string": <path> in body must be of type integer: "string"`.
    mutating func typeMismatch(_ path: String, expected: String, found value: JSONValue) {
        let found = value.typeName
        errors.append(FieldError(.invalid, field: path, value: .string(found),
                                 detail: "\(path) in body must be of type \(expected): \"\(found)\""))
    }

    mutating func object(_ value: JSONValue?, _ path: @autoclosure () -> String) -> JSONObject? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .object(let o): return o
        default:
            typeMismatch(path(), expected: "object", found: value)
            return nil
        }
    }

    mutating func array(_ value: JSONValue?, _ path: @autoclosure () -> String) -> [JSONValue]? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .array(let a): return a
        default:
            typeMismatch(path(), expected: "array", found: value)
            return nil
        }
    }

    mutating func string(_ value: JSONValue?, _ path: @autoclosure () -> String) -> String? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .string(let s): return s
        default:
            typeMismatch(path(), expected: "string", found: value)
            return nil
        }
    }

    mutating func bool(_ value: JSONValue?, _ path: @autoclosure () -> String) -> Bool? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .bool(let b): return b
        default:
            typeMismatch(path(), expected: "boolean", found: value)
            return nil
        }
    }

    /// A Go `int32` field: an integer (an exact integral number literal counts) within Int32.
    mutating func int32(_ value: JSONValue?, _ path: @autoclosure () -> String) -> Int64? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .integer, .number:
            guard let i = value.int64Value else {
                typeMismatch(path(), expected: "integer", found: value)
                return nil
            }
            guard i >= Int64(Int32.min), i <= Int64(Int32.max) else {
                let p = path()
                errors.append(.invalid(p, value, "\(p) in body must be a 32-bit integer (between \(Int32.min) and \(Int32.max))"))
                return nil
            }
            return i
        default:
            typeMismatch(path(), expected: "integer", found: value)
            return nil
        }
    }

    /// A `map[string]string` field: members in document order; non-string values are reported
    /// and left out.
    mutating func stringMap(_ value: JSONValue?, _ path: @autoclosure () -> String) -> [(key: String, value: String)] {
        guard let object = self.object(value, path()) else { return [] }
        var result: [(key: String, value: String)] = []
        result.reserveCapacity(object.count)
        for member in object.members {
            switch member.value {
            case .string(let s): result.append((member.key, s))
            case .null: continue
            default: typeMismatch(path() + "[" + member.key + "]", expected: "string", found: member.value)
            }
        }
        return result
    }

    /// An enum-typed string: reports `Unsupported value` (the CRD's enum check) and returns the
    /// value only when it is one of `allowed`.
    mutating func enumString(_ value: JSONValue?, _ path: @autoclosure () -> String, allowed: [String]) -> String? {
        guard let s = string(value, path()) else { return nil }
        guard allowed.contains(s) else {
            errors.append(.notSupported(path(), .string(s), supported: allowed))
            return nil
        }
        return s
    }
}

/// Lookup in the small ordered maps the rules read (rayStartParams, labels, annotations).
extension Array where Element == (key: String, value: String) {
    func value(for key: String) -> String? {
        for entry in self where entry.key == key { return entry.value }
        return nil
    }

    func nonEmptyValue(for key: String) -> String? {
        guard let v = value(for: key), !v.isEmpty else { return nil }
        return v
    }
}
