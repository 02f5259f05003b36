// An HTTP/1.1 response and its wire form. The whole response (head and body) is serialized into one
// buffer so the server can hand it to a single SSL_write, i.e. one TLS record for small answers.

package struct HTTPResponse: Sendable {
    package var status: Int
    /// Extra header fields. Content-Length and Connection are written by `serialize` and ignored here.
    package var headers: [(String, String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A short `text/plain` error answer: the reason phrase and the message, one line each.
    package static func error(_ status: Int, _ message: String) -> HTTPResponse {
        var text = "\(status) \(reasonPhrase(status))"
        if !message.isEmpty { text += ": " + message }
        text += "\n"
        return HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// A JSON answer (`Content-Type: application/json`).
    package static func json(_ status: Int = 200, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// The interim `100 Continue` response sent before reading a body the client is holding back.
    package static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Head and body in one buffer. `Content-Length` always (except on 1xx/204/304, where the RFC
    /// forbids a body); `Connection: close` when the connection closes after this response;
    /// `Connection: keep-alive` for an HTTP/1.0 client that keeps it open.
    package func serialize(keepAlive: Bool, version: HTTPVersion = .init(major: 1, minor: 1)) -> [UInt8] {
        serialize(keepAlive: keepAlive, version: version, includeBody: true)
    }

    /// `includeBody: false` is for HEAD requests: the same head (with the body's Content-Length), no body.
    package func serialize(keepAlive: Bool, version: HTTPVersion, includeBody: Bool) -> [UInt8] {
        let bodyless = (status >= 100 && status < 200) || status == 204 || status == 304
        var out: [UInt8] = []
        out.reserveCapacity(128 &+ headers.count &* 48 &+ (includeBody && !bodyless ? body.count : 0))
        out.append(contentsOf: "HTTP/".utf8)
        appendDecimal(version.major, to: &out)
        out.append(UInt8(ascii: "."))
        appendDecimal(version.minor, to: &out)
        out.append(UInt8(ascii: " "))
        let code = (100...999).contains(status) ? status : 500
        appendDecimal(code, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: HTTPResponse.reasonPhrase(code).utf8)
        out.append(contentsOf: "\r\n".utf8)
        for (name, value) in headers {
            if equalsIgnoringCase(name, "content-length") || equalsIgnoringCase(name, "connection")
                || equalsIgnoringCase(name, "transfer-encoding") { continue }
            appendSanitized(name, to: &out)
            out.append(contentsOf: ": ".utf8)
            appendSanitized(value, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !bodyless {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if version == .http10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if includeBody && !bodyless { out.append(contentsOf: body) }
        return out
    }

    /// Reason phrases (RFC 9110 §15) for every status the server and webhook use.
    package static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default:
            switch status / 100 {
            case 1: return "Informational"
            case 2: return "Success"
            case 3: return "Redirection"
            case 4: return "Client Error"
            default: return "Server Error"
            }
        }
    }
}

/// Appends a non-negative decimal (negative values are written as 0; they never occur here).
func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    guard value > 0 else { out.append(UInt8(ascii: "0")); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var rest = value
    withUnsafeMutableBytes(of: &digits) { buffer in
        while rest > 0, count < buffer.count {
            buffer[count] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
            count &+= 1
        }
        var index = count
        while index > 0 {
            index &-= 1
            out.append(buffer[index])
        }
    }
}

/// Header text without CR, LF or NUL, so no handler can split the response.
private func appendSanitized(_ text: String, to out: inout [UInt8]) {
    let utf8 = text.utf8
    if !utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
        out.append(contentsOf: utf8)   // the common case: one copy
        return
    }
    for byte in utf8 {
        out.append(byte == 0x0D || byte == 0x0A || byte == 0 ? UInt8(ascii: " ") : byte)
    }
}

private func equalsIgnoringCase(_ text: String, _ lowercase: StaticString) -> Bool {
    let utf8 = text.utf8
    guard utf8.count == lowercase.utf8CodeUnitCount else { return false }
    var offset = 0
    for byte in utf8 {
        if asciiLower(byte) != lowercase.utf8Start[offset] { return false }
        offset &+= 1
    }
    return true
}
