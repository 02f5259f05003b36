// Compact, deterministic JSON output behind `JSONValue.serialized()`.
//
// Keys in the object's order, no whitespace, integers in decimal, `.number` literals as they are
// (they came from a document or from a Double, both valid JSON numbers; a hand-made literal that is
// not a JSON number is written as `null` rather than producing invalid JSON). Strings escape only
// what JSON requires: `"`, `\` and control characters (`\b \f \n \r \t`, others `\u00XX`); `/` and
// non-ASCII are written as they are. Parsing and re-serializing a compact document therefore gives
// the same bytes.

struct JSONSerializer {
    var out: [UInt8] = []

    init(capacity: Int) { out.reserveCapacity(capacity) }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendLiteral("null")
        case .bool(let b): appendLiteral(b ? "true" : "false")
        case .integer(let n): writeInteger(n)
        case .number(let literal):
            if JSONSerializer.isValidNumberLiteral(literal) { appendLiteral(literal) } else { appendLiteral("null") }
        case .string(let s): writeString(s)
        case .array(let elements):
            out.append(0x5B)
            var first = true
            for element in elements {
                if !first { out.append(0x2C) }
                first = false
                write(element)
            }
            out.append(0x5D)
        case .object(let object):
            out.append(0x7B)
            var first = true
            for member in object.members {
                if !first { out.append(0x2C) }
                first = false
                writeString(member.key)
                out.append(0x3A)
                write(member.value)
            }
            out.append(0x7D)
        }
    }

    @inline(__always) private mutating func appendLiteral(_ s: String) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    private mutating func writeInteger(_ n: Int64) {
        // Digits into a small stack buffer, least significant first; magnitude as UInt64 so that
        // Int64.min needs no special case.
        var magnitude = n.magnitude
        if n < 0 { out.append(0x2D) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var k = 0
            repeat {
                raw[k] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
                k &+= 1
            } while magnitude != 0
            return k
        }
        withUnsafeBytes(of: &digits) { raw in
            var k = count
            while k > 0 {
                k &-= 1
                out.append(raw[k])
            }
        }
    }

    mutating func writeString(_ s: String) {
        var s = s
        out.append(0x22)
        s.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let end = bytes.count
            var runStart = 0
            var i = 0
            while i < end {
                let b = base[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C {
                    i &+= 1
                    continue
                }
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i &- runStart)) }
                out.append(0x5C)
                switch b {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x08: out.append(0x62)
                case 0x0C: out.append(0x66)
                case 0x0A: out.append(0x6E)
                case 0x0D: out.append(0x72)
                case 0x09: out.append(0x74)
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(0x75); out.append(0x30); out.append(0x30)
                    out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xF)])
                }
                i &+= 1
                runStart = i
            }
            if end > runStart { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: end &- runStart)) }
        }
        out.append(0x22)
    }

    /// RFC 8259 number grammar check for hand-made `.number` literals.
    static func isValidNumberLiteral(_ literal: String) -> Bool {
        var it = literal.utf8.makeIterator()
        var c = it.next()
        func digit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if c == 0x2D { c = it.next() }
        if c == 0x30 {
            c = it.next()
        } else if digit(c) {
            while digit(c) { c = it.next() }
        } else {
            return false
        }
        if c == 0x2E {
            c = it.next()
            guard digit(c) else { return false }
            while digit(c) { c = it.next() }
        }
        if c == 0x65 || c == 0x45 {
            c = it.next()
            if c == 0x2B || c == 0x2D { c = it.next() }
            guard digit(c) else { return false }
            while digit(c) { c = it.next() }
        }
        return c == nil
    }
}
