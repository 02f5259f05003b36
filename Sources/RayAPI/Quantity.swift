// Kubernetes `resource.Quantity`: parsing, canonical formatting, Value/MilliValue, comparison.
//
// Behaviour follows k8s.io/apimachinery/pkg/api/resource (ParseQuantity, CanonicalizeBytes,
// String): the same accepted texts, the same canonical strings (`1.5` → `1500m`, `0.5Gi` →
// `512Mi`, `1000` → `1k`), the same rounding (values finer than 1n round up, away from zero) and
// the same cap (values that take Kubernetes' arbitrary-precision path are capped at 2^63-1).
// Like Kubernetes, `description` returns the input text unchanged when it is already in a
// canonical shape (that is what `MustParse(x).String()` prints); `canonical` always computes.
//
// Arithmetic is exact: the value is kept as decimal digits and a base-10 exponent (no Double).
// Every size is bounded by `maxTextLength`: digits come only from the input (plus at most 19 from
// a binary suffix), and huge exponents are kept as numbers, never expanded into digits.
import JSON

/// A Quantity could not be parsed. `message` is Kubernetes' own error text where one exists.
package struct QuantityError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }

    /// Kubernetes' ErrFormatWrong.
    package static let formatWrong = QuantityError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    /// Kubernetes' ErrSuffix.
    package static let suffix = QuantityError("unable to parse quantity's suffix")
    /// Ours: input longer than `Quantity.maxTextLength`.
    package static let tooLong = QuantityError("quantity is longer than \(Quantity.maxTextLength) bytes")
}

