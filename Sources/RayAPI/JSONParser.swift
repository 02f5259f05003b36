// The RFC 8259 parser behind `JSONValue.parse`.
//
// Why it looks like this:
// - It reads straight from an unsafe buffer (no per-byte bounds-check traps, no iterator overhead);
//   every read is guarded by an explicit `i < end` test, so a short or hostile input ends in a
//   `JSONParseError`, never in a read past the buffer.
// - It is iterative, with its own stack of open containers, so nesting depth costs heap (bounded by
//   `maxDepth`) rather than call stack: no stack overflow whatever the limit is set to.
// - Elements of open containers live on one shared scratch stack; a container is built once, at its
//   closing bracket, with exactly the capacity it needs.
// - Strings without escapes or non-ASCII bytes (nearly all of a Kubernetes object) become a String in
//   one step; the rest goes through a slow path that validates UTF-8 and decodes escapes.

private let quote: UInt8 = 0x22        // "
private let backslash: UInt8 = 0x5C    // \
private let slash: UInt8 = 0x2F        // /
private let comma: UInt8 = 0x2C        // ,
private let colon: UInt8 = 0x3A        // :
private let openBracket: UInt8 = 0x5B  // [
private let closeBracket: UInt8 = 0x5D // ]
private let openBrace: UInt8 = 0x7B    // {
private let closeBrace: UInt8 = 0x7D   // }
private let minus: UInt8 = 0x2D        // -
private let plus: UInt8 = 0x2B         // +
private let dot: UInt8 = 0x2E          // .
private let zero: UInt8 = 0x30         // 0
private let nine: UInt8 = 0x39         // 9

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }

/// Describes a byte for error messages: printable ASCII as itself, the rest as hex.
private func describeByte(_ b: UInt8) -> String {
    if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
    let digits = Array("0123456789abcdef")
    return "byte 0x\(digits[Int(b >> 4)])\(digits[Int(b & 0xF)])"
}

struct JSONParser {
    private let p: UnsafePointer<UInt8>
    private let end: Int
    private var i = 0
    private let maxDepth: Int

    /// One open container: where its elements start on the scratch stack, the offset of its
    /// opening bracket (for errors), and for objects the key whose value is being parsed.
    private struct Frame {
        var isObject: Bool
        var start: Int
        var key: String
    }
    private var frames: [Frame] = []
    private let elements = MoveOutStack<JSONValue>()
    private let members = MoveOutStack<JSONObject.Member>()
    /// Reused buffer for strings with escapes.
    private let scratch = ByteScratch()

