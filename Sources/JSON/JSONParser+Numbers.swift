// Literals (true, false, null) and RFC 8259 numbers: integers within Int64 as `.integer`, every
// other number as its exact literal text.

extension JSONParser {
    // MARK: - Literals

    @inline(__always)
    mutating func expectLiteral(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8 = 0,
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
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
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
    @inline(__always) mutating func scanNumber() throws(JSONParseError) -> Bool {
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
}