package struct Quantity: Sendable, CustomStringConvertible {
    /// How the quantity prints: the suffix family of the text it was parsed from.
    package enum Format: String, Sendable {
        /// e.g. 12e6
        case decimalExponent = "DecimalExponent"
        /// e.g. 12Mi (12 * 2^20)
        case binarySI = "BinarySI"
        /// e.g. 12M (12 * 10^6)
        case decimalSI = "DecimalSI"
    }

    /// Longest accepted text (bytes). Real quantities are a few characters; this bounds the work
    /// a hostile value can cause.
    package static let maxTextLength = 256

    package let format: Format
    /// True for values below zero.
    package let isNegative: Bool
    /// Magnitude = digits × 10^exponent; digits have no leading or trailing zeros (empty = zero).
    let digits: [UInt8]
    let exponent: Int
    /// The input text, when Kubernetes would print it back unchanged.
    let verbatim: String?

    // MARK: Parsing

    /// Parses like `resource.ParseQuantity` (no surrounding whitespace allowed).
    package init(parsing text: String) throws(QuantityError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .formatWrong }
        guard bytes.count <= Quantity.maxTextLength else { throw .tooLong }
        let parts = try Quantity.split(bytes)
        let (base, suffixExponent, format) = try Quantity.interpret(parts.suffix)
        self = Quantity.build(text: text, parts: parts, base: base, suffixExponent: suffixExponent, format: format)
    }

    /// A quantity written in JSON as a string or a number (how Kubernetes accepts it).
    package init(json: JSONValue) throws(QuantityError) {
        guard let text = json.quantityText else { throw .formatWrong }
        try self.init(parsing: text)
    }

    /// An integer quantity, as `resource.NewQuantity(value, format)`.
    package init(_ value: Int64, format: Format = .decimalSI) {
        var magnitude = Array(String(value.magnitude).utf8).map { $0 &- 0x30 }
        if magnitude == [0] { magnitude = [] }
        let (digits, exponent) = Quantity.normalize(magnitude, exponent: 0)
        self.init(format: format, isNegative: value < 0, digits: digits, exponent: exponent, verbatim: nil)
    }

    init(format: Format, isNegative: Bool, digits: [UInt8], exponent: Int, verbatim: String?) {
        self.format = format
        self.isNegative = isNegative && !digits.isEmpty
        self.digits = digits
        self.exponent = exponent
        self.verbatim = verbatim
    }

    /// The pieces of the text (parseQuantityString): sign, integer digits without leading zeros,
    /// fraction digits, suffix bytes.
    struct Parts {
        var positive = true
        var integer: ArraySlice<UInt8> = []
        var fraction: ArraySlice<UInt8> = []
        var suffix: ArraySlice<UInt8> = []
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isSuffixLetter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "u"),
             UInt8(ascii: "m"), UInt8(ascii: "k"), UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G"),
             UInt8(ascii: "T"), UInt8(ascii: "P"):
            return true
        default:
            return false
        }
    }

    static func split(_ bytes: [UInt8]) throws(QuantityError) -> Parts {
        var parts = Parts()
        let end = bytes.count
        var position = 0
        if bytes[0] == UInt8(ascii: "-") {
            parts.positive = false
            position = 1
        } else if bytes[0] == UInt8(ascii: "+") {
            position = 1
        }
        while position < end && bytes[position] == UInt8(ascii: "0") { position += 1 }
        if position == end { return parts }  // all zeros (or just a sign): zero

        let integerStart = position
        while position < end && isDigit(bytes[position]) { position += 1 }
        parts.integer = bytes[integerStart..<position]
        if position == end { return parts }

        if bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < end && isDigit(bytes[position]) { position += 1 }
            parts.fraction = bytes[fractionStart..<position]
            if position == end { return parts }
        }

        let suffixStart = position
        while position < end && isSuffixLetter(bytes[position]) { position += 1 }
        if position < end && (bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+")) { position += 1 }
        while position < end && isDigit(bytes[position]) { position += 1 }
        guard position == end else { throw .formatWrong }
        parts.suffix = bytes[suffixStart..<end]
        return parts
    }

    /// Suffix → (base, exponent, format), as the Kubernetes suffixer interprets it.
    static func interpret(_ suffix: ArraySlice<UInt8>) throws(QuantityError) -> (base: Int, exponent: Int32, format: Format) {
        switch String(decoding: suffix, as: UTF8.self) {
        case "n": return (10, -9, .decimalSI)
        case "u": return (10, -6, .decimalSI)
        case "m": return (10, -3, .decimalSI)
        case "": return (10, 0, .decimalSI)
        case "k": return (10, 3, .decimalSI)
        case "M": return (10, 6, .decimalSI)
        case "G": return (10, 9, .decimalSI)
        case "T": return (10, 12, .decimalSI)
        case "P": return (10, 15, .decimalSI)
        case "E": return (10, 18, .decimalSI)
        case "Ki": return (2, 10, .binarySI)
        case "Mi": return (2, 20, .binarySI)
        case "Gi": return (2, 30, .binarySI)
        case "Ti": return (2, 40, .binarySI)
        case "Pi": return (2, 50, .binarySI)
        case "Ei": return (2, 60, .binarySI)
        default: break
        }
        guard suffix.count > 1, let first = suffix.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E"),
              let parsed = parseInt64(suffix.dropFirst()) else { throw .suffix }
        // Kubernetes converts the parsed int64 to int32 by truncation.
        return (10, Int32(truncatingIfNeeded: parsed), .decimalExponent)
    }

    /// strconv.ParseInt(s, 10, 64): optional sign, at least one digit, in range.
    private static func parseInt64(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var rest = bytes[...]
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var magnitude: UInt64 = 0
        for byte in rest {
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- 0x30))
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// ParseQuantity after the split: the int64 fast path (exact, string possibly reused) or the
    /// arbitrary-precision path (rounded up to 1n, capped at 2^63-1).
    static func build(text: String, parts: Parts, base: Int, suffixExponent: Int32, format: Format) -> Quantity {
        // Kubernetes counts an empty integer part as "0" (one digit).
        let integerDigits = parts.integer.isEmpty ? [UInt8(ascii: "0")] : Array(parts.integer)
        let shifted = integerDigits + Array(parts.fraction)
        let fractionCount = Int32(truncatingIfNeeded: parts.fraction.count)
        let rawDigits = shifted.map { $0 &- 0x30 }

        var precision: Int = -1
        var scale: Int32 = 0
        switch format {
        case .decimalExponent, .decimalSI:
            scale = suffixExponent
            precision = 18 - shifted.count
        case .binarySI:
            if suffixExponent >= 0 && parts.fraction.isEmpty {
                // 15 - len(num) - int(exponent*3/10) - 1, as Kubernetes estimates it.
                precision = 14 - integerDigits.count - Int(suffixExponent) * 3 / 10
            }
        }

        if precision >= 0 {
            scale = scale &- fractionCount
            if scale >= -9, let value = Int64(String(decoding: shifted, as: UTF8.self)) {
                var fastDigits = rawDigits
                var fastExponent = Int(scale)
                var fits = true
                if format == .binarySI {
                    let (product, overflow) = value.multipliedReportingOverflow(by: Int64(1) << Int64(suffixExponent))
                    fits = !overflow
                    fastDigits = Array(String(product).utf8).map { $0 &- 0x30 }
                    fastExponent = 0
                }
                if fits {
                    let (digits, exponent) = normalize(fastDigits, exponent: fastExponent)
                    var verbatim: String?
                    switch format {
                    case .binarySI:
                        if suffixExponent % 10 == 0 && value & 0x07 != 0 { verbatim = text }
                    case .decimalSI, .decimalExponent:
                        let endsWith000 = shifted.count >= 3 && shifted.suffix(3).allSatisfy { $0 == UInt8(ascii: "0") }
                        if scale % 3 == 0 && !endsWith000 && shifted.first != UInt8(ascii: "0") { verbatim = text }
                    }
                    return Quantity(format: format, isNegative: !parts.positive, digits: digits, exponent: exponent, verbatim: verbatim)
                }
            }
        }

        // Arbitrary-precision path.
        var digits = rawDigits
        var exponent: Int
        if base == 10 {
            exponent = Int(suffixExponent &- fractionCount)
        } else {
            exponent = -Int(fractionCount)
            var remaining = Int(suffixExponent)
            while remaining >= 10 {
                digits = multiply(digits, by: 1024)
                remaining -= 10
            }
            if remaining > 0 { digits = multiply(digits, by: UInt32(1) << UInt32(remaining)) }
        }
        (digits, exponent) = normalize(digits, exponent: exponent)
        var finalFormat = format
        if !digits.isEmpty {
            (digits, exponent) = roundUpToNano(digits, exponent: exponent)
            if compareMagnitude(digits, exponent, maxInt64Digits, 0) == .greater {
                (digits, exponent) = normalize(maxInt64Digits, exponent: 0)
            }
            if format == .binarySI && compareMagnitude(digits, exponent, [1], 0) == .less {
                finalFormat = .decimalSI
            }
        }
        return Quantity(format: finalFormat, isNegative: !parts.positive, digits: digits, exponent: exponent, verbatim: nil)
    }

    // MARK: Exact decimal helpers

    static let maxInt64Digits: [UInt8] = Array(String(Int64.max).utf8).map { $0 &- 0x30 }

    /// Drops leading zeros and moves trailing zeros into the exponent.
    static func normalize(_ digits: [UInt8], exponent: Int) -> ([UInt8], Int) {
        guard let first = digits.firstIndex(where: { $0 != 0 }), let last = digits.lastIndex(where: { $0 != 0 }) else {
            return ([], 0)
        }
        return (Array(digits[first...last]), exponent &+ (digits.count - 1 - last))
    }

    /// digits × factor (factor ≤ 2^20), digit arithmetic.
    static func multiply(_ digits: [UInt8], by factor: UInt32) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: digits.count)
        var carry: UInt64 = 0
        for index in stride(from: digits.count - 1, through: 0, by: -1) {
            let product = UInt64(digits[index]) * UInt64(factor) + carry
            result[index] = UInt8(product % 10)
            carry = product / 10
        }
        var head: [UInt8] = []
        while carry > 0 {
            head.append(UInt8(carry % 10))
            carry /= 10
        }
        return Array(head.reversed()) + result
    }

    /// Rounds a non-zero magnitude up to a multiple of 10^-9.
    static func roundUpToNano(_ digits: [UInt8], exponent: Int) -> ([UInt8], Int) {
        guard exponent < -9 else { return (digits, exponent) }
        let drop = -9 - exponent  // digits below the nano place
        if drop >= digits.count { return ([1], -9) }
        var kept = Array(digits[..<(digits.count - drop)])
        // digits are normalized (last digit non-zero), so something non-zero was dropped.
        var index = kept.count - 1
        while index >= 0 {
            if kept[index] < 9 {
                kept[index] += 1
                break
            }
            kept[index] = 0
            index -= 1
        }
        if index < 0 { kept.insert(1, at: 0) }
        return normalize(kept, exponent: -9)
    }

    enum Order { case less, equal, greater }

    /// Compares the magnitudes a × 10^ea and b × 10^eb (both normalized).
    static func compareMagnitude(_ a: [UInt8], _ ea: Int, _ b: [UInt8], _ eb: Int) -> Order {
        if a.isEmpty || b.isEmpty {
            if a.isEmpty && b.isEmpty { return .equal }
            return a.isEmpty ? .less : .greater
        }
        // Position of the leading digit.
        let leadA = ea &+ a.count
        let leadB = eb &+ b.count
        if leadA != leadB { return leadA < leadB ? .less : .greater }
        let length = max(a.count, b.count)
        for index in 0..<length {
            let da: UInt8 = index < a.count ? a[index] : 0
            let db: UInt8 = index < b.count ? b[index] : 0
            if da != db { return da < db ? .less : .greater }
        }
        return .equal
    }

    // MARK: Formatting

    /// What `Quantity.String()` prints: the input when it was already canonical, else `canonical`.
    package var description: String { verbatim ?? canonical }

    /// The canonical form (CanonicalizeBytes), computed from the value and format.
    package var canonical: String {
        if digits.isEmpty { return "0" }
        let sign = isNegative ? "-" : ""
        if format == .binarySI,
           Quantity.compareMagnitude(digits, exponent, [1, 0, 2, 4], 0) != .less,
           let integer = integerMagnitude {
            var amount = integer
            var times = 0
            while amount >= 1024 && amount % 1024 == 0 {
                amount /= 1024
                times += 1
            }
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            return sign + String(amount) + (times < suffixes.count ? suffixes[times] : "")
        }
        // Decimal: exponent rounded down to a multiple of 3, padding the digits with zeros.
        let remainder = ((exponent % 3) + 3) % 3
        let number = String(decoding: (digits + [UInt8](repeating: 0, count: remainder)).map { $0 &+ 0x30 }, as: UTF8.self)
        let printedExponent = exponent - remainder
        let format = self.format == .binarySI ? Format.decimalSI : self.format
        switch format {
        case .decimalExponent:
            return sign + number + (printedExponent == 0 ? "" : "e\(printedExponent)")
        default:
            let suffix: String
            switch printedExponent {
            case -9: suffix = "n"
            case -6: suffix = "u"
            case -3: suffix = "m"
            case 3: suffix = "k"
            case 6: suffix = "M"
            case 9: suffix = "G"
            case 12: suffix = "T"
            case 15: suffix = "P"
            case 18: suffix = "E"
            default: suffix = ""  // Kubernetes has no suffix beyond E either and prints none.
            }
            return sign + number + suffix
        }
    }

    /// The magnitude when it is an integer that fits UInt64.
    private var integerMagnitude: UInt64? {
        guard exponent >= 0, digits.count &+ exponent <= 20 else { return nil }
        var value: UInt64 = 0
        for digit in digits + [UInt8](repeating: 0, count: exponent) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    // MARK: Values

    /// True for zero.
    package var isZero: Bool { digits.isEmpty }

    /// The value rounded up (away from zero) to an integer, as `Value()`; nil when it does not
    /// fit Int64.
    package var value: Int64? { scaledValue(0) }

    /// The value in thousandths rounded up (away from zero), as `MilliValue()`; nil when it does
    /// not fit Int64.
    package var milliValue: Int64? { scaledValue(3) }

    /// ceil(|value| × 10^shift) with the sign, or nil on overflow.
    func scaledValue(_ shift: Int) -> Int64? {
        if digits.isEmpty { return 0 }
        let scaledExponent = exponent &+ shift
        var magnitude: UInt64 = 0
        var roundUp = false
        if scaledExponent >= 0 {
            guard digits.count &+ scaledExponent <= 19 else { return nil }
            for digit in digits + [UInt8](repeating: 0, count: scaledExponent) {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                guard !overflow1, !overflow2 else { return nil }
                magnitude = sum
            }
        } else {
            let keep = digits.count &+ scaledExponent  // digits before the decimal point
            if keep <= 0 {
                roundUp = true
            } else {
                guard keep <= 19 else { return nil }
                for digit in digits[..<keep] {
                    let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                    guard !overflow1, !overflow2 else { return nil }
                    magnitude = sum
                }
                roundUp = true  // normalized digits: the dropped part is non-zero
            }
        }
        if roundUp {
            let (next, overflow) = magnitude.addingReportingOverflow(1)
            guard !overflow else { return nil }
            magnitude = next
        }
        if isNegative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}

// MARK: - Comparison

/// Quantities compare by value, like `Quantity.Cmp`; the format and the text do not matter
/// (`1Ki == 1024`).
extension Quantity: Comparable {
    package static func == (lhs: Quantity, rhs: Quantity) -> Bool { compare(lhs, rhs) == .equal }

    package static func < (lhs: Quantity, rhs: Quantity) -> Bool { compare(lhs, rhs) == .less }

    static func compare(_ lhs: Quantity, _ rhs: Quantity) -> Order {
        switch (lhs.isNegative, rhs.isNegative) {
        case (false, true): return .greater
        case (true, false): return .less
        case (false, false): return compareMagnitude(lhs.digits, lhs.exponent, rhs.digits, rhs.exponent)
        case (true, true):
            switch compareMagnitude(lhs.digits, lhs.exponent, rhs.digits, rhs.exponent) {
            case .less: return .greater
            case .greater: return .less
            case .equal: return .equal
            }
        }
    }
}

// MARK: - The CRD schema's quantity pattern

extension Quantity {
    /// The pattern controller-gen puts on quantity fields of a CRD (`x-kubernetes-int-or-string`
    /// with this pattern): stricter than the parser (no bare sign, no lone suffix).
    package static let schemaPattern =
        #"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#

    /// Whether `text` matches `schemaPattern` (hand-matched; linear time).
    package static func matchesSchemaPattern(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxTextLength else { return false }
        var position = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard let afterNumber = matchNumber(bytes, from: position) else { return false }
        let rest = bytes[afterNumber...]
        if rest.isEmpty { return true }
        if rest.count == 2, let first = rest.first, Array("KMGTPE".utf8).contains(first), rest.last == UInt8(ascii: "i") { return true }
        if rest.count == 1, let only = rest.first, Array("numkMGTPE".utf8).contains(only) { return true }
        guard let first = rest.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else { return false }
        var exponentStart = afterNumber + 1
        if exponentStart < bytes.count, bytes[exponentStart] == UInt8(ascii: "+") || bytes[exponentStart] == UInt8(ascii: "-") {
            exponentStart += 1
        }
        return matchNumber(bytes, from: exponentStart) == bytes.count
    }

    /// `([0-9]+(\.[0-9]*)?)|(\.[0-9]+)` from `start`; the end position, or nil when none matches.
    private static func matchNumber(_ bytes: [UInt8], from start: Int) -> Int? {
        var position = start
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        let integerDigits = position - start
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            let fractionStart = position + 1
            position = fractionStart
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            if integerDigits == 0 && position == fractionStart { return nil }
            return position
        }
        return integerDigits > 0 ? position : nil
    }
}
