import JSON
import Metrics
import Synchronization
import TLS

/// The Kubernetes API over HTTPS/1.1 on the project's TLS layer: `KubeAPI` for the real API server.
///
/// Ordinary calls share a bounded pool of keep-alive connections; every watch gets a connection of
/// its own (on HTTP/1.1 a watch holds its connection for as long as it streams). All calls block
/// the calling thread; any number of threads may call at once.
///
/// Retries, all bounded:
/// - a REUSED idle connection that fails before any byte of the answer arrived is replaced by a
///   fresh one and an idempotent request (GET, PUT, DELETE) is sent once more: the server may have
///   closed the idle connection just as the request went out;
/// - an answer 429 or 5xx carrying `Retry-After` is retried after that many seconds (capped),
///   at most `maxRetries` times, as client-go does.
/// Nothing else is retried here: the informer, leader election and the reconciler decide.
package final class KubeHTTPClient: KubeAPI, Sendable {
    package let configuration: KubeConfiguration
    package let options: KubeClientOptions
    private let tlsContext: ClientTLSContext
    private let tokenSource: BearerTokenSource
    private let pool: ConnectionPool
    private let rateLimiter: TokenBucket?
    private let metrics: KubeClientMetrics?
    private let closed = Atomic<Bool>(false)

    /// Builds the TLS context from the configuration's PEM bytes; throws `.configuration` when
    /// they cannot be used (bad PEM, key not matching the certificate…). No connection is opened yet.
    package init(configuration: KubeConfiguration, options: KubeClientOptions = .init(), metrics: MetricsRegistry? = nil) throws(KubeError) {
        self.configuration = configuration
        self.options = options
        do {
            tlsContext = try ClientTLSContext.make(trustedCAPEM: configuration.certificateAuthorityPEM,
                                                   clientCertificatePEM: configuration.clientCertificatePEM,
                                                   clientKeyPEM: configuration.clientKeyPEM,
                                                   insecureSkipVerify: configuration.insecureSkipTLSVerify)
        } catch {
            throw KubeError.configuration("\(configuration.source): \(error.message)")
        }
        tokenSource = BearerTokenSource(token: configuration.bearerToken, tokenFile: configuration.bearerTokenFile)
        pool = ConnectionPool(maxIdle: options.maxIdleConnections, idleTimeout: options.idleConnectionTimeout)
        rateLimiter = options.qps > 0 ? TokenBucket(qps: options.qps, burst: options.burst) : nil
        self.metrics = metrics.map { KubeClientMetrics(registry: $0, host: configuration.server.hostAndPort) }
    }

    deinit { pool.removeAll() }

    /// The namespace of the configuration's context (or of the pod, in-cluster).
    package var defaultNamespace: String { configuration.namespace }

    /// Idle connections kept for reuse right now.
    package var idleConnectionCount: Int { pool.idleCount }

    /// Closes the idle connections; later calls fail with `.cancelled`. Watches already open are
    /// closed by their owners.
    package func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        pool.removeAll()
    }

    // MARK: - KubeAPI

    package func get(_ resource: KubeResource, namespace: String?, name: String) throws(KubeError) -> JSONValue {
        let path = try KubeRequestPath.object(resource, namespace: namespace, name: name, prefix: configuration.server.pathPrefix)
        return try callJSON(HTTPRequest(method: "GET", target: path))
    }

    package func list(_ resource: KubeResource, namespace: String?, options: ListOptions) throws(KubeError) -> JSONValue {
        let path = try KubeRequestPath.collection(resource, namespace: namespace, prefix: configuration.server.pathPrefix)
        return try callJSON(HTTPRequest(method: "GET", target: path + KubeRequestPath.query(options)))
    }

    package func create(_ resource: KubeResource, namespace: String?, object: JSONValue) throws(KubeError) -> JSONValue {
        // a namespaced object names its namespace in metadata when the caller does not
        let target = resource.namespaced ? (namespace ?? object["metadata"]?["namespace"]?.stringValue) : nil
        if resource.namespaced && target == nil {
            throw KubeRequestPath.invalidRequest("\(resource) is namespaced: no namespace given and none in metadata.namespace")
        }
        let path = try KubeRequestPath.collection(resource, namespace: target, prefix: configuration.server.pathPrefix)
        return try callJSON(HTTPRequest(method: "POST", target: path, fields: [Self.jsonContentType], body: object.serialized()))
    }

    package func update(_ resource: KubeResource, namespace: String?, name: String, object: JSONValue,
                       subresource: String?) throws(KubeError) -> JSONValue {
        let path = try KubeRequestPath.object(resource, namespace: namespace, name: name, subresource: subresource,
                                              prefix: configuration.server.pathPrefix)
        return try callJSON(HTTPRequest(method: "PUT", target: path, fields: [Self.jsonContentType], body: object.serialized()))
    }

    package func mergePatch(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue,
                           subresource: String?) throws(KubeError) -> JSONValue {
        let path = try KubeRequestPath.object(resource, namespace: namespace, name: name, subresource: subresource,
                                              prefix: configuration.server.pathPrefix)
        return try callJSON(HTTPRequest(method: "PATCH", target: path,
                                        fields: [HTTPHeaderField(name: "Content-Type", value: "application/merge-patch+json")],
                                        body: patch.serialized()))
    }

    package func delete(_ resource: KubeResource, namespace: String?, name: String, options: DeleteOptions) throws(KubeError) {
        let path = try KubeRequestPath.object(resource, namespace: namespace, name: name, prefix: configuration.server.pathPrefix)
        _ = try call(HTTPRequest(method: "DELETE", target: path, fields: [Self.jsonContentType],
                                 body: Self.deleteOptionsBody(options).serialized()))
    }

    package func deleteCollection(_ resource: KubeResource, namespace: String?, labelSelector: String,
                                 options: DeleteOptions) throws(KubeError) {
        let path = try KubeRequestPath.collection(resource, namespace: namespace, prefix: configuration.server.pathPrefix)
        _ = try call(HTTPRequest(method: "DELETE", target: path + KubeRequestPath.query(labelSelector: labelSelector),
                                 fields: [Self.jsonContentType], body: Self.deleteOptionsBody(options).serialized()))
    }

    package func watch(_ resource: KubeResource, namespace: String?, options: WatchOptions) throws(KubeError) -> any WatchStream {
        let path = try KubeRequestPath.collection(resource, namespace: namespace, prefix: configuration.server.pathPrefix)
        let request = HTTPRequest(method: "GET", target: path + KubeRequestPath.query(options))
        let bytes = try serialize(request)
        rateLimiter?.wait()
        if closed.load(ordering: .relaxed) { throw KubeError.cancelled }
        let start = monotonicNow()
        let connection: KubeConnection
        do {
            connection = try connect()
        } catch {
            metrics?.record(method: "GET", code: nil, seconds: monotonicNow() - start)
            throw error
        }
        let head: HTTPResponseHead
        do {
            connection.setDeadline(seconds: self.options.requestTimeout)
            try connection.send(bytes)
            head = try connection.reader.readHead(from: connection)
        } catch {
            metrics?.record(method: "GET", code: nil, seconds: monotonicNow() - start)
            throw error
        }
        metrics?.record(method: "GET", code: head.status, seconds: monotonicNow() - start)
        guard head.status == 200 else {
            let body = (try? connection.reader.readBody(of: head, from: connection)) ?? []
            throw KubeError.api(APIStatus(httpCode: head.status, body: body, retryAfterSeconds: head.retryAfterSeconds))
        }
        let idle = options.timeoutSeconds.map { Double($0) + self.options.watchIdleMargin } ?? self.options.watchIdleTimeout
        connection.clearDeadline(idleSeconds: idle)
        return HTTPWatchStream(connection: connection, head: head, limits: self.options.limits, idleTimeout: idle,
                               description: "watch \(resource)" + (namespace.map { " in \($0)" } ?? ""))
    }

    // MARK: - requests

    static let jsonContentType = HTTPHeaderField(name: "Content-Type", value: "application/json")

    static func deleteOptionsBody(_ options: DeleteOptions) -> JSONValue {
        var body: JSONObject = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let policy = options.propagationPolicy { body["propagationPolicy"] = .string(policy) }
        if let seconds = options.gracePeriodSeconds { body["gracePeriodSeconds"] = .integer(Int64(seconds)) }
        if let uid = options.preconditionUID { body["preconditions"] = ["uid": .string(uid)] }
        return .object(body)
    }

    /// A call whose success answer is a JSON object.
    private func callJSON(_ request: HTTPRequest) throws(KubeError) -> JSONValue {
        let body = try call(request)
        do {
            return try JSONValue.parse(body, limits: JSONParseLimits(maxBytes: options.limits.maxBodyBytes))
        } catch {
            throw KubeError.protocolViolation("answer to \(request.method) \(request.target) is not valid JSON: \(error)")
        }
    }

    /// The body of a 2xx answer; any other answer becomes `KubeError.api`.
    private func call(_ request: HTTPRequest) throws(KubeError) -> [UInt8] {
        let (head, body) = try execute(request)
        guard (200..<300).contains(head.status) else {
            throw KubeError.api(APIStatus(httpCode: head.status, body: body, retryAfterSeconds: head.retryAfterSeconds))
        }
        return body
    }

    /// Sends the request, retrying 429/5xx answers that carry Retry-After (bounded).
    func execute(_ request: HTTPRequest) throws(KubeError) -> (HTTPResponseHead, [UInt8]) {
        var retries = 0
        while true {
            let bytes = try serialize(request)   // again per attempt: the token may have rotated
            let (head, body) = try attempt(request, bytes: bytes)
            if head.status == 429 || head.status >= 500, let seconds = head.retryAfterSeconds, retries < options.maxRetries {
                retries &+= 1
                sleepSeconds(min(Double(seconds), options.maxRetryAfterSeconds))
                continue
            }
            return (head, body)
        }
    }

    /// One attempt (plus the single resend on a fresh connection when a reused one turned out closed).
    private func attempt(_ request: HTTPRequest, bytes: [UInt8]) throws(KubeError) -> (HTTPResponseHead, [UInt8]) {
        rateLimiter?.wait()
        var resent = false
        while true {
            if closed.load(ordering: .relaxed) { throw KubeError.cancelled }
            let start = monotonicNow()
            var connection: KubeConnection
            var reused = false
            if let idle = pool.take() {
                connection = idle
                reused = true
            } else {
                do {
                    connection = try connect()
                } catch {
                    metrics?.record(method: request.method, code: nil, seconds: monotonicNow() - start)
                    throw error
                }
            }
            do {
                connection.setDeadline(seconds: options.requestTimeout)
                connection.reader.beginResponse()
                try connection.send(bytes)
                let head = try connection.reader.readHead(from: connection)
                let body = try connection.reader.readBody(of: head, from: connection)
                metrics?.record(method: request.method, code: head.status, seconds: monotonicNow() - start)
                if head.allowsReuse && connection.reader.unconsumedByteCount == 0 && !closed.load(ordering: .relaxed) {
                    pool.put(connection)
                }
                return (head, body)
            } catch {
                metrics?.record(method: request.method, code: nil, seconds: monotonicNow() - start)
                if reused && !resent && request.isIdempotent && !connection.reader.receivedResponseBytes {
                    resent = true
                    continue
                }
                throw error
            }
        }
    }

    private func serialize(_ request: HTTPRequest) throws(KubeError) -> [UInt8] {
        var request = request
        if let token = try tokenSource.current() {
            request.fields.append(HTTPHeaderField(name: "Authorization", value: "Bearer " + token))
        }
        return try HTTPRequestWriter.serialize(request, hostHeader: configuration.server.hostAndPort, userAgent: options.userAgent)
    }

    /// A fresh connection (TCP connect plus TLS handshake).
    private func connect() throws(KubeError) -> KubeConnection {
        do {
            let tls = try TLSClientConnection.connect(host: configuration.server.host, port: configuration.server.port,
                                                      context: tlsContext, serverName: configuration.tlsServerName,
                                                      connectTimeout: options.connectTimeout, ioTimeout: options.requestTimeout)
            return KubeConnection(tls: tls, limits: options.limits)
        } catch {
            throw KubeError.transport(error.message)
        }
    }
}
