// JSONValue → block-style YAML, shaped like `kubectl get -o yaml`: 2-space indentation, keys in
// the object's order, sequence items at their parent key's indentation (`- name: x`), `{}`/`[]` for
// empty collections.
//
// A string is written plain only when reading it back (YAML 1.1, as kubectl does) gives the same
// string: not `yes`, `1`, `null`, `~`, `<<`, …; no indicator first character; no `: ` or ` #`; no
// leading/trailing space; nothing non-printable. Multi-line strings become literal blocks (`|`,
// `|-`) when that is exact, double-quoted strings with escapes otherwise. Everything else that is
// not plain-safe is double-quoted. `Manifest.decode(yaml(v))` gives back `v`.

struct YAMLEmitter {
    private(set) var output = ""

    /// Longer keys are written as explicit `? key` entries (YAML caps implicit keys at 1024 characters).
    static let maxImplicitKeyLength = 1000

    mutating func emitDocument(_ value: JSONValue) {
        switch value {
        case .object(let object) where !object.isEmpty:
            emitMapping(object, indent: 0, firstLineIndented: true)
        case .array(let elements) where !elements.isEmpty:
            emitSequence(elements, indent: 0, firstLineIndented: true)
        default:
            if case .string(let s) = value, let block = YAMLEmitter.literalBlock(s, indent: 2) {
                output += block
            } else {
                output += YAMLEmitter.scalar(value)
                output += "\n"
            }
        }
    }

    private mutating func pad(_ n: Int) {
        output += String(repeating: " ", count: n)
    }

    /// Members at `indent`; the first member's indentation is already written when
    /// `firstLineIndented` is false (it follows a `- `).
    private mutating func emitMapping(_ object: JSONObject, indent: Int, firstLineIndented: Bool) {
        var first = true
        for member in object.members {
            if !first || firstLineIndented { pad(indent) }
            first = false
            let key = YAMLEmitter.string(member.key)
            if key.utf8.count > YAMLEmitter.maxImplicitKeyLength {
                // libyaml reads at most 1024 characters of an implicit key: use an explicit one.
                output += "? " + key + "\n"
                pad(indent)
            } else {
                output += key
            }
            output += ":"
            emitValueAfterIndicator(member.value, indent: indent, inSequence: false)
        }
    }

    private mutating func emitSequence(_ elements: [JSONValue], indent: Int, firstLineIndented: Bool) {
        var first = true
        for element in elements {
            if !first || firstLineIndented { pad(indent) }
            first = false
            output += "-"
            emitValueAfterIndicator(element, indent: indent, inSequence: true)
        }
    }

    /// Writes what follows `key:` or `-` (at `indent`), ending with a newline.
    private mutating func emitValueAfterIndicator(_ value: JSONValue, indent: Int, inSequence: Bool) {
        switch value {
        case .object(let object) where !object.isEmpty:
            if inSequence {
                output += " "
                emitMapping(object, indent: indent &+ 2, firstLineIndented: false)
            } else {
                output += "\n"
                emitMapping(object, indent: indent &+ 2, firstLineIndented: true)
            }
        case .array(let elements) where !elements.isEmpty:
            if inSequence {
                output += " "
                emitSequence(elements, indent: indent &+ 2, firstLineIndented: false)
            } else {
                // kubectl style: a sequence under a key sits at the key's indentation.
                output += "\n"
                emitSequence(elements, indent: indent, firstLineIndented: true)
            }
        default:
            if case .string(let s) = value, let block = YAMLEmitter.literalBlock(s, indent: indent &+ 2) {
                output += " "
                output += block
            } else {
                output += " "
                output += YAMLEmitter.scalar(value)
                output += "\n"
            }
        }
    }