    /// `base` (with `count` readable bytes) must stay valid for the parser's lifetime; the caller
    /// scopes both. An empty input has no base address and never reaches the parser.
    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        p = base
        end = count
        self.maxDepth = maxDepth
    }

    // MARK: - Document

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if end >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
            // RFC 8259 §8.1: senders MUST NOT add a BOM. Go's encoding/json (the API server) rejects it.
            throw JSONParseError(offset: 0, reason: "byte order mark (U+FEFF) is not allowed")
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if i < end {
            throw JSONParseError(offset: i, reason: "unexpected \(describeByte(p[i])) after the document")
        }
        return value
    }

    /// A stream of whitespace-separated documents (`{…} {…}`), as kubectl accepts for JSON input.
    /// `offsets` receives the byte offset where each document starts.
    mutating func parseStream(offsets: inout [Int]) throws(JSONParseError) -> [JSONValue] {
        if end >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
            throw JSONParseError(offset: 0, reason: "byte order mark (U+FEFF) is not allowed")
        }
        var values: [JSONValue] = []
        skipWhitespace()
        while i < end {
            offsets.append(i)
            values.append(try parseValue())
            skipWhitespace()
        }
        return values
    }

    @inline(__always) private mutating func skipWhitespace() {
        while i < end {
            let b = p[i]
            // RFC 8259 whitespace: space, tab, LF, CR — nothing else.
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i &+= 1
        }
    }

    private func unexpected(_ what: String) -> JSONParseError {
        if i >= end { return JSONParseError(offset: i, reason: "unexpected end of input, expected \(what)") }
        return JSONParseError(offset: i, reason: "unexpected \(describeByte(p[i])), expected \(what)")
    }

    // MARK: - Values and containers

    /// Parses one value (whitespace before it already skipped), including everything nested in it.
    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        frames.removeAll(keepingCapacity: true)
        while true {
            // Here a value starts at `i`.
            guard i < end else { throw unexpected("a value") }
            var value: JSONValue
            switch p[i] {
            case openBrace:
                guard frames.count < maxDepth else {
                    throw JSONParseError(offset: i, reason: "nesting deeper than the limit of \(maxDepth)")
                }
                i &+= 1
                skipWhitespace()
                if i < end && p[i] == closeBrace {
                    i &+= 1
                    value = .object(JSONObject())
                } else {
                    let key = try parseKey()
                    frames.append(Frame(isObject: true, start: members.count, key: key))
                    continue
                }
            case openBracket:
                guard frames.count < maxDepth else {
                    throw JSONParseError(offset: i, reason: "nesting deeper than the limit of \(maxDepth)")
                }
                i &+= 1
                skipWhitespace()
                if i < end && p[i] == closeBracket {
                    i &+= 1
                    value = .array([])
                } else {
                    frames.append(Frame(isObject: false, start: elements.count, key: ""))
                    continue
                }
            case quote:
                value = .string(try parseString())
            case minus, zero...nine:
                value = try parseNumber()
            case 0x74: // t
                try expectLiteral(0x74, 0x72, 0x75, 0x65, length: 4)
                value = .bool(true)
            case 0x66: // f
                try expectLiteral(0x66, 0x61, 0x6C, 0x73, 0x65, length: 5)
                value = .bool(false)
            case 0x6E: // n
                try expectLiteral(0x6E, 0x75, 0x6C, 0x6C, length: 4)
                value = .null
            default:
                throw unexpected("a value")
            }

            // A value is complete: hand it to its container, closing every container that ends here.
            while true {
                guard let top = frames.last else { return value }
                skipWhitespace()
                if top.isObject {
                    members.push(JSONObject.Member(key: top.key, value: value))
                    if i < end && p[i] == comma {
                        i &+= 1
                        skipWhitespace()
                        frames[frames.count &- 1].key = try parseKey()
                        break
                    } else if i < end && p[i] == closeBrace {
                        i &+= 1
                        value = .object(closeObject(from: top.start))
                        frames.removeLast()
                    } else {
                        throw unexpected("',' or '}'")
                    }
                } else {
                    elements.push(value)
                    if i < end && p[i] == comma {
                        i &+= 1
                        skipWhitespace()
                        break
                    } else if i < end && p[i] == closeBracket {
                        i &+= 1
                        value = .array(elements.pop(from: top.start))
                        frames.removeLast()
                    } else {
                        throw unexpected("',' or ']'")
                    }
                }
            }
        }
    }

    /// A member name, the colon after it, and the whitespace before its value.
    @inline(__always) private mutating func parseKey() throws(JSONParseError) -> String {
        guard i < end && p[i] == quote else { throw unexpected("a string (member name)") }
        let key = try parseString()
        skipWhitespace()
        guard i < end && p[i] == colon else { throw unexpected("':'") }
        i &+= 1
        skipWhitespace()
        return key
    }

    /// Builds the object whose members sit on the scratch stack from `start`. Duplicate keys: the
    /// LAST value wins and stays at the position of the FIRST occurrence — what Go's encoding/json
    /// (and so the API server) ends up with, minus Go's random map order.
    private mutating func closeObject(from start: Int) -> JSONObject {
        var object = members.pop(from: start)
        if object.count > 1 && JSONParser.hasDuplicateKeys(object) {
            var deduplicated: [JSONObject.Member] = []
            deduplicated.reserveCapacity(object.count)
            var position: [String: Int] = [:]
            for member in object {
                if let at = position[member.key] {
                    deduplicated[at].value = member.value
                } else {
                    position[member.key] = deduplicated.count
                    deduplicated.append(member)
                }
            }
            object = deduplicated
        }
        return JSONObject(uniqueMembers: object)
    }

    /// Small objects (nearly all of them) compare keys pairwise, cheapest for a handful of short
    /// keys; big ones hash, so a hostile object with many members stays linear.
    static func hasDuplicateKeys(_ members: [JSONObject.Member]) -> Bool {
        let count = members.count
        if count <= 12 {
            var a = 1
            while a < count {
                let key = members[a].key
                let length = key.utf8.count
                var b = 0
                while b < a {
                    let other = members[b].key
                    if other.utf8.count == length && other == key { return true }
                    b &+= 1
                }
                a &+= 1
            }
            return false
        }
        var seen = Set<String>(minimumCapacity: count)
        for member in members where !seen.insert(member.key).inserted { return true }
        return false
    }

    // MARK: - Literals

    @inline(__always)
    private mutating func expectLiteral(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8 = 0,
                                        length: Int) throws(JSONParseError) {
        let expected = (b0, b1, b2, b3, b4)
        let start = i
        var k = 0
        while k < length {
            let want: UInt8
            switch k {
            case 0: want = expected.0
            case 1: want = expected.1
            case 2: want = expected.2
            case 3: want = expected.3
            default: want = expected.4
            }
            guard i < end && p[i] == want else {
                if i >= end {
                    throw JSONParseError(offset: start, reason: "truncated literal, expected a value")
                }
                throw JSONParseError(offset: start, reason: "invalid literal, expected a value")
            }
            i &+= 1
            k &+= 1
        }
    }

    // MARK: - Numbers

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. Integers within Int64
    /// become `.integer`; everything else keeps its exact literal as `.number` (so `-0`, `1.0`, `1e3`
    /// and 2^64 re-serialize to the same bytes).
    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = i
        var negative = false
        if p[i] == minus {
            negative = true
            i &+= 1
        }
        guard i < end, isDigit(p[i]) else { throw unexpected("a digit") }
        var magnitude: UInt64 = 0
        var overflow = false
        if p[i] == zero {
            i &+= 1
            if i < end && isDigit(p[i]) {
                throw JSONParseError(offset: start, reason: "leading zeros are not allowed in numbers")
            }
        } else {
            while i < end {
                let d = p[i] &- zero
                guard d < 10 else { break }
                if !overflow {
                    let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.addingReportingOverflow(UInt64(d))
                    magnitude = s
                    overflow = o1 || o2
                }
                i &+= 1
            }
        }
        var isInteger = true
        if i < end && p[i] == dot {
            isInteger = false
            i &+= 1
            guard i < end, isDigit(p[i]) else { throw unexpected("a digit after the decimal point") }
            while i < end && isDigit(p[i]) { i &+= 1 }
        }
        if i < end && (p[i] == 0x65 || p[i] == 0x45) { // e E
            isInteger = false
            i &+= 1
            if i < end && (p[i] == plus || p[i] == minus) { i &+= 1 }
            guard i < end, isDigit(p[i]) else { throw unexpected("a digit in the exponent") }
            while i < end && isDigit(p[i]) { i &+= 1 }
        }
        if isInteger && !overflow {
            if !negative {
                if magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
            } else if magnitude != 0 && magnitude <= UInt64(Int64.max) &+ 1 {
                return .integer(Int64(bitPattern: 0 &- magnitude))
            }
        }
        return .number(String(decoding: UnsafeBufferPointer(start: p + start, count: i &- start), as: UTF8.self))
    }

    // MARK: - Strings

    /// Parses a string starting at the opening quote.
    @inline(__always) private mutating func parseString() throws(JSONParseError) -> String {
        i &+= 1
        let start = i
        // Fast path: printable ASCII up to the closing quote, eight bytes per step while no byte
        // in them needs a closer look, then byte by byte.
        while end &- i >= 8 {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            if SWAR.needsAttention(word) { break }
            i &+= 8
        }
        while i < end {
            let b = p[i]
            if b == quote {
                // Every byte up to here was checked to be printable ASCII, so the String is made
                // without validating the bytes a second time (`String(decoding:)` would).
                let bytes = UnsafeBufferPointer(start: p + start, count: i &- start)
                let s = String(copying: UTF8Span(unchecked: bytes.span, isKnownASCII: true))
                i &+= 1
                return s
            }
            if b == backslash || b < 0x20 || b >= 0x80 { break }
            i &+= 1
        }
        return try parseStringSlow(start: start)
    }

    /// Escapes, non-ASCII (validated here, so invalid UTF-8 is an error rather than U+FFFD), control
    /// characters (rejected), and the end of input (unterminated).
    private mutating func parseStringSlow(start: Int) throws(JSONParseError) -> String {
        var usedScratch = false
        var runStart = start
        while true {
            // Runs of plain ASCII between escapes (JSON documents inside annotations are mostly
            // that) are skipped eight bytes at a time, and the word that ends a run jumps straight
            // to its first byte that needs a look.
            while end &- i >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                let mask = SWAR.attentionMask(word)
                if mask != 0 {
                    i &+= mask.trailingZeroBitCount >> 3
                    break
                }
                i &+= 8
            }
            guard i < end else { break }
            let b = p[i]
            if b == quote {
                let s: String
                if usedScratch {
                    appendRun(from: runStart)
                    s = scratch.makeString()
                } else {
                    s = String(decoding: UnsafeBufferPointer(start: p + start, count: i &- start), as: UTF8.self)
                }
                i &+= 1
                return s
            } else if b == backslash {
                if !usedScratch {
                    usedScratch = true
                    scratch.removeAll(keepingCapacity: true)
                }
                appendRun(from: runStart)
                // `\"` and `\\` (nearly every escape of an embedded JSON document) inline.
                let next = i &+ 1 < end ? p[i &+ 1] : 0
                if next == quote || next == backslash {
                    scratch.append(next)
                    i &+= 2
                } else {
                    try decodeEscape()
                }
                runStart = i
            } else if b < 0x20 {
                throw JSONParseError(offset: i, reason: "control character \(describeByte(b)) in string must be escaped")
            } else if b >= 0x80 {
                let length = JSONParser.utf8SequenceLength(p, i, end)
                guard length > 0 else { throw JSONParseError(offset: i, reason: "invalid UTF-8") }
                i &+= length
            } else {
                i &+= 1
            }
        }
        throw JSONParseError(offset: start &- 1, reason: "unterminated string")
    }

    @inline(__always) private mutating func appendRun(from runStart: Int) {
        if i > runStart {
            scratch.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i &- runStart))
        }
    }

    /// Decodes the escape at `i` (the backslash) into `scratch` and moves past it.
    private mutating func decodeEscape() throws(JSONParseError) {
        let at = i
        i &+= 1
        guard i < end else { throw JSONParseError(offset: at, reason: "unterminated escape") }
        let c = p[i]
        i &+= 1
        switch c {
        case quote: scratch.append(quote)
        case backslash: scratch.append(backslash)
        case slash: scratch.append(slash)
        case 0x62: scratch.append(0x08) // b
        case 0x66: scratch.append(0x0C) // f
        case 0x6E: scratch.append(0x0A) // n
        case 0x72: scratch.append(0x0D) // r
        case 0x74: scratch.append(0x09) // t
        case 0x75: // u
            let unit = try readHex4(escapeAt: at)
            var scalar = UInt32(unit)
            if unit >= 0xD800 && unit <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                guard i &+ 1 < end && p[i] == backslash && p[i &+ 1] == 0x75 else {
                    throw JSONParseError(offset: at, reason: "lone surrogate \\u\(hex4(unit)) (high surrogate without a low one)")
                }
                let lowAt = i
                i &+= 2
                let low = try readHex4(escapeAt: lowAt)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw JSONParseError(offset: at, reason: "lone surrogate \\u\(hex4(unit)) (followed by \\u\(hex4(low)), not a low surrogate)")
                }
                scalar = 0x10000 &+ ((UInt32(unit) &- 0xD800) << 10) &+ (UInt32(low) &- 0xDC00)
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONParseError(offset: at, reason: "lone surrogate \\u\(hex4(unit)) (low surrogate without a high one)")
            }
            appendUTF8(scalar)
        default:
            throw JSONParseError(offset: at, reason: "invalid escape \\\(describeByte(c).trimmingQuotes)")
        }
    }

    private mutating func readHex4(escapeAt at: Int) throws(JSONParseError) -> UInt16 {
        guard end &- i >= 4 else { throw JSONParseError(offset: at, reason: "truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let b = p[i]
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b &- 0x30
            case 0x41...0x46: digit = b &- 0x41 &+ 10
            case 0x61...0x66: digit = b &- 0x61 &+ 10
            default: throw JSONParseError(offset: at, reason: "invalid \\u escape: \(describeByte(b)) is not a hex digit")
            }
            value = value << 4 | UInt16(digit)
            i &+= 1
        }
        return value
    }

    private func hex4(_ v: UInt16) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(v >> 12)], digits[Int((v >> 8) & 0xF)], digits[Int((v >> 4) & 0xF)], digits[Int(v & 0xF)]])
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        if scalar < 0x80 {
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        } else if scalar < 0x800 {
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | (scalar >> 6)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | (scalar >> 12)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F)))
        } else {
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | (scalar >> 18)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F)))
        }
    }

    /// Length of the well-formed UTF-8 sequence at `at` (Unicode Table 3-7: no overlongs, no
    /// surrogates, nothing above U+10FFFF), or 0 when it is ill-formed or truncated.
    static func utf8SequenceLength(_ p: UnsafePointer<UInt8>, _ at: Int, _ end: Int) -> Int {
        let b0 = p[at]
        @inline(__always) func cont(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            let j = at &+ k
            return j < end && p[j] >= low && p[j] <= high
        }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}

