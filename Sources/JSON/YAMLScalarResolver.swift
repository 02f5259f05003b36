// How a YAML scalar becomes a JSON value, the way kubectl reads manifests: sigs.k8s.io/yaml on top
// of go-yaml v2, which follows YAML 1.1. Pure functions; the loader feeds them libyaml's scalars.
//
// Plain (unquoted) scalars:
//   null     ""  ~  null Null NULL
//   bool     y Y yes Yes YES on On ON true True TRUE  /  n N no No NO off Off OFF false False FALSE
//   int      decimal with optional sign, `_` separators ignored, 0x hex, 0o and leading-0 octal, 0b binary
//   float    [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)?   (.inf / .nan: error, JSON has none)
//   string   everything else, timestamps included (go-yaml keeps them strings for interface{} targets)
// Quoted scalars and `!!str` are strings; `!!int`, `!!float`, `!!bool`, `!!null` are checked.
//
// Where we differ from kubectl, on purpose, to stay lossless: floats keep their digits as a JSON
// literal (`1.50` stays `1.50`, kubectl re-formats to `1.5`), `-0` stays `-0`, and a float too big
// for a Double (`1e400`) is a number, not a string.

enum YAMLScalarResolver {
    /// What a scalar resolved to. `merge` is the `<<` merge key.
    enum Resolved: Equatable {
        case value(JSONValue)
        case merge
    }

    /// The kind a plain scalar resolves to, for checking explicit tags.
    enum Kind: Equatable {
        case null, bool, int, float, string, merge
    }

    static let trueWords: Set<String> = ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"]
    static let falseWords: Set<String> = ["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"]
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
    static let specialFloats: Set<String> = [
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
    ]

    /// Resolves a scalar. `tag` is the scalar's tag as libyaml reports it (nil when untagged);
    /// `plain` is true for the plain (unquoted) style. Returns the reason on failure.
    static func resolve(_ text: String, tag: String?, plain: Bool) -> Result<Resolved, YAMLScalarError> {
        let tag = tag.map(shortTag)
        switch tag {
        case nil:
            if !plain { return .success(.value(.string(text))) }
            return resolvePlain(text).map { $0.resolved }
        case "!", "!!str", "!!binary", "!!timestamp":
            return .success(.value(.string(text)))
        case "!!merge":
            return text == "<<" ? .success(.merge) : .failure("cannot decode !!str `\(excerpt(text))` as a !!merge")
        case "!!null", "!!bool", "!!int", "!!float":
            let wanted: Kind = tag == "!!null" ? .null : tag == "!!bool" ? .bool : tag == "!!int" ? .int : .float
            switch resolvePlain(text) {
            case .failure(let reason):
                return .failure(reason)
            case .success(let result):
                if result.kind == wanted { return .success(result.resolved) }
                if wanted == .float, result.kind == .int, case .value(let v) = result.resolved {
                    // go-yaml turns an int tagged !!float into a float.
                    switch v {
                    case .integer(let n): return .success(.value(.number("\(n).0")))
                    case .number(let digits): return .success(.value(.number(digits + ".0")))
                    default: break
                    }
                }
                return .failure("cannot decode \(kindTag(result.kind)) `\(excerpt(text))` as a \(tag ?? "")")
            }
        case "!!map", "!!seq", "!!omap", "!!set", "!!pairs":
            return .failure("cannot decode a scalar as a \(tag ?? "")")
        default:
            // An application tag go-yaml cannot resolve: the text stays a string.
            return .success(.value(.string(text)))
        }
    }

    /// `tag:yaml.org,2002:int` → `!!int`.
    static func shortTag(_ tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        if tag.hasPrefix(prefix) { return "!!" + tag.dropFirst(prefix.count) }
        return tag
    }

    private static func kindTag(_ kind: Kind) -> String {
        switch kind {
        case .null: return "!!null"
        case .bool: return "!!bool"
        case .int: return "!!int"
        case .float: return "!!float"
        case .string: return "!!str"
        case .merge: return "!!merge"
        }
    }

    private static func excerpt(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }

    /// YAML 1.1 resolution of a plain scalar.
    static func resolvePlain(_ text: String) -> Result<(resolved: Resolved, kind: Kind), YAMLScalarError> {
        // Every reserved word is at most 5 bytes: longer text skips the set lookups.
        if text.utf8.count <= 5 {
            if nullWords.contains(text) { return .success((.value(.null), .null)) }
            if trueWords.contains(text) { return .success((.value(.bool(true)), .bool)) }
            if falseWords.contains(text) { return .success((.value(.bool(false)), .bool)) }
            if text == "<<" { return .success((.merge, .merge)) }
            if specialFloats.contains(text) {
                return .failure("the float \(text) cannot be represented in JSON")
            }
        }
        guard let first = text.utf8.first, first == 0x2B || first == 0x2D || first == 0x2E || (first >= 0x30 && first <= 0x39) else {
            return .success((.value(.string(text)), .string))
        }
        let plain = Array(text.utf8.filter { $0 != 0x5F })  // go-yaml drops every `_` first
        if let integer = parseInteger(plain) { return .success((.value(integer), .int)) }
        if let float = floatLiteral(plain) { return .success((.value(float), .float)) }
        return .success((.value(.string(text)), .string))
    }

