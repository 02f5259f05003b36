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
