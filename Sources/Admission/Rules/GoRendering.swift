import JSON
import RayAPI

/// How Go prints values inside KubeRay's and apimachinery's messages, so ours read the same:
/// `%q` for strings, `%v` for numbers and booleans, and `encoding/json` (compact, HTML-safe
/// escaping) for objects and lists, which apimachinery uses for a structured `BadValue`.
enum GoRendering {
    /// apimachinery's rendering of a field error's BadValue.
    static func badValue(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let literal): return literal
        case .string(let s): return quote(s)
        case .array, .object:
            var out = ""
            appendJSON(value, to: &out)
            return out
        }
    }

    /// Go's `strconv.Quote` (`%q`): double quotes, backslash escapes for quotes, backslashes and
    /// control characters; printable Unicode is kept as it is.
    static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count &+ 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0x7F {
                    out += "\\x" + hex(v, digits: 2)
                } else if (0x80...0x9F).contains(v) || v == 0xAD || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                    // Non-printable by Go's unicode.IsPrint: escaped as \u.
                    out += "\\u" + hex(v, digits: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// Go's `encoding/json` compact output for one value (keys in the object's order).
    static func appendJSON(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let literal): out += literal
        case .string(let s): appendJSONString(s, to: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                appendJSON(element, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, member) in object.members.enumerated() {
                if i > 0 { out += "," }
                appendJSONString(member.key, to: &out)
                out += ":"
                appendJSON(member.value, to: &out)
            }
            out += "}"
        }
    }

    /// Go's JSON string escaping, including its HTML-safe escapes of `<`, `>`, `&`.
    static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + hex(scalar.value, digits: 4)
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + hex(scalar.value, digits: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Go's `%v` of a `[]string`: `[a b c]`.
    static func list(_ items: [String]) -> String {
        var out = "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += " " }
            out += item
        }
        return out + "]"
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        if text.count >= digits { return text }
        return String(repeating: "0", count: digits &- text.count) + text
    }
}
