import JSON
import RayAPI

/// RFC 6901 JSON Pointer tokens: the defaulter builds its patch paths with these, so a key that
/// contains `~` or `/` still addresses the right member (`~` → `~0`, `/` → `~1`).
package enum JSONPointer {
    /// Escapes one reference token.
    package static func escape(_ token: String) -> String {
        // Fast path: most keys (all of ours) need no escaping.
        if !token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) { return token }
        var out = ""
        out.reserveCapacity(token.utf8.count &+ 4)
        for character in token.unicodeScalars {
            switch character {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Unescapes one reference token; nil when it holds a `~` not followed by `0` or `1`.
    package static func unescape(_ token: Substring) -> String? {
        guard token.contains("~") else { return String(token) }
        var out = ""
        var pendingTilde = false
        for scalar in token.unicodeScalars {
            if pendingTilde {
                switch scalar {
                case "0": out += "~"
                case "1": out += "/"
                default: return nil
                }
                pendingTilde = false
            } else if scalar == "~" {
                pendingTilde = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return pendingTilde ? nil : out
    }

    /// The pointer for a list of unescaped tokens (`[]` is the whole document, `""`).
    package static func path(_ tokens: [String]) -> String {
        var out = ""
        for token in tokens {
            out += "/"
            out += escape(token)
        }
        return out
    }

    /// The unescaped tokens of a pointer; nil when it is not a valid pointer.
    package static func tokens(of pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for piece in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = unescape(piece) else { return nil }
            tokens.append(token)
        }
        return tokens
    }
}

/// Why a patch could not be applied (tests only; the webhook only ever builds patches).
package struct JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// RFC 6902 documents: serialisation of the operations the defaulter emits, and an `apply` with
/// the RFC's semantics so tests can check that a patch applies to the object as sent.
package enum JSONPatch {
    /// The patch as a JSON value: `[{"op":"add","path":"/a","value":…}, …]`.
    package static func jsonValue(_ operations: [JSONPatchOperation]) -> JSONValue {
        var elements: [JSONValue] = []
        elements.reserveCapacity(operations.count)
        for operation in operations {
            var object = JSONObject()
            object["op"] = .string(operation.op)
            object["path"] = .string(operation.path)
            if operation.op != "remove" { object["value"] = operation.value }
            elements.append(.object(object))
        }
        return .array(elements)
    }

    /// Compact JSON bytes of the patch document.
    package static func serialize(_ operations: [JSONPatchOperation]) -> [UInt8] {
        jsonValue(operations).serialized()
    }

    /// Reads a patch document (an array of operation objects). Supports add, remove, replace, test.
    package static func operations(from document: JSONValue) throws(JSONPatchError) -> [JSONPatchOperation] {
        guard let elements = document.arrayValue else { throw JSONPatchError("a JSON Patch must be an array") }
        var operations: [JSONPatchOperation] = []
        for (index, element) in elements.enumerated() {
            guard let op = element["op"]?.stringValue else { throw JSONPatchError("operation \(index): no op") }
            guard let path = element["path"]?.stringValue else { throw JSONPatchError("operation \(index): no path") }
            let value = element["value"]
            if op != "remove" && value == nil { throw JSONPatchError("operation \(index): no value") }
            operations.append(JSONPatchOperation(op: op, path: path, value: value ?? .null))
        }
        return operations
    }

    /// Applies the operations in order, as RFC 6902 says; throws on the first one that fails.
    package static func apply(_ operations: [JSONPatchOperation], to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var result = document
        for operation in operations {
            guard let tokens = JSONPointer.tokens(of: operation.path) else {
                throw JSONPatchError("invalid pointer \"\(operation.path)\"")
            }
            switch operation.op {
            case "add", "replace", "remove":
                try edit(&result, tokens[...], op: operation.op, value: operation.value, path: operation.path)
            case "test":
                guard let found = lookup(result, tokens[...]) else {
                    throw JSONPatchError("test: \(operation.path) does not exist")
                }
                guard found == operation.value else { throw JSONPatchError("test failed at \(operation.path)") }
            default:
                throw JSONPatchError("unsupported op \"\(operation.op)\"")
            }
        }
        return result
    }

    /// The value at a pointer, nil when absent.
    package static func lookup(_ document: JSONValue, _ tokens: ArraySlice<String>) -> JSONValue? {
        guard let first = tokens.first else { return document }
        switch document {
        case .object(let object):
            guard let child = object[first] else { return nil }
            return lookup(child, tokens.dropFirst())
        case .array(let elements):
            guard let index = arrayIndex(first, count: elements.count, allowEnd: false) else { return nil }
            return lookup(elements[index], tokens.dropFirst())
        default:
            return nil
        }
    }

    /// An array index token: digits without leading zeros (or `-` for the end when allowed),
    /// within `0...count` (`count` itself only when allowed, for add).
    private static func arrayIndex(_ token: String, count: Int, allowEnd: Bool) -> Int? {
        if token == "-" { return allowEnd ? count : nil }
        guard !token.isEmpty, token.utf8.count <= 18, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if token.utf8.count > 1 && token.utf8.first == 48 { return nil }
        guard let index = Int(token) else { return nil }
        return index < count || (allowEnd && index == count) ? index : nil
    }

    private static func edit(_ node: inout JSONValue, _ tokens: ArraySlice<String>, op: String, value: JSONValue, path: String) throws(JSONPatchError) {
        guard let first = tokens.first else {
            // The whole document.
            switch op {
            case "add", "replace": node = value
            default: throw JSONPatchError("remove: cannot remove the whole document")
            }
            return
        }
        let rest = tokens.dropFirst()
        switch node {
        case .object(var object):
            if rest.isEmpty {
                switch op {
                case "add":
                    object[first] = value
                case "replace":
                    guard object[first] != nil else { throw JSONPatchError("replace: \(path) does not exist") }
                    object[first] = value
                default:
                    guard object[first] != nil else { throw JSONPatchError("remove: \(path) does not exist") }
                    object[first] = nil
                }
            } else {
                guard var child = object[first] else { throw JSONPatchError("\(op): parent of \(path) does not exist") }
                try edit(&child, rest, op: op, value: value, path: path)
                object[first] = child
            }
            node = .object(object)
        case .array(var elements):
            if rest.isEmpty {
                guard let index = arrayIndex(first, count: elements.count, allowEnd: op == "add") else {
                    throw JSONPatchError("\(op): index \(first) out of range at \(path)")
                }
                switch op {
                case "add": elements.insert(value, at: index)
                case "replace": elements[index] = value
                default: elements.remove(at: index)
                }
            } else {
                guard let index = arrayIndex(first, count: elements.count, allowEnd: false) else {
                    throw JSONPatchError("\(op): parent of \(path) does not exist")
                }
                var child = elements[index]
                try edit(&child, rest, op: op, value: value, path: path)
                elements[index] = child
            }
            node = .array(elements)
        default:
            throw JSONPatchError("\(op): parent of \(path) is not an object or array")
        }
    }
}
