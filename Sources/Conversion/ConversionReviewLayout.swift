// Where the objects of a ConversionReview body lie, found by a structural pre-scan (strings
// skipped, brackets counted, nothing decoded): the `[` … `]` of `request.objects` and the byte
// range of each element. It lets the objects be parsed in parallel parts while the small rest of
// the review (the envelope) is parsed with the array cut out.
//
// The scan only proposes a split; the strict parser still judges every byte. Anything unusual for
// an API server's review (no such array, the key twice, escaped keys near the top, unterminated
// strings, too many elements) gives nil, and the caller parses the body whole, which yields the
// very same value or error as ever. A wrong split cannot pass unnoticed: an element range holding
// more or less than one value fails to parse on its own, and the caller then parses whole too.

import JSON

struct ConversionReviewLayout: Sendable, Equatable {
    /// Offsets of the `[` and the `]` of `request.objects`.
    var open: Int
    var close: Int
    /// Each element's bytes (possibly with surrounding whitespace), in order.
    var elements: [Range<Int>]

    /// More elements than this are not split (parsed whole instead): bounds the ranges array
    /// whatever a hostile body holds. An API server's LIST conversion holds far fewer.
    static let maximumElements = 100_000

    private static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, colon: UInt8 = 0x3A, comma: UInt8 = 0x2C
    private static let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
    private static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D

    /// The layout of `body`, or nil when it is not the plain shape described above.
    static func scan(_ body: UnsafeBufferPointer<UInt8>) -> ConversionReviewLayout? {
        guard let p = body.baseAddress else { return nil }
        let end = body.count
        var i = 0
        var depth = 0
        // Whether the containers at depths 1 and 2 are the root object and the `request` object.
        var inRoot = false, inRequest = false
        // The key just read at depth 1 / 2 (its raw bytes' range), and whether one was seen there.
        var lastString: Range<Int> = 0..<0
        var lastStringDepth = -1
        var keyAtDepth1: Range<Int> = 0..<0, keyAtDepth2: Range<Int> = 0..<0
        var sawRequest = false, sawObjects = false
        var open = -1, close = -1
        var elements: [Range<Int>] = []
        var elementStart = -1
        while i < end {
            let b = p[i]
            if b == quote {
                let start = i &+ 1
                guard let stop = closingQuote(p, from: start, end: end) else { return nil }
                if depth <= 2 {
                    lastString = start..<stop
                    lastStringDepth = depth
                }
                i = stop &+ 1
                continue
            }
            switch b {
            case colon:
                // The string just read at this depth is a key (the parser checks it really is).
                if depth == 1 || depth == 2, lastStringDepth == depth {
                    if contains(p, lastString, backslash) { return nil }  // escaped keys: not worth decoding
                    if depth == 1 { keyAtDepth1 = lastString } else { keyAtDepth2 = lastString }
                }
            case openBrace, openBracket:
                depth &+= 1
                if depth == 1 {
                    inRoot = b == openBrace
                } else if depth == 2 {
                    inRequest = false
                    if inRoot && lastStringDepth == 1 && equals(p, keyAtDepth1, "request") && keyAtDepth1 == lastString {
                        if sawRequest { return nil }
                        sawRequest = true
                        inRequest = b == openBrace
                    }
                } else if depth == 3, inRequest, lastStringDepth == 2, keyAtDepth2 == lastString, equals(p, keyAtDepth2, "objects") {
                    if sawObjects || b != openBracket { return nil }
                    sawObjects = true
                    open = i
                    elementStart = i &+ 1
                }
                lastStringDepth = -1
            case closeBrace, closeBracket:
                if depth == 3 && elementStart >= 0 {
                    // The end of the objects array: the last element, unless the array is empty.
                    if !isWhitespace(p, elementStart..<i) || !elements.isEmpty {
                        if elements.count >= maximumElements { return nil }
                        elements.append(elementStart..<i)
                    }
                    close = i
                    elementStart = -1
                }
                depth &-= 1
                if depth < 0 { return nil }
                if depth == 1 { inRequest = false }
                lastStringDepth = -1
            case comma:
                if depth == 3 && elementStart >= 0 {
                    if elements.count >= maximumElements { return nil }
                    elements.append(elementStart..<i)
                    elementStart = i &+ 1
                }
            default:
                break
            }
            i &+= 1
        }
        guard sawObjects, open >= 0, close > open, depth == 0 else { return nil }
        return ConversionReviewLayout(open: open, close: close, elements: elements)
    }

    /// The offset of the quote that closes a string whose contents start at `from`; nil when the
    /// input ends first. Skips eight bytes at a time while none is a quote or a backslash.
    @inline(__always)
    private static func closingQuote(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int? {
        var i = from
        while end &- i >= 8 {
            let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            if hasByte(word, quote) || hasByte(word, backslash) { break }
            i &+= 8
        }
        while i < end {
            let b = p[i]
            if b == quote { return i }
            if b == backslash {
                i &+= 2  // the escaped byte cannot end the string
                continue
            }
            i &+= 1
            // Back to the fast loop after a slow stretch (an escape or a word holding the quote).
            while end &- i >= 8 {
                let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if hasByte(word, quote) || hasByte(word, backslash) { break }
                i &+= 8
            }
        }
        return nil
    }

    /// Whether any byte of `word` equals `byte` (the classic zero-byte test on `word ^ byte×8`).
    @inline(__always) private static func hasByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
    }

    private static func contains(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, _ byte: UInt8) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            if p[i] == byte { return true }
            i &+= 1
        }
        return false
    }

    private static func equals(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let bytes = text.utf8Start
        var k = 0
        while k < range.count {
            if p[range.lowerBound &+ k] != bytes[k] { return false }
            k &+= 1
        }
        return true
    }

    private static func isWhitespace(_ p: UnsafePointer<UInt8>, _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            let b = p[i]
            if b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { return false }
            i &+= 1
        }
        return true
    }
}
