// Strings: the one-step fast path for plain ASCII, the slow path that validates UTF-8 and decodes
// escapes, and the UTF-8 sequence check both share.

extension JSONParser {
    // MARK: - Strings

    /// Parses a string starting at the opening quote.
    @inline(__always) mutating func parseString() throws(JSONParseError) -> String {
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
    @inline(__always) mutating func scanPlainString() -> Bool {
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
    @inline(__always) func makePlainString(start: Int, count: Int) -> String {
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
    mutating func parseStringSlow(start: Int) throws(JSONParseError) -> String {
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

    @inline(__always) mutating func appendRun(from runStart: Int) {
        if i > runStart {
            scratch.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i &- runStart))
        }
    }

    /// Decodes the escape at `i` (the backslash) into `scratch` and moves past it.
    @inline(__always) mutating func decodeEscape() throws(JSONParseError) {
        let scalar = try readEscape()
        if scalar < 0x80 {
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        } else {
            appendUTF8(scalar)
        }
    }

    /// Reads the escape at `i` (the backslash), checking it, and moves past it: the scalar it
    /// stands for. Shared by building and skipping, so both reject the same escapes alike.
    mutating func readEscape() throws(JSONParseError) -> UInt32 {
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

    mutating func readHex4(escapeAt at: Int) throws(JSONParseError) -> UInt16 {
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

    func hex4(_ v: UInt16) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(v >> 12)], digits[Int((v >> 8) & 0xF)], digits[Int((v >> 4) & 0xF)], digits[Int(v & 0xF)]])
    }

    mutating func appendUTF8(_ scalar: UInt32) {
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

extension String {
    fileprivate var trimmingQuotes: String {
        var s = Substring(self)
        if s.first == "'" { s = s.dropFirst() }
        if s.last == "'" { s = s.dropLast() }
        return String(s)
    }
}
