// The RFC 8259 parser behind `JSONValue.parse`: documents, values and containers here; strings in
// JSONParser+Strings.swift, literals and numbers in JSONParser+Numbers.swift, skipped members in
// JSONParser+Skipping.swift, the reused stacks and buffers in JSONParserStorage.swift, the
// eight-bytes-at-once tests in SWAR.swift.
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

// The bytes of JSON's syntax, shared by the parser's files.
let quote: UInt8 = 0x22        // "
let backslash: UInt8 = 0x5C    // \
let slash: UInt8 = 0x2F        // /
let comma: UInt8 = 0x2C        // ,
let colon: UInt8 = 0x3A        // :
let openBracket: UInt8 = 0x5B  // [
let closeBracket: UInt8 = 0x5D // ]
let openBrace: UInt8 = 0x7B    // {
let closeBrace: UInt8 = 0x7D   // }
let minus: UInt8 = 0x2D        // -
let plus: UInt8 = 0x2B         // +
let dot: UInt8 = 0x2E          // .
let zero: UInt8 = 0x30         // 0
let nine: UInt8 = 0x39         // 9

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }

/// Describes a byte for error messages: printable ASCII as itself, the rest as hex. Shared by every
/// parser of the package (JSON here, chunked bodies in KubeClient).
package func describeByte(_ b: UInt8) -> String {
    if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
    let digits = Array("0123456789abcdef")
    return "byte 0x\(digits[Int(b >> 4)])\(digits[Int(b & 0xF)])"
}

struct JSONParser {
    let p: UnsafePointer<UInt8>
    let end: Int
    var i = 0
    let maxDepth: Int

    let frames: FrameStack
    let elements: MoveOutStack<JSONValue>
    let members: MemberStack
    /// Frequent keys and values, made once (JSONInternedStrings.swift).
    let intern = JSONInternTable.shared
    /// Set by `parseKey`: the fingerprint of the key it just made (see `StringDigest`).
    var lastFingerprint: UInt64 = 0
    /// Reused buffer for strings with escapes.
    let scratch: ByteScratch

    let skipPaths: JSONSkipPaths
    /// The trie node of the next object to open (set by its key when on a skip path), else -1.
    var valueNode: Int32 = -1
    /// The skip path (index) of the value starting next, when its member is skipped; else -1.
    var pendingSkip: Int32 = -1
    /// Container kinds of `skipValue` beyond 64 levels (it keeps the innermost 64 in a register).
    let skipKindSpill: KindSpill
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

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            let b = p[i]
            // RFC 8259 whitespace: space, tab, LF, CR — nothing else.
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i &+= 1
        }
    }

    func unexpected(_ what: String) -> JSONParseError {
        if i >= end { return JSONParseError(offset: i, reason: "unexpected end of input, expected \(what)") }
        return JSONParseError(offset: i, reason: "unexpected \(describeByte(p[i])), expected \(what)")
    }

    // MARK: - Values and containers

    /// Parses one value (whitespace before it already skipped), including everything nested in it.
    mutating func parseValue() throws(JSONParseError) -> JSONValue {
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
    mutating func lookUp(in node: Int32) {
        let child = skipPaths.child(of: node, fingerprint: lastFingerprint) { frames.topKey }
        guard child >= 0 else { return }
        let path = skipPaths.skipPath(of: child)
        if path >= 0 { pendingSkip = path } else { valueNode = child }
    }

    /// A member name, the colon after it, and the whitespace before its value. Also sets
    /// `lastFingerprint` to the key's fingerprint, for the duplicate check.
    @inline(__always) mutating func parseKey() throws(JSONParseError) -> String {
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

    /// Builds the object whose members sit on the scratch stack from `start`. Duplicate keys: the
    /// LAST value wins and stays at the position of the FIRST occurrence — what Go's encoding/json
    /// (and so the API server) ends up with, minus Go's random map order.
    mutating func closeObject(from start: Int) -> JSONObject {
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
}
