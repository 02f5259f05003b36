// The status line and header fields of an HTTP/1.1 response, parsed from bytes (RFC 9112 §4–6).
// Pure: no I/O. The parser answers nil while the head is incomplete, so the caller reads more and
// asks again; it never reads past `maxHeaderBytes` and never traps on hostile input.

/// How the body of a response is delimited.
package enum HTTPBodyFraming: Sendable, Equatable {
    /// No body (1xx, 204, 304).
    case empty
    case contentLength(Int)
    case chunked
    /// Until the server closes the connection (no length and no chunking).
    case untilClose
}

package struct HTTPHeaderField: Sendable, Equatable {
    package var name: String
    package var value: String
    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

package struct HTTPResponseHead: Sendable, Equatable {
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    package var minorVersion: Int
    package var status: Int
    package var reason: String
    /// In the order received; names as sent.
    package var fields: [HTTPHeaderField]
    package var framing: HTTPBodyFraming

    /// The first value of `name` (case-insensitive), if present.
    package func header(_ name: String) -> String? {
        fields.first { asciiCaseInsensitiveEquals($0.name, name) }?.value
    }

    /// Whether the connection may carry another request after this response: HTTP/1.1 without
    /// `Connection: close`, and a body whose end is known without the connection closing.
    package var allowsReuse: Bool {
        guard minorVersion >= 1, framing != .untilClose else { return false }
        for field in fields where asciiCaseInsensitiveEquals(field.name, "connection") {
            for token in field.value.split(separator: ",") where asciiCaseInsensitiveEquals(trimOWS(token), "close") {
                return false
            }
        }
        return true
    }

    /// `Retry-After` as delay-seconds (the HTTP-date form is not used by the API server and is ignored).
    package var retryAfterSeconds: Int? {
        guard let value = header("retry-after") else { return nil }
        let text = trimOWS(Substring(value))
        guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}

package enum HTTPResponseHeadParser {
    /// Parses a complete head at the start of `bytes`. Answers nil when the blank line ending the
    /// head has not arrived yet; throws when the head is malformed or longer than the limit.
    /// `consumed` counts the bytes of the head, the blank line included.
    package static func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTPClientLimits) throws(KubeError) -> (head: HTTPResponseHead, consumed: Int)? {
        guard let end = headEnd(bytes, limit: limits.maxHeaderBytes) else {
            if bytes.count >= limits.maxHeaderBytes {
                throw KubeError.protocolViolation("response head larger than \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        // Lines of the head, without the final empty line; each ends with CRLF.
        var lines: [UnsafeRawBufferPointer] = []
        var lineStart = 0
        var index = 0
        while index < end {
            if bytes[index] == 0x0A {
                guard index > lineStart, bytes[index &- 1] == 0x0D else {
                    throw KubeError.protocolViolation("response head line does not end with CRLF")
                }
                lines.append(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<(index &- 1)]))
                lineStart = index &+ 1
                guard lines.count <= limits.maxHeaderCount &+ 1 else {
                    throw KubeError.protocolViolation("more than \(limits.maxHeaderCount) header fields")
                }
            }
            index &+= 1
        }
        guard let statusLine = lines.first else { throw KubeError.protocolViolation("empty response head") }
        let (minor, status, reason) = try parseStatusLine(statusLine)
        var fields: [HTTPHeaderField] = []
        fields.reserveCapacity(lines.count &- 1)
        for line in lines.dropFirst() {
            fields.append(try parseField(line))
        }
        let framing = try bodyFraming(status: status, fields: fields, limits: limits)
        return (HTTPResponseHead(minorVersion: minor, status: status, reason: reason, fields: fields, framing: framing), end &+ 2)
    }

    /// Index of the CRLF that ends the head (the second of the final CRLF CRLF), searching at most
    /// `limit` bytes; nil when not found.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Int? {
        let count = min(bytes.count, limit)
        guard count >= 4 else { return nil }
        var index = 3
        while index < count {
            if bytes[index] == 0x0A && bytes[index &- 1] == 0x0D && bytes[index &- 2] == 0x0A && bytes[index &- 3] == 0x0D {
                return index &- 1
            }
            index &+= 1
        }
        return nil
    }

    /// `HTTP/1.1 200 OK`: version, three digits, optional reason.
    private static func parseStatusLine(_ line: UnsafeRawBufferPointer) throws(KubeError) -> (Int, Int, String) {
        let prefix = Array("HTTP/1.".utf8)
        guard line.count >= 12, line.starts(with: prefix), line[7] == 0x30 || line[7] == 0x31, line[8] == 0x20 else {
            throw KubeError.protocolViolation("not an HTTP/1.x status line: \(printable(line))")
        }
        var status = 0
        for offset in 9..<12 {
            let digit = line[offset]
            guard digit >= 0x30 && digit <= 0x39 else { throw KubeError.protocolViolation("invalid status code in \(printable(line))") }
            status = status &* 10 &+ Int(digit &- 0x30)
        }
        guard status >= 100 else { throw KubeError.protocolViolation("invalid status code in \(printable(line))") }
        guard line.count == 12 || line[12] == 0x20 else { throw KubeError.protocolViolation("invalid status line: \(printable(line))") }
        let reason = line.count > 13 ? String(decoding: UnsafeRawBufferPointer(rebasing: line[13...]), as: UTF8.self) : ""
        return (Int(line[7] &- 0x30), status, reason)
    }

    private static func parseField(_ line: UnsafeRawBufferPointer) throws(KubeError) -> HTTPHeaderField {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
            throw KubeError.protocolViolation("malformed header field: \(printable(line))")
        }
        for index in 0..<colon where !isTokenByte(line[index]) {
            throw KubeError.protocolViolation("invalid header field name: \(printable(line))")
        }
        var start = colon &+ 1
        var end = line.count
        while start < end && (line[start] == 0x20 || line[start] == 0x09) { start &+= 1 }
        while end > start && (line[end &- 1] == 0x20 || line[end &- 1] == 0x09) { end &-= 1 }
        for index in start..<end {
            let byte = line[index]
            guard byte == 0x09 || (byte >= 0x20 && byte != 0x7F) else {
                throw KubeError.protocolViolation("control character in header field \(printable(UnsafeRawBufferPointer(rebasing: line[0..<colon])))")
            }
        }
        return HTTPHeaderField(name: String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self),
                               value: String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self))
    }

    /// RFC 9112 §6.3, for a response to a request that is not HEAD or CONNECT.
    private static func bodyFraming(status: Int, fields: [HTTPHeaderField], limits: HTTPClientLimits) throws(KubeError) -> HTTPBodyFraming {
        if status < 200 || status == 204 || status == 304 { return .empty }
        var transferCodings: [Substring] = []
        var contentLength: Int? = nil
        for field in fields {
            if asciiCaseInsensitiveEquals(field.name, "transfer-encoding") {
                for coding in field.value.split(separator: ",") {
                    let trimmed = trimOWS(coding)
                    if !trimmed.isEmpty { transferCodings.append(trimmed) }
                }
            } else if asciiCaseInsensitiveEquals(field.name, "content-length") {
                // a repeated field, or a list of identical values, is tolerated; differing values are not
                for item in field.value.split(separator: ",", omittingEmptySubsequences: false) {
                    let text = trimOWS(item)
                    guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text) else {
                        throw KubeError.protocolViolation("invalid Content-Length '\(field.value)'")
                    }
                    if let contentLength, contentLength != value {
                        throw KubeError.protocolViolation("conflicting Content-Length values")
                    }
                    contentLength = value
                }
            }
        }
        if !transferCodings.isEmpty {
            guard contentLength == nil else {
                throw KubeError.protocolViolation("response has both Transfer-Encoding and Content-Length")
            }
            // The client asks for no compression; chunked is the only coding it accepts.
            guard transferCodings.count == 1, asciiCaseInsensitiveEquals(transferCodings[0], "chunked") else {
                throw KubeError.protocolViolation("unsupported Transfer-Encoding '\(transferCodings.joined(separator: ", "))'")
            }
            return .chunked
        }
        if let contentLength { return .contentLength(contentLength) }
        return .untilClose
    }
}

