// Standard base64 (RFC 4648 §4) for kubeconfig's `*-data` fields. Whitespace and line breaks are
// skipped (some tools wrap long values), padding is optional; anything else is an error.

enum Base64Decoding {
    /// The decoded bytes, or nil when `text` is not base64.
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { continue }
            if byte == UInt8(ascii: "=") {
                padding &+= 1
                if padding > 2 { return nil }
                continue
            }
            // data after padding is not base64
            if padding > 0 { return nil }
            guard let value = sextet(byte) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits &+= 6
            if bits >= 8 {
                bits &-= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) &- 1
            }
        }
        // 6 leftover bits cannot come from whole bytes (leftover bits of a valid tail are
        // dropped, as Go's decoder does)
        if bits >= 6 { return nil }
        return out
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x41...0x5A: return byte &- 0x41
        case 0x61...0x7A: return byte &- 0x61 &+ 26
        case 0x30...0x39: return byte &- 0x30 &+ 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
