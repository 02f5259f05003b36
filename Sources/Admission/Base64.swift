import JSON

/// RFC 4648 base64 with padding: the AdmissionResponse `patch` field is a Go `[]byte`, which
/// encoding/json writes as standard base64. Our own, so the Admission module needs no Foundation.
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        // 4 output bytes per 3 input bytes, rounded up; cannot overflow for any array that exists.
        out.reserveCapacity((bytes.count / 3 &+ 1) &* 4)
        var i = 0
        let n = bytes.count
        while i &+ 3 <= n {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i &+ 1]) << 8 | UInt32(bytes[i &+ 2])
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(alphabet[Int(v & 63)])
            i &+= 3
        }
        let remaining = n &- i
        if remaining == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if remaining == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i &+ 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded standard base64; nil on any other input (tests read patches back with it).
    package static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 &* 3)
        var i = 0
        while i < input.count {
            var v: UInt32 = 0
            var padding = 0
            for j in 0..<4 {
                let c = input[i &+ j]
                let d: UInt32
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): d = UInt32(c &- 65)
                case UInt8(ascii: "a")...UInt8(ascii: "z"): d = UInt32(c &- 97) &+ 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c &- 48) &+ 52
                case UInt8(ascii: "+"): d = 62
                case UInt8(ascii: "/"): d = 63
                case UInt8(ascii: "=") where j >= 2 && i &+ 4 == input.count:
                    d = 0
                    padding &+= 1
                default: return nil
                }
                if padding > 0 && c != UInt8(ascii: "=") { return nil }
                v = v << 6 | d
            }
            out.append(UInt8(truncatingIfNeeded: v >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: v >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: v)) }
            i &+= 4
        }
        return out
    }
}