    /// Go's strconv.ParseInt(s, 0, 64), then ParseUint: optional sign, then 0x / 0o / 0b prefix,
    /// leading-0 octal, or decimal. Values beyond Int64 (up to UInt64) keep their decimal digits;
    /// a decimal `-0` stays the literal `-0` (as the JSON parser keeps it).
    static func parseInteger(_ s: [UInt8]) -> JSONValue? {
        var i = 0
        var negative = false
        if i < s.count && (s[i] == 0x2B || s[i] == 0x2D) {
            negative = s[i] == 0x2D
            i += 1
        }
        var base: UInt64 = 10
        if s.count - i >= 2 && s[i] == 0x30 {
            switch s[i + 1] {
            case 0x78, 0x58: base = 16; i += 2     // 0x
            case 0x6F, 0x4F: base = 8; i += 2      // 0o
            case 0x62, 0x42: base = 2; i += 2      // 0b
            default: base = 8; i += 1              // leading 0: octal
            }
        }
        guard i < s.count else { return nil }
        var magnitude: UInt64 = 0
        while i < s.count {
            let b = s[i]
            let digit: UInt64
            switch b {
            case 0x30...0x39: digit = UInt64(b - 0x30)
            case 0x61...0x66: digit = UInt64(b - 0x61 + 10)
            case 0x41...0x46: digit = UInt64(b - 0x41 + 10)
            default: return nil
            }
            guard digit < base else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: base)
            let (sum, o2) = m.addingReportingOverflow(digit)
            guard !o1 && !o2 else { return nil }  // beyond UInt64: not an int (maybe a float)
            magnitude = sum
            i += 1
        }
        if negative {
            if magnitude == 0 { return base == 10 ? .number("-0") : .integer(0) }
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return .integer(Int64(bitPattern: 0 &- magnitude))
        }
        if magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
        return .number(String(magnitude))
    }

    /// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, rewritten
    /// as a valid JSON literal that keeps the digits: `+` dropped, `.5` → `0.5`, `1.` → `1.0`,
    /// leading zeros dropped. A result without fraction or exponent (`08`, 2^70) is an integer.
    static func floatLiteral(_ s: [UInt8]) -> JSONValue? {
        var i = 0
        var out: [UInt8] = []
        out.reserveCapacity(s.count + 2)
        if i < s.count && (s[i] == 0x2B || s[i] == 0x2D) {
            if s[i] == 0x2D { out.append(0x2D) }
            i += 1
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        let intStart = i
        while i < s.count && isDigit(s[i]) { i += 1 }
        var intDigits = Array(s[intStart..<i])
        while intDigits.count > 1 && intDigits[0] == 0x30 { intDigits.removeFirst() }
        var hasFraction = false
        var fraction: [UInt8] = []
        if i < s.count && s[i] == 0x2E {
            hasFraction = true
            i += 1
            let fracStart = i
            while i < s.count && isDigit(s[i]) { i += 1 }
            fraction = Array(s[fracStart..<i])
            // `.5` needs digits after the point; `1.` needs digits before it.
            if intDigits.isEmpty && fraction.isEmpty { return nil }
        } else if intDigits.isEmpty {
            return nil
        }
        var exponent: [UInt8] = []
        if i < s.count && (s[i] == 0x65 || s[i] == 0x45) {
            exponent.append(s[i])
            i += 1
            if i < s.count && (s[i] == 0x2B || s[i] == 0x2D) {
                exponent.append(s[i])
                i += 1
            }
            let expStart = i
            while i < s.count && isDigit(s[i]) { i += 1 }
            guard i > expStart else { return nil }
            exponent.append(contentsOf: s[expStart..<i])
        }
        guard i == s.count else { return nil }
        out.append(contentsOf: intDigits.isEmpty ? [0x30] : intDigits)
        if hasFraction {
            out.append(0x2E)
            out.append(contentsOf: fraction.isEmpty ? [0x30] : fraction)
        }
        out.append(contentsOf: exponent)
        let literal = String(decoding: out, as: UTF8.self)
        if !hasFraction && exponent.isEmpty {
            // Digits only (bad octal such as 08, or beyond UInt64): an integer to JSON.
            if let n = Int64(literal) { return n == 0 && out.first == 0x2D ? .number("-0") : .integer(n) }
        }
        return .number(literal)
    }
}

/// Why a scalar cannot be resolved (the loader adds the position).
struct YAMLScalarError: Error, Equatable, ExpressibleByStringInterpolation {
    var reason: String
    init(stringLiteral value: String) { reason = value }
    init(stringInterpolation: DefaultStringInterpolation) { reason = String(stringInterpolation: stringInterpolation) }
}
