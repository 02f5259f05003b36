// controller-runtime's webhook and certwatcher metrics, same names and labels, so existing
// dashboards carry over:
//   controller_runtime_webhook_requests_total{webhook,code}   counter
//   controller_runtime_webhook_latency_seconds{webhook}       histogram (default buckets)
//   controller_runtime_webhook_requests_in_flight{webhook}    gauge
//   certwatcher_read_certificate_total, certwatcher_read_certificate_errors_total   counters
// plus the server's own connection metrics (ray_operator_webhook_*), rendered from ServerStats.
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

public final class WebhookMetrics: Sendable {
    public let registry: MetricsRegistry
    public let certificateReads: Counter
    public let certificateReadErrors: Counter

    static let requestsName = "controller_runtime_webhook_requests_total"
    static let requestsHelp = "Total number of admission requests by HTTP status code."
    static let latencyName = "controller_runtime_webhook_latency_seconds"
    static let latencyHelp = "Histogram of the latency of processing admission requests"
    static let inFlightName = "controller_runtime_webhook_requests_in_flight"
    static let inFlightHelp = "Current number of admission requests being served."

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        certificateReads = registry.counter("certwatcher_read_certificate_total", help: "Total number of certificate reads")
        certificateReadErrors = registry.counter("certwatcher_read_certificate_errors_total", help: "Total number of certificate read errors")
    }

    /// Registers the series of a webhook path up front, so they show (at 0) before the first request.
    public func register(_ path: String) {
        _ = registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path])
        _ = registry.histogram(Self.latencyName, help: Self.latencyHelp, buckets: MetricsRegistry.defaultBuckets, labels: ["webhook": path])
    }

    /// Marks a request in flight; returns its start time for `end`.
    public func begin(_ path: String) -> UInt64 {
        registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]).increment()
        return Self.now()
    }

    public func end(_ path: String, status: Int, started: UInt64) {
        let seconds = Double(Self.now() &- started) / 1e9
        registry.histogram(Self.latencyName, help: Self.latencyHelp, buckets: MetricsRegistry.defaultBuckets,
                           labels: ["webhook": path]).observe(seconds)
        registry.counter(Self.requestsName, help: Self.requestsHelp, labels: ["webhook": path, "code": String(status)]).increment()
        registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]).decrement()
    }

    /// Requests answered on `path` with `code` so far.
    public func requests(_ path: String, code: Int) -> Int {
        registry.counter(Self.requestsName, help: Self.requestsHelp, labels: ["webhook": path, "code": String(code)]).value
    }

    public func inFlight(_ path: String) -> Double {
        registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]).value
    }

    /// Prometheus text exposition of the registry.
    public func render() -> String {
        registry.render()
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(truncatingIfNeeded: ts.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: ts.tv_nsec)
    }
}