// MARK: - byte helpers shared by the codec

/// RFC 9110 token characters (header field names).
@inline(__always)
func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
         UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
         UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): return true
    default: return false
    }
}

func asciiCaseInsensitiveEquals<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
    let x = a.utf8, y = b.utf8
    guard x.count == y.count else { return false }
    for (p, q) in zip(x, y) {
        let lp = p >= 0x41 && p <= 0x5A ? p | 0x20 : p
        let lq = q >= 0x41 && q <= 0x5A ? q | 0x20 : q
        if lp != lq { return false }
    }
    return true
}

/// Without leading and trailing spaces and tabs.
func trimOWS(_ text: Substring) -> Substring {
    var start = text.startIndex
    var end = text.endIndex
    while start < end, text[start] == " " || text[start] == "\t" { start = text.index(after: start) }
    while end > start {
        let before = text.index(before: end)
        guard text[before] == " " || text[before] == "\t" else { break }
        end = before
    }
    return text[start..<end]
}

/// Up to 120 bytes of `bytes` for an error message, control characters and non-ASCII escaped.
func printable(_ bytes: UnsafeRawBufferPointer) -> String {
    var out = ""
    for byte in bytes.prefix(120) {
        if byte >= 0x20 && byte < 0x7F {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            let digits = Array("0123456789abcdef")
            out += "\\x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
        }
    }
    if bytes.count > 120 { out += "…" }
    return out
}