/// Tests on eight bytes at once ("SIMD within a register"), for the string scans of the parser and
/// the serializer.
enum SWAR {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is a quote, a backslash, a control character or non-ASCII: what
    /// ends the fast path of a string. (The classic "has a zero byte" / "has a byte below n"
    /// tests; a borrow can only flag bytes after a true match, which the byte loop then finds.)
    @inline(__always) static func needsAttention(_ word: UInt64) -> Bool {
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return ((hasQuote | hasBackslash | hasControl) & highBits) | (word & highBits) != 0
    }

    /// The high bit of each byte of `word` (read little-endian) that is a quote, a backslash, a
    /// control character or non-ASCII, plus possibly bytes after such a byte (borrows only carry
    /// upwards): so the lowest set bit always marks the first byte that truly needs a look.
    @inline(__always) static func attentionMask(_ word: UInt64) -> UInt64 {
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highBits
    }

    /// Whether some byte of `word` must be escaped in JSON output (quote, backslash, control
    /// character); non-ASCII bytes are written as they are.
    @inline(__always) static func needsEscape(_ word: UInt64) -> Bool {
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & highBits != 0
    }
}

/// The reused output buffer for strings with escapes. A class over raw storage rather than a
/// `[UInt8]` because escape-dense strings (a JSON document inside an annotation is one `\"` after
/// another) append a short run and an escape at a time, and `Array.append(contentsOf:)` cost a
/// third of the parse of such a review. It only grows, by doubling, to the longest decoded string
/// of the document, which is never longer than the document itself.
private final class ByteScratch {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init() {
        capacity = 256
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    }

