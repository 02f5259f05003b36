/// Tuning of `KubeHTTPClient`. Defaults follow client-go and controller-runtime where they have one.
package struct KubeClientOptions: Sendable, Equatable {
    /// Client-side rate limit (`--kube-api-qps`): requests per second; ≤ 0 turns limiting off
    /// (and leaves fairness to the server's priority and fairness).
    package var qps: Double
    /// Requests that may go at once before the rate applies (`--kube-api-burst`).
    package var burst: Int
    /// Seconds for the TCP connect (per address) and, separately, for the TLS handshake.
    package var connectTimeout: Double
    /// Seconds for one attempt of an ordinary call, from sending the request to the last body byte.
    package var requestTimeout: Double
    /// Seconds an idle pooled connection is kept before it is closed rather than reused (Go's
    /// default idle timeout; the API server keeps idle connections longer than this).
    package var idleConnectionTimeout: Double
    /// Idle keep-alive connections kept for ordinary calls; more concurrent calls open more
    /// connections, and the surplus is closed when they finish.
    package var maxIdleConnections: Int
    /// Retries of an answer 429 or 5xx that carries Retry-After (client-go: 10).
    package var maxRetries: Int
    /// Longest wait honoured from a Retry-After header, in seconds.
    package var maxRetryAfterSeconds: Double
    /// A watch's client-side idle timeout is the server's `timeoutSeconds` plus this margin: the
    /// server ends the stream first unless the connection silently died.
    package var watchIdleMargin: Double
    /// The idle timeout of a watch that asks for no `timeoutSeconds` (the server then picks one of
    /// up to an hour, twice its --min-request-timeout of 1800 s).
    package var watchIdleTimeout: Double
    package var userAgent: String
    package var limits: HTTPClientLimits

    package init(qps: Double = 20, burst: Int = 30, connectTimeout: Double = 10, requestTimeout: Double = 60,
                idleConnectionTimeout: Double = 90, maxIdleConnections: Int = 32, maxRetries: Int = 10,
                maxRetryAfterSeconds: Double = 10, watchIdleMargin: Double = 30, watchIdleTimeout: Double = 3660,
                userAgent: String = "ray-operator", limits: HTTPClientLimits = HTTPClientLimits()) {
        self.qps = qps.isFinite ? qps : 0
        self.burst = max(1, burst)
        self.connectTimeout = Self.seconds(connectTimeout, default: 10)
        self.requestTimeout = Self.seconds(requestTimeout, default: 60)
        self.idleConnectionTimeout = Self.seconds(idleConnectionTimeout, default: 90)
        self.maxIdleConnections = max(0, maxIdleConnections)
        self.maxRetries = min(max(0, maxRetries), 100)
        self.maxRetryAfterSeconds = Self.seconds(maxRetryAfterSeconds, default: 10)
        self.watchIdleMargin = Self.seconds(watchIdleMargin, default: 30)
        self.watchIdleTimeout = Self.seconds(watchIdleTimeout, default: 3660)
        self.userAgent = userAgent
        self.limits = limits
    }

    /// A usable duration: finite, positive, at most a day.
    private static func seconds(_ value: Double, default fallback: Double) -> Double {
        guard value.isFinite, value > 0 else { return fallback }
        return min(value, 86_400)
    }
}
