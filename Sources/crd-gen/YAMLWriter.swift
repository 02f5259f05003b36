import RayAPI

/// Block-style YAML for a JSON value, as `kubectl` and controller-gen print it (sequences at their
/// key's indentation, two spaces per level). Strings that YAML could read as anything but the same
/// string are written double-quoted with JSON escapes, which YAML reads back exactly.
enum YAMLWriter {
    static func document(_ value: JSONValue) -> String {
        var out = "---\n"
        write(value, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .object(let object) where !object.isEmpty:
            for member in object {
                out += String(repeating: " ", count: indent) + scalar(member.key) + ":"
                writeChild(member.value, indent: indent, sequenceIndent: indent, into: &out)
            }
        case .array(let elements) where !elements.isEmpty:
            for element in elements {
                out += String(repeating: " ", count: indent) + "-"
                switch element {
                case .object(let object) where !object.isEmpty:
                    // The first member shares the dash's line; the rest align under it.
                    var first = true
                    for member in object {
                        if first {
                            out += " " + scalar(member.key) + ":"
                            first = false
                        } else {
                            out += String(repeating: " ", count: indent + 2) + scalar(member.key) + ":"
                        }
                        writeChild(member.value, indent: indent + 2, sequenceIndent: indent + 2, into: &out)
                    }
                case .array(let inner) where !inner.isEmpty:
                    out += "\n"
                    write(element, indent: indent + 2, into: &out)
                default:
                    out += " " + inline(element) + "\n"
                }
            }
        default:
            out += String(repeating: " ", count: indent) + inline(value) + "\n"
        }
    }

    /// The value of a mapping key: nested block on the next lines, or a scalar on the same line.
    private static func writeChild(_ value: JSONValue, indent: Int, sequenceIndent: Int, into out: inout String) {
        switch value {
        case .object(let object) where !object.isEmpty:
            out += "\n"
            write(value, indent: indent + 2, into: &out)
        case .array(let elements) where !elements.isEmpty:
            out += "\n"
            write(value, indent: sequenceIndent, into: &out)
        default:
            out += " " + inline(value) + "\n"
        }
    }

    private static func inline(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let literal): return literal
        case .string(let s): return scalar(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// Words YAML 1.1 or 1.2 resolve to booleans or null.
    static let reservedWords: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]

    static func scalar(_ s: String) -> String {
        isPlainSafe(s) ? s : quoted(s)
    }

    static func isPlainSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        if reservedWords.contains(s.lowercased()) { return false }
        // Only a letter, `_` or `/` may start a plain scalar: digits, signs and dots could make a
        // number ("1.0", "0x1"), and most other characters are YAML indicators (' " > | & * ! % @ …).
        let startsSafely = ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_" || first == "/"
        if !startsSafely { return false }
        if first == " " || last == " " { return false }
        for c in s.unicodeScalars {
            let ok = ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || " _./()',+-=<>$^".unicodeScalars.contains(c)
            if !ok { return false }
        }
        return true
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    let hex = String(c.value, radix: 16, uppercase: true)
                    out += "\\x" + String(repeating: "0", count: max(0, 2 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}
