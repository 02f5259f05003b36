// Serializes an HTTP/1.1 request: request line, fixed header fields, body. Pure.
// No Accept-Encoding is sent, so the API server never compresses (the client has no gzip).

package struct HTTPRequest: Sendable, Equatable {
    package var method: String
    /// Origin-form target: `/api/v1/namespaces/default/pods?limit=500`.
    package var target: String
    /// Extra fields (Authorization, Content-Type, …); Host, User-Agent, Accept and Content-Length
    /// are written by the writer.
    package var fields: [HTTPHeaderField]
    package var body: [UInt8]?

    package init(method: String, target: String, fields: [HTTPHeaderField] = [], body: [UInt8]? = nil) {
        self.method = method
        self.target = target
        self.fields = fields
        self.body = body
    }

    /// GET, HEAD, PUT and DELETE may be sent twice without a different outcome (RFC 9110 §9.2.2).
    package var isIdempotent: Bool { method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" }
}

package enum HTTPRequestWriter {
    /// The request's bytes. `hostHeader` is `host:port` (IPv6 in brackets). Throws when a field
    /// value or the target holds CR, LF or NUL, which would split the request.
    package static func serialize(_ request: HTTPRequest, hostHeader: String, userAgent: String, accept: String = "application/json") throws(KubeError) -> [UInt8] {
        try checkToken(request.method, what: "method")
        try checkTarget(request.target)
        var out: [UInt8] = []
        out.reserveCapacity(256 &+ request.target.utf8.count &+ (request.body?.count ?? 0))
        out.append(contentsOf: request.method.utf8)
        out.append(0x20)
        out.append(contentsOf: request.target.utf8)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        try appendField("Host", hostHeader, to: &out)
        try appendField("User-Agent", userAgent, to: &out)
        try appendField("Accept", accept, to: &out)
        for field in request.fields {
            try checkToken(field.name, what: "header field name")
            try appendField(field.name, field.value, to: &out)
        }
        if let body = request.body {
            try appendField("Content-Length", String(body.count), to: &out)
            out.append(contentsOf: "\r\n".utf8)
            out.append(contentsOf: body)
        } else {
            // a DELETE or PUT without a body still says so, as Go's client does for methods that may carry one
            if request.method != "GET" && request.method != "HEAD" {
                out.append(contentsOf: "Content-Length: 0\r\n".utf8)
            }
            out.append(contentsOf: "\r\n".utf8)
        }
        return out
    }

    private static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) throws(KubeError) {
        for byte in value.utf8 where byte == 0x0D || byte == 0x0A || byte == 0x00 {
            throw KubeError.configuration("header field \(name) contains a line break or NUL")
        }
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: "\r\n".utf8)
    }

    private static func checkToken(_ text: String, what: String) throws(KubeError) {
        guard !text.isEmpty, text.utf8.allSatisfy(isTokenByte) else {
            throw KubeError.configuration("invalid HTTP \(what) '\(text)'")
        }
    }

    private static func checkTarget(_ target: String) throws(KubeError) {
        guard target.utf8.first == UInt8(ascii: "/"), target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw KubeError.configuration("invalid request target '\(target)' (must be an encoded absolute path)")
        }
    }
}
