// Members on a skip path (JSONSkipPaths.swift): checked exactly as the full parse would check them,
// at the same offsets and with the same errors, but nothing is built.

extension JSONParser {
    // MARK: - Skipped values

    /// Moves past the value starting at `i` (whitespace before it skipped), checking it exactly as
    /// `parseValue` would: same errors, same offsets, same depth limit (counting the containers
    /// open around it), but nothing is built and nothing allocated (unless it nests more than 64
    /// deep, when `skipKindSpill` keeps the outer kinds). Containers are a depth counter and a
    /// register of kind bits, not frames.
    mutating func skipValue() throws(JSONParseError) {
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
    @inline(__always) mutating func skipKey() throws(JSONParseError) {
        guard i < end && p[i] == quote else { throw unexpected("a string (member name)") }
        try skipString()
        skipWhitespace()
        guard i < end && p[i] == colon else { throw unexpected("':'") }
        i &+= 1
        skipWhitespace()
    }

    /// `parseString` and `parseStringSlow` without making the string: the same checks in the same
    /// order (control characters, UTF-8, escapes, the closing quote).
    mutating func skipString() throws(JSONParseError) {
        i &+= 1
        let start = i
        while true {
            // Sixteen bytes per step, then eight, escaped quotes included (a JSON document inside
            // an annotation is one `\"` after another): a block or word of printable ASCII whose
            // only escapes are `\"` is checked in one go. Anything else in a word (another escape,
            // `\\`, a control character, non-ASCII) goes to the byte-wise checks below, from its
            // first such byte. Locals, so the loop keeps them in registers rather than in `self`.
            let base = p
            let limit = end
            var j = JSONParser.skipQuoteEscapedBlocks(base, from: i, limit: limit)
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

    /// From `start` (inside a string, not just after an escaping backslash, and past its opening
    /// quote, so `start - 1` is readable), moves over whole 16-byte blocks of printable ASCII whose
    /// only escapes are `\"` and which hold no closing quote: a skipped annotation's embedded JSON
    /// document is nearly all such blocks. Returns where the word loop of `skipString` goes on,
    /// never just after an escaping backslash (it then returns that backslash's position), so the
    /// word and byte checks see every escape, the closing quote and every error exactly as before.
    ///
    /// One block is two vector loads and a handful of vector compares (SSE2 on x86-64): a byte is
    /// escaped when the byte before it is a backslash (the block loaded one byte earlier), and a
    /// block passes when every byte is in 0x20...0x7F and the escaped bytes are exactly its quotes
    /// (no escaped backslash, no other escape, no unescaped quote).
    @inline(__always) static func skipQuoteEscapedBlocks(_ base: UnsafePointer<UInt8>, from start: Int, limit: Int) -> Int {
        guard start > 0 else { return start }
        var j = start
        // What precedes `start` escapes nothing: lane 0 of the first block is not escaped.
        var carries = SIMDMask<SIMD16<Int8>>(repeating: true)
        carries[0] = false
        let quotes = SIMD16<UInt8>(repeating: quote)
        let backslashes = SIMD16<UInt8>(repeating: backslash)
        let space = SIMD16<UInt8>(repeating: 0x20)
        let printableSpan = SIMD16<UInt8>(repeating: 0x60)  // 0x20...0x7F, shifted down by 0x20
        while limit &- j >= 16 {
            let raw = UnsafeRawPointer(base + j)
            let bytes = raw.loadUnaligned(as: SIMD16<UInt8>.self)
            let before = raw.loadUnaligned(fromByteOffset: -1, as: SIMD16<UInt8>.self)
            let escaped = (before .== backslashes) .& carries
            let printable = (bytes &- space) .< printableSpan
            if any(.!printable .| (escaped .^ (bytes .== quotes))) { break }
            j &+= 16
            carries = SIMDMask(repeating: true)
        }
        if j > start && base[j &- 1] == backslash { return j &- 1 }
        return j
    }
}