    deinit { base.deallocate() }

    @inline(__always) func removeAll(keepingCapacity: Bool) { count = 0 }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: 1) }
        base[count] = byte
        count &+= 1
    }

    @inline(__always) func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        let n = bytes.count
        if capacity &- count < n { grow(toHold: n) }
        (base + count).initialize(from: source, count: n)
        count &+= n
    }

    func makeString() -> String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    /// Makes room for `extra` more bytes: double, or exactly what is needed when that is more.
    /// Both are bounded by the document's size (`JSONParseLimits.maxBytes`), so they cannot
    /// overflow in practice; an overflow would still only ask for the largest capacity.
    private func grow(toHold extra: Int) {
        let (needed, o1) = count.addingReportingOverflow(extra)
        let (doubled, o2) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = o1 ? Int.max : (o2 ? needed : Swift.max(doubled, needed))
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}

/// The parser's stack of finished elements of open containers. A container's elements leave it by
/// being moved (not copied) into the container's own array, which spares a retain when they are
/// copied out and a release when the stack drops them: two atomic operations per value.
/// A class only so that `deinit` can release what an error leaves on it.
private final class MoveOutStack<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 64
        base = UnsafeMutablePointer<Element>.allocate(capacity: 64)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always) func push(_ element: __owned Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count &+= 1
    }

    /// Doubles the storage. The stack never holds more values than the document has bytes (which
    /// `JSONParseLimits.maxBytes` bounds), so doubling cannot overflow in practice.
    private func grow() {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = overflow ? capacity &+ 1 : doubled
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Moves the elements from position `start` to the top into a new array of that capacity.
    ///
    /// Why not `Array(unsafeUninitializedCapacity:)`: it calls the stdlib's unspecialised
    /// `ContiguousArray._allocateBufferUninitialized`, which looks up the generic metadata of the
    /// array storage in the runtime's hash table on every call (~4% of a whole admission request in
    /// `perf`). `reserveCapacity` is specialised into this module and reads that metadata from a
    /// cached accessor; the appends then move each element in (no retain, no release).
    @inline(__always) func pop(from start: Int) -> [Element] {
        let n = count &- start
        guard n > 0 else { return [] }
        let source = base + start
        var result: [Element] = []
        result.reserveCapacity(n)
        var k = 0
        while k < n {
            result.append((source + k).move())
            k &+= 1
        }
        count = start
        return result
    }
}

extension String {
    fileprivate var trimmingQuotes: String {
        var s = Substring(self)
        if s.first == "'" { s = s.dropFirst() }
        if s.last == "'" { s = s.dropLast() }
        return String(s)
    }
}
