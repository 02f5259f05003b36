/// One request as a handler sees it: the parsed head and the whole body.
package struct HTTPRequest: Sendable {
    package var head: HTTPRequestHead
    package var body: [UInt8]
    /// Peer address as `ip:port` (`[ip]:port` for IPv6), for logs.
    package var remoteAddress: String

    package init(head: HTTPRequestHead, body: [UInt8], remoteAddress: String = "") {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

package typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// A path and what it accepts. The server checks method (405), media type (415) and body size
/// (413) before reading the body, so a handler only ever sees requests it declared.
package struct Route: Sendable {
    package var path: String
    package var methods: [HTTPMethod]
    /// When set, requests must carry this `Content-Type` (parameters such as `charset` ignored;
    /// compared case-insensitively), else 415.
    package var acceptedMediaType: String?
    /// Body limit for this route; nil = `ServerConfiguration.defaultMaxBodyBytes`.
    package var maxBodyBytes: Int?
    /// Cheap handlers (probes, metrics) may run on the I/O thread and skip the worker hand-off.
    package var runsInline: Bool
    /// Handlers that are pure CPU work proportional to the body (admission, conversion) run on the
    /// I/O thread when the body is at most this many bytes: for a 10 KB review the handler takes
    /// tens of µs, less than the hand-off to a worker and back costs. Larger bodies still go to the
    /// workers, so one huge request cannot stall the other connections of its loop. nil = never
    /// (unless `runsInline`).
    package var inlineMaxBodyBytes: Int?
    package var handler: HTTPHandler

    package init(_ path: String, methods: [HTTPMethod], acceptedMediaType: String? = nil, maxBodyBytes: Int? = nil,
                runsInline: Bool = false, inlineMaxBodyBytes: Int? = nil, handler: @escaping HTTPHandler) {
        self.path = path
        self.methods = methods
        self.acceptedMediaType = acceptedMediaType
        self.maxBodyBytes = maxBodyBytes
        self.runsInline = runsInline
        self.inlineMaxBodyBytes = inlineMaxBodyBytes
        self.handler = handler
    }

    /// Whether a request with this many body bytes runs on the I/O thread.
    package func shouldRunInline(bodyBytes: Int) -> Bool {
        if runsInline { return true }
        guard let limit = inlineMaxBodyBytes else { return false }
        return bodyBytes <= limit
    }
}

/// Exact-path routing (webhook paths are fixed; no patterns needed).
package struct Router: Sendable {
    private var routes: [String: Route] = [:]

    package init(_ routes: [Route] = []) {
        for route in routes { add(route) }
    }

    /// A later route for the same path replaces the earlier one.
    package mutating func add(_ route: Route) {
        routes[route.path] = route
    }

    package func route(for path: String) -> Route? {
        routes[path]
    }

    package var paths: [String] { routes.keys.sorted() }
}