    // MARK: - Scalars

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let n): return String(n)
        case .number(let literal): return JSONSerializer.isValidNumberLiteral(literal) ? literal : "null"
        case .string(let s): return string(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// A string as a plain scalar when that reads back as the same string, else double-quoted.
    static func string(_ s: String) -> String {
        isPlainSafe(s) ? s : doubleQuoted(s)
    }

    static func isPlainSafe(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        // Indicator characters cannot start a plain scalar (`-x` can, but not `- x` or `---`).
        switch first {
        case UInt8(ascii: "-"):
            if bytes.count == 1 || bytes[1] == 0x20 || s.hasPrefix("---") { return false }
        case UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"),
             UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""),
             UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"), 0x20:
            return false
        default:
            break
        }
        if last == 0x20 || last == UInt8(ascii: ":") || s.hasPrefix("...") { return false }
        var previous: UInt8 = 0
        for b in bytes {
            // Control characters and tab (quoted for clarity), ": " and " #".
            if b < 0x20 || b == 0x7F { return false }
            if b == 0x20 && previous == UInt8(ascii: ":") { return false }
            if b == UInt8(ascii: "#") && previous == 0x20 { return false }
            previous = b
        }
        for scalar in s.unicodeScalars where scalar.value >= 0x80 && !isPrintableInPlain(scalar.value) {
            return false
        }
        // Numbers-like text with ':' or '-' (times, dates, base-60) is quoted as kubectl does.
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        let signOrDot = first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
        if isDigit(first) || (signOrDot && bytes.count > 1 && isDigit(bytes[1])) {
            if bytes.dropFirst().contains(UInt8(ascii: ":")) || bytes.dropFirst().contains(UInt8(ascii: "-")) { return false }
        }
        // Finally, it must resolve to itself as a string (not yes/no/null/1/1.5/<<…).
        if case .success(let resolved) = YAMLScalarResolver.resolvePlain(s), resolved.kind == .string {
            return true
        }
        return false
    }

    /// Non-ASCII scalars a plain scalar may hold: YAML printable, and no YAML 1.1 line break
    /// (U+0085, U+2028, U+2029) or byte order mark.
    private static func isPrintableInPlain(_ v: UInt32) -> Bool {
        if v < 0xA0 { return false }
        if v == 0x2028 || v == 0x2029 || v == 0xFEFF { return false }
        if v >= 0xD800 && v <= 0xDFFF { return false }
        if v == 0xFFFE || v == 0xFFFF { return false }
        return true
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        let hex = Array("0123456789ABCDEF")
        func hexEscape(_ prefix: String, _ v: UInt32, digits: Int) -> String {
            var text = prefix
            var shift = (digits - 1) * 4
            while shift >= 0 {
                text.append(hex[Int((v >> UInt32(shift)) & 0xF)])
                shift -= 4
            }
            return text
        }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x00: out += "\\0"
            case 0x07: out += "\\a"
            case 0x08: out += "\\b"
            case 0x0B: out += "\\v"
            case 0x0C: out += "\\f"
            case 0x1B: out += "\\e"
            case 0x85: out += "\\N"
            case 0x2028: out += "\\L"
            case 0x2029: out += "\\P"
            case 0x01...0x1F, 0x7F...0x9F: out += hexEscape("\\x", v, digits: 2)
            case 0xFEFF, 0xFFFE, 0xFFFF: out += hexEscape("\\u", v, digits: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// A literal block (`|` or `|-`, then the lines at `indent`) for a multi-line string, when the
    /// block reads back exactly; nil otherwise.
    static func literalBlock(_ s: String, indent: Int) -> String? {
        guard s.utf8.contains(0x0A) else { return nil }
        guard let first = s.unicodeScalars.first, first != " ", first != "\t", first != "\n" else { return nil }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v == 0x0A || v == 0x09 { continue }
            if v < 0x20 || v == 0x7F { return nil }
            if v >= 0x80 && !isPrintableInPlain(v) { return nil }
        }
        var body = Substring(s)
        let header: String
        if body.hasSuffix("\n") {
            body = body.dropLast()
            if body.hasSuffix("\n") { return nil }  // more than one trailing newline: keep quoted
            header = "|"
        } else {
            header = "|-"
        }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        // A line of only spaces or tabs would be ambiguous with indentation; a last line ending in
        // whitespace too.
        for line in lines where !line.isEmpty && line.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
        var out = header + "\n"
        let padding = String(repeating: " ", count: indent)
        for line in lines {
            if !line.isEmpty { out += padding + line }
            out += "\n"
        }
        return out
    }
}
