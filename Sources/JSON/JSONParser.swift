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
//   one step; the rest goes through a slow path that validates UTF-8 and decodes escapes. Frequent
//   Kubernetes keys and values are not made at all but looked up (JSONInternedStrings.swift).
// - Open containers are plain values in raw storage (FrameStack); an open object's pending key is
//   moved, not copied, into its member, and finished values are moved into their containers: no
//   reference counting on the way. The stacks are lent by the calling thread (`JSONParserStorage`),
//   so a parse allocates only the values it returns.
// - Duplicate keys are found by comparing 64-bit fingerprints of the keys' bytes (`StringDigest`),
//   the keys themselves only when two fingerprints match.
// - Members named by a `JSONSkipPaths` are checked by a validate-only scanner (`skipValue`) that
//   reports the very errors the full parse would, at the same offsets, but builds nothing. Open
//   objects on a skip path carry their trie node; everywhere else that node is -1, so a document
//   parsed without skip paths pays one integer test per key and one per value for the feature.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    private let frames: FrameStack
    private let elements: MoveOutStack<JSONValue>
    private let members: MemberStack
    /// Frequent keys and values, made once (JSONInternedStrings.swift).
    private let intern = JSONInternTable.shared
    /// Set by `parseKey`: the fingerprint of the key it just made (see `StringDigest`).
    private var lastFingerprint: UInt64 = 0
    /// Reused buffer for strings with escapes.
    private let scratch: ByteScratch

    private let skipPaths: JSONSkipPaths
    /// The trie node of the next object to open (set by its key when on a skip path), else -1.
    private var valueNode: Int32 = -1
    /// The skip path (index) of the value starting next, when its member is skipped; else -1.
    private var pendingSkip: Int32 = -1
    /// Container kinds of `skipValue` beyond 64 levels (it keeps the innermost 64 in a register).
    private let skipKindSpill: KindSpill
    /// What was skipped, and whether duplicate keys were met.
    private(set) var report = JSONSkipReport()

    /// `base` (with `count` readable bytes) must stay valid for the parser's lifetime; the caller
    /// scopes both. An empty input has no base address and never reaches the parser.
    /// `storage` holds the stacks; `JSONParserStorage.take()` lends the calling thread's own.
    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int, skipping: JSONSkipPaths = .none,
         storage: JSONParserStorage = JSONParserStorage()) {
        p = base
        end = count
        self.maxDepth = maxDepth
        skipPaths = skipping
        frames = storage.frames
        elements = storage.elements
        members = storage.members
        scratch = storage.bytes
        skipKindSpill = storage.kindSpill
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
        frames.removeAll()
        // The document's root object is the trie's root.
        valueNode = skipPaths.isEmpty ? -1 : 0
        pendingSkip = -1
        while true {
            // Here a value starts at `i`.
            guard i < end else { throw unexpected("a value") }
            var value: JSONValue
            // Whether `value` goes into its container (not when its member was skipped).
            var built = true
            if pendingSkip >= 0 {
                let start = i
                try skipValue()
                report.skipped.append(JSONSkippedValue(path: Int(pendingSkip), bytes: start..<i))
                pendingSkip = -1
                value = .null
                built = false
            } else {
            // Only an object right after its key uses the node; any other value clears it.
            let node = valueNode
            valueNode = -1
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
                    frames.pushObject(start: members.count, node: node, key: key, fingerprint: lastFingerprint)
                    if node >= 0 { lookUp(in: node) }
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
                    frames.pushArray(start: elements.count)
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
            }

            // A value is complete: hand it to its container, closing every container that ends here.
            while true {
                guard frames.count > 0 else { return value }
                let top = frames.top
                skipWhitespace()
                if top.isObject {
                    if built {
                        // Moved, not copied: a copy is a retain now and a release when `value` is reassigned.
                        members.push(key: frames.takeKey(), fingerprint: top.fingerprint, value: consume value)
                    } else {
                        frames.dropKey()
                        built = true
                    }
                    if i < end && p[i] == comma {
                        i &+= 1
                        skipWhitespace()
                        let key = try parseKey()
                        frames.setKey(key, fingerprint: lastFingerprint)
                        if top.node >= 0 { lookUp(in: top.node) }
                        break
                    } else if i < end && p[i] == closeBrace {
                        i &+= 1
                        value = .object(closeObject(from: top.start))
                        frames.pop()
                    } else {
                        throw unexpected("',' or '}'")
                    }
                } else {
                    elements.push(consume value)
                    if i < end && p[i] == comma {
                        i &+= 1
                        skipWhitespace()
                        break
                    } else if i < end && p[i] == closeBracket {
                        i &+= 1
                        value = .array(elements.pop(from: top.start))
                        frames.pop()
                    } else {
                        throw unexpected("',' or ']'")
                    }
                }
            }
        }
    }

    /// On a skip path: a key naming a skipped member makes its value skipped; a key leading further
    /// down a path hands its node to the object that may follow.
    /// The key is the innermost object's pending one, whose fingerprint is `lastFingerprint`.
    private mutating func lookUp(in node: Int32) {
        let child = skipPaths.child(of: node, fingerprint: lastFingerprint) { frames.topKey }
        guard child >= 0 else { return }
        let path = skipPaths.skipPath(of: child)
        if path >= 0 { pendingSkip = path } else { valueNode = child }
    }

    /// A member name, the colon after it, and the whitespace before its value. Also sets
    /// `lastFingerprint` to the key's fingerprint, for the duplicate check.
    @inline(__always) private mutating func parseKey() throws(JSONParseError) -> String {
        guard i < end && p[i] == quote else { throw unexpected("a string (member name)") }
        i &+= 1
        let start = i
        let key: String
        if scanPlainString() {
            let count = i &- start
            let digest = StringDigest(p + start, count: count, readableCount: end &- start)
            lastFingerprint = digest.fingerprint
            if count <= JSONInternTable.maxLength, let interned = intern.lookUp(p + start, digest) {
                key = interned
            } else {
                key = makePlainString(start: start, count: count)
            }
            i &+= 1
        } else {
            key = try parseStringSlow(start: start)
            lastFingerprint = StringDigest(key).fingerprint
        }
        skipWhitespace()
        guard i < end && p[i] == colon else { throw unexpected("':'") }
        i &+= 1
        skipWhitespace()
        return key
    }

    // MARK: - Skipped values

    /// Moves past the value starting at `i` (whitespace before it skipped), checking it exactly as
    /// `parseValue` would: same errors, same offsets, same depth limit (counting the containers
    /// open around it), but nothing is built and nothing allocated (unless it nests more than 64
    /// deep, when `skipKindSpill` keeps the outer kinds). Containers are a depth counter and a
    /// register of kind bits, not frames.
    private mutating func skipValue() throws(JSONParseError) {
        var depth = 0
        // Bit k: whether the container k levels out from the innermost one is an object.
        var kinds: UInt64 = 0
        skipKindSpill.removeAll()
        while true {
            // Here a value starts at `i`.
            guard i < end else { throw unexpected("a value") }
            let b = p[i]
            switch b {
            case openBrace, openBracket:
                guard frames.count &+ depth < maxDepth else {
                    throw JSONParseError(offset: i, reason: "nesting deeper than the limit of \(maxDepth)")
                }
                let isObject = b == openBrace
                i &+= 1
                skipWhitespace()
                if i < end && p[i] == (isObject ? closeBrace : closeBracket) {
                    i &+= 1  // empty: complete
                } else {
                    if depth > 0 && depth & 63 == 0 {
                        skipKindSpill.push(kinds)
                        kinds = 0
                    }
                    kinds = kinds << 1 | (isObject ? 1 : 0)
                    depth &+= 1
                    if isObject { try skipKey() }
                    continue
                }
            case quote:
                try skipString()
            case minus, zero...nine:
                _ = try scanNumber()
            case 0x74: // t
                try expectLiteral(0x74, 0x72, 0x75, 0x65, length: 4)
            case 0x66: // f
                try expectLiteral(0x66, 0x61, 0x6C, 0x73, 0x65, length: 5)
            case 0x6E: // n
                try expectLiteral(0x6E, 0x75, 0x6C, 0x6C, length: 4)
            default:
                throw unexpected("a value")
            }

            // A value is complete: close every container that ends here.
            while true {
                guard depth > 0 else { return }
                skipWhitespace()
                let inObject = kinds & 1 != 0
                if i < end && p[i] == comma {
                    i &+= 1
                    skipWhitespace()
                    if inObject { try skipKey() }
                    break
                } else if i < end && p[i] == (inObject ? closeBrace : closeBracket) {
                    i &+= 1
                    kinds >>= 1
                    depth &-= 1
                    if depth > 0 && depth & 63 == 0 { kinds = skipKindSpill.pop() }
                } else {
                    throw unexpected(inObject ? "',' or '}'" : "',' or ']'")
                }
            }
        }
    }

    /// `parseKey` without making the key.
    @inline(__always) private mutating func skipKey() throws(JSONParseError) {
        guard i < end && p[i] == quote else { throw unexpected("a string (member name)") }
        try skipString()
        skipWhitespace()
        guard i < end && p[i] == colon else { throw unexpected("':'") }
        i &+= 1
        skipWhitespace()
    }

    /// `parseString` and `parseStringSlow` without making the string: the same checks in the same
    /// order (control characters, UTF-8, escapes, the closing quote).
    private mutating func skipString() throws(JSONParseError) {
        i &+= 1
        let start = i
        while true {
            // Eight bytes per step, escaped quotes included (a JSON document inside an annotation
            // is one `\"` after another): a word of printable ASCII whose only escapes are `\"`
            // is checked in one go. Anything else in a word (another escape, `\\`, a control
            // character, non-ASCII) goes to the byte-wise checks below, from its first such byte.
            // Locals, so the loop keeps them in registers rather than in `self`.
            var j = i
            let base = p
            let limit = end
            while limit &- j >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self))
                let backslashes = SWAR.bytesEqual(word, backslash)
                let quotes = SWAR.bytesEqual(word, quote)
                let escaped = backslashes << 8
                // One test for all that needs a closer look: a control or non-ASCII byte, an
                // escaped backslash, an escape of anything but a quote.
                if (SWAR.controlOrNonASCII(word) | (backslashes & escaped) | (escaped & ~quotes)) != 0 {
                    let mask = SWAR.attentionMask(word)
                    j &+= mask.trailingZeroBitCount >> 3
                    break
                }
                let ends = quotes & ~escaped
                if ends != 0 {
                    i = j &+ (ends.trailingZeroBitCount >> 3) &+ 1
                    return
                }
                // A backslash in the last byte escapes the next word's first: start there.
                j &+= backslashes >> 63 != 0 ? 7 : 8
            }
            i = j
            guard i < end else { break }
            let b = p[i]
            if b == quote {
                i &+= 1
                return
            } else if b == backslash {
                let next = i &+ 1 < end ? p[i &+ 1] : 0
                if next == quote || next == backslash {
                    i &+= 2
                } else {
                    _ = try readEscape()
                }
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

    /// Builds the object whose members sit on the scratch stack from `start`. Duplicate keys: the
    /// LAST value wins and stays at the position of the FIRST occurrence — what Go's encoding/json
    /// (and so the API server) ends up with, minus Go's random map order.
    private mutating func closeObject(from start: Int) -> JSONObject {
        let duplicates = members.count &- start > 1 && members.hasDuplicateKeys(from: start)
        var object = members.pop(from: start)
        if duplicates {
            report.hadDuplicateKeys = true
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
        if try scanNumber() {
            // Digits only (and a sign): at most 19 digits surely fit, beyond that check overflow.
            var k = start
            let negative = p[k] == minus
            if negative { k &+= 1 }
            var magnitude: UInt64 = 0
            var overflow = false
            while k < i {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(p[k] &- zero))
                magnitude = s
                if o1 || o2 { overflow = true; break }
                k &+= 1
            }
            if !overflow {
                if !negative {
                    if magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
                } else if magnitude != 0 && magnitude <= UInt64(Int64.max) &+ 1 {
                    return .integer(Int64(bitPattern: 0 &- magnitude))
                }
            }
        }
        return .number(String(decoding: UnsafeBufferPointer(start: p + start, count: i &- start), as: UTF8.self))
    }

    /// Moves past a number, checking its syntax (the one place that does, for built and skipped
    /// values alike). Returns whether it is an integer literal (no fraction, no exponent).
    @inline(__always) private mutating func scanNumber() throws(JSONParseError) -> Bool {
        let start = i
        if p[i] == minus { i &+= 1 }
        guard i < end, isDigit(p[i]) else { throw unexpected("a digit") }
        if p[i] == zero {
            i &+= 1
            if i < end && isDigit(p[i]) {
                throw JSONParseError(offset: start, reason: "leading zeros are not allowed in numbers")
            }
        } else {
            while i < end && isDigit(p[i]) { i &+= 1 }
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
        return isInteger
    }

    // MARK: - Strings

    /// Parses a string starting at the opening quote.
    @inline(__always) private mutating func parseString() throws(JSONParseError) -> String {
        i &+= 1
        let start = i
        if scanPlainString() {
            let count = i &- start
            let s: String
            if count <= JSONInternTable.maxLength {
                let digest = StringDigest(p + start, count: count, readableCount: end &- start)
                s = intern.lookUp(p + start, digest) ?? makePlainString(start: start, count: count)
            } else {
                s = makePlainString(start: start, count: count)
            }
            i &+= 1
            return s
        }
        return try parseStringSlow(start: start)
    }

    /// The fast path of strings: from `i` (just after the opening quote) over printable ASCII,
    /// eight bytes per step, straight to the first byte that needs a look. True when that byte is
    /// the closing quote (`i` on it); false, with `i` on that byte, for the slow path to go on.
    @inline(__always) private mutating func scanPlainString() -> Bool {
        // Locals, so the loop keeps them in registers rather than in `self`.
        var j = i
        let base = p
        let limit = end
        defer { i = j }
        while limit &- j >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self))
            let mask = SWAR.attentionMask(word)
            if mask != 0 {
                j &+= mask.trailingZeroBitCount >> 3
                return base[j] == quote
            }
            j &+= 8
        }
        while j < limit {
            let b = base[j]
            if b == quote { return true }
            if b == backslash || b < 0x20 || b >= 0x80 { return false }
            j &+= 1
        }
        return false
    }

    /// A String of `count` printable ASCII bytes from `start`: the bytes were checked, so it is
    /// made without validating them again (`String(decoding:)` would).
    @inline(__always) private func makePlainString(start: Int, count: Int) -> String {
        let source = p + start
        if count <= 15 {
            // Fits a small (inline) String: built in place, no allocation.
            return String(unsafeUninitializedCapacity: count) { buffer in
                guard let target = buffer.baseAddress else { return 0 }
                target.initialize(from: source, count: count)
                return count
            }
        }
        return String(copying: UTF8Span(unchecked: UnsafeBufferPointer(start: source, count: count).span, isKnownASCII: true))
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
    @inline(__always) private mutating func decodeEscape() throws(JSONParseError) {
        let scalar = try readEscape()
        if scalar < 0x80 {
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        } else {
            appendUTF8(scalar)
        }
    }

    /// Reads the escape at `i` (the backslash), checking it, and moves past it: the scalar it
    /// stands for. Shared by building and skipping, so both reject the same escapes alike.
    private mutating func readEscape() throws(JSONParseError) -> UInt32 {
        let at = i
        i &+= 1
        guard i < end else { throw JSONParseError(offset: at, reason: "unterminated escape") }
        let c = p[i]
        i &+= 1
        switch c {
        case quote: return UInt32(quote)
        case backslash: return UInt32(backslash)
        case slash: return UInt32(slash)
        case 0x62: return 0x08 // b
        case 0x66: return 0x0C // f
        case 0x6E: return 0x0A // n
        case 0x72: return 0x0D // r
        case 0x74: return 0x09 // t
        case 0x75: // u
            let unit = try readHex4(escapeAt: at)
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
                return 0x10000 &+ ((UInt32(unit) &- 0xD800) << 10) &+ (UInt32(low) &- 0xDC00)
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONParseError(offset: at, reason: "lone surrogate \\u\(hex4(unit)) (low surrogate without a high one)")
            }
            return UInt32(unit)
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

    private static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The high bit of exactly the bytes of `word` (read little-endian) that equal `byte`: no
    /// borrow between bytes, unlike the tests above.
    @inline(__always) static func bytesEqual(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return ~(((x & low7) &+ low7) | x) & highBits
    }

    /// The high bit of the bytes of `word` that are control characters (below 0x20) or
    /// non-ASCII (a borrow can flag a byte after a true one, never alone: zero means none).
    @inline(__always) static func controlOrNonASCII(_ word: UInt64) -> UInt64 {
        ((word &- ones &* 0x20) | word) & highBits
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

    var capacityInBytes: Int { capacity }

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

    /// Starts small (a few hundred bytes): a first allocation of 1 KiB or more makes glibc
    /// consolidate its free lists, on every parse.
    init() {
        capacity = 16
        base = UnsafeMutablePointer<Element>.allocate(capacity: 16)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var capacityInElements: Int { capacity }

    /// Releases what is left (after an error) and empties the stack, keeping its storage.
    func removeAll() {
        base.deinitialize(count: count)
        count = 0
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

    /// Reads element `index` in place (no copy of the whole element).
    @inline(__always) func withElement<R>(at index: Int, _ body: (borrowing Element) -> R) -> R {
        body(base[index])
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

extension MoveOutStack where Element == JSONObject.Member {
    @inline(__always) func key(at index: Int) -> String { withElement(at: index) { $0.key } }
}

/// The parser's stacks and buffers, lent to one parse at a time. Each thread keeps one between
/// parses (`take` / `give`): a parse then allocates nothing but the values it builds, where making
/// and freeing a dozen buffers per document cost about 5% of a review's parse (and glibc folds its
/// free lists each time a buffer over 1 KiB is freed). Storage grown beyond `keptElements` by a big
/// document is not kept, so a thread holds at most a few hundred KiB.
final class JSONParserStorage {
    fileprivate let frames = FrameStack()
    fileprivate let elements = MoveOutStack<JSONValue>()
    fileprivate let members = MemberStack()
    fileprivate let bytes = ByteScratch()
    fileprivate let kindSpill = KindSpill()

    /// Largest stack (elements, members or frames) a thread keeps; scratch bytes: 16 times that.
    static let keptElements = 4096

    /// The calling thread's storage (taken from it until `give`), or a new one.
    static func take() -> JSONParserStorage {
        if let raw = pthread_getspecific(threadKey) {
            pthread_setspecific(threadKey, nil)
            return Unmanaged<JSONParserStorage>.fromOpaque(raw).takeRetainedValue()
        }
        return JSONParserStorage()
    }

    /// Empties `storage` (releasing what an error left in it) and keeps it for the thread's next
    /// parse, unless it grew too big to be worth keeping.
    static func give(_ storage: JSONParserStorage) {
        storage.frames.removeAll()
        storage.elements.removeAll()
        storage.members.removeAll()
        storage.kindSpill.removeAll()
        let kept = keptElements
        guard storage.elements.capacityInElements <= kept, storage.members.capacityInElements <= kept,
              storage.frames.capacityInFrames <= kept, storage.bytes.capacityInBytes <= kept &* 16,
              pthread_getspecific(threadKey) == nil else { return }
        pthread_setspecific(threadKey, Unmanaged.passRetained(storage).toOpaque())
    }

    /// The thread-specific slot; its destructor releases a thread's storage when the thread ends.
    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<JSONParserStorage>.fromOpaque(raw).release()
        }
        return key
    }()
}

/// Container kinds of `skipValue` beyond 64 levels (64 per word; `maxDepth` bounds it).
final class KindSpill {
    private var words: [UInt64] = []
    @inline(__always) func removeAll() { words.removeAll(keepingCapacity: true) }
    func push(_ word: UInt64) { words.append(word) }
    func pop() -> UInt64 { words.popLast() ?? 0 }
}

/// The parser's open containers. Frames are plain values in raw storage (no reference counting,
/// no uniqueness checks per step); the key of each open object waits in a slot of its own and is
/// moved, not copied, into the member it names. Grows by doubling up to the depth limit.
private final class FrameStack {
    struct Frame {
        /// Where the container's elements (members) start on their stack.
        var start: Int
        /// The fingerprint of the pending key.
        var fingerprint: UInt64
        /// For objects on a skip path, the trie node their keys are looked up in; -1 elsewhere.
        var node: Int32
        var isObject: Bool
        /// Whether `keys[d]` holds a key (between a key and the end of its value).
        var hasKey: Bool
    }

    private var frames: UnsafeMutablePointer<Frame>
    private var keys: UnsafeMutablePointer<String>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 16
        frames = UnsafeMutablePointer<Frame>.allocate(capacity: 16)
        keys = UnsafeMutablePointer<String>.allocate(capacity: 16)
    }

    deinit {
        removeAll()
        frames.deallocate()
        keys.deallocate()
    }

    func removeAll() {
        while count > 0 { pop() }
    }

    var capacityInFrames: Int { capacity }

    @inline(__always) var top: Frame { frames[count &- 1] }

    /// The pending key of the innermost object (which must have one).
    @inline(__always) var topKey: String { keys[count &- 1] }

    @inline(__always) func pushObject(start: Int, node: Int32, key: __owned String, fingerprint: UInt64) {
        if count == capacity { grow() }
        (frames + count).initialize(to: Frame(start: start, fingerprint: fingerprint, node: node, isObject: true, hasKey: true))
        (keys + count).initialize(to: key)
        count &+= 1
    }

    @inline(__always) func pushArray(start: Int) {
        if count == capacity { grow() }
        (frames + count).initialize(to: Frame(start: start, fingerprint: 0, node: -1, isObject: false, hasKey: false))
        count &+= 1
    }

    /// Moves the innermost object's key out (for its member).
    @inline(__always) func takeKey() -> String {
        let d = count &- 1
        frames[d].hasKey = false
        return (keys + d).move()
    }

    /// Drops the innermost object's key (its member was skipped).
    @inline(__always) func dropKey() {
        let d = count &- 1
        frames[d].hasKey = false
        (keys + d).deinitialize(count: 1)
    }

    @inline(__always) func setKey(_ key: __owned String, fingerprint: UInt64) {
        let d = count &- 1
        frames[d].hasKey = true
        frames[d].fingerprint = fingerprint
        (keys + d).initialize(to: key)
    }

    @inline(__always) func pop() {
        count &-= 1
        if frames[count].hasKey { (keys + count).deinitialize(count: 1) }
    }

    /// Doubles the storage; the parser checks the depth limit before every push, so the stack
    /// never holds more than `maxDepth` frames.
    private func grow() {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = overflow ? capacity &+ 1 : doubled
        let newFrames = UnsafeMutablePointer<Frame>.allocate(capacity: newCapacity)
        newFrames.moveInitialize(from: frames, count: count)
        frames.deallocate()
        frames = newFrames
        // Slots without a key are uninitialized: move the initialized ones one by one.
        let newKeys = UnsafeMutablePointer<String>.allocate(capacity: newCapacity)
        var d = 0
        while d < count {
            if frames[d].hasKey { (newKeys + d).moveInitialize(from: keys + d, count: 1) }
            d &+= 1
        }
        keys.deallocate()
        keys = newKeys
        capacity = newCapacity
    }
}

/// The members of open objects, with each key's fingerprint beside it.
private final class MemberStack {
    private let members = MoveOutStack<JSONObject.Member>()
    private var fingerprints: UnsafeMutablePointer<UInt64>
    private var capacity: Int

    init() {
        capacity = 16
        fingerprints = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
    }

    deinit { fingerprints.deallocate() }

    @inline(__always) var count: Int { members.count }

    var capacityInElements: Int { capacity }

    func removeAll() { members.removeAll() }

    @inline(__always) func push(key: __owned String, fingerprint: UInt64, value: __owned JSONValue) {
        let n = members.count
        if n == capacity { grow() }
        fingerprints[n] = fingerprint
        members.push(JSONObject.Member(key: key, value: value))
    }

    @inline(__always) func pop(from start: Int) -> [JSONObject.Member] { members.pop(from: start) }

    /// Whether two members from `start` to the top have the same key. Fingerprints first: a
    /// handful of members compare pairwise, more go through a hash set of fingerprints; only
    /// equal fingerprints compare the keys themselves.
    @inline(__always) func hasDuplicateKeys(from start: Int) -> Bool {
        let n = members.count &- start
        // Two members (the most common object after one): one compare, inline.
        if n == 2 && fingerprints[start] != fingerprints[start &+ 1] { return false }
        return hasDuplicateKeysScanning(from: start)
    }

    private func hasDuplicateKeysScanning(from start: Int) -> Bool {
        let n = members.count &- start
        let f = fingerprints + start
        if n <= 16 {
            var a = 1
            while a < n {
                let fa = f[a]
                var b = 0
                while b < a {
                    if f[b] == fa && members.key(at: start &+ a) == members.key(at: start &+ b) { return true }
                    b &+= 1
                }
                a &+= 1
            }
            return false
        }
        var seen: [UInt64: Int] = [:]
        seen.reserveCapacity(n)
        var a = 0
        while a < n {
            if let b = seen.updateValue(a, forKey: f[a]) {
                if members.key(at: start &+ a) == members.key(at: start &+ b) { return true }
                // Same fingerprint, other key: compare against all earlier ones with it.
                var c = 0
                while c < a {
                    if f[c] == f[a] && members.key(at: start &+ a) == members.key(at: start &+ c) { return true }
                    c &+= 1
                }
            }
            a &+= 1
        }
        return false
    }

    private func grow() {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = overflow ? capacity &+ 1 : doubled
        let newBase = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: fingerprints, count: members.count)
        fingerprints.deallocate()
        fingerprints = newBase
        capacity = newCapacity
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
