// controller-runtime's webhook and certwatcher metrics, same names and labels, so existing
// dashboards carry over:
//   controller_runtime_webhook_requests_total{webhook,code}   counter
//   controller_runtime_webhook_latency_seconds{webhook}       histogram (default buckets)
//   controller_runtime_webhook_requests_in_flight{webhook}    gauge
//   certwatcher_read_certificate_total, certwatcher_read_certificate_errors_total   counters
// plus the server's own connection metrics (ray_operator_webhook_*), rendered from ServerStats.
import Metrics
import HTTPServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

package final class WebhookMetrics: Sendable {
    package let registry: MetricsRegistry
    package let certificateReads: Counter
    package let certificateReadErrors: Counter

    static let requestsName = "controller_runtime_webhook_requests_total"
    static let requestsHelp = "Total number of admission requests by HTTP status code."
    static let latencyName = "controller_runtime_webhook_latency_seconds"
    static let latencyHelp = "Histogram of the latency of processing admission requests"
    static let inFlightName = "controller_runtime_webhook_requests_in_flight"
    static let inFlightHelp = "Current number of admission requests being served."

    package init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        certificateReads = registry.counter("certwatcher_read_certificate_total", help: "Total number of certificate reads")
        certificateReadErrors = registry.counter("certwatcher_read_certificate_errors_total", help: "Total number of certificate read errors")
    }

    /// Registers the series of a webhook path up front, so they show (at 0) before the first request.
    package func register(_ path: String) {
        _ = registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path])
        _ = registry.histogram(Self.latencyName, help: Self.latencyHelp, buckets: MetricsRegistry.defaultBuckets, labels: ["webhook": path])
    }

    /// Marks a request in flight; returns its start time for `end`.
    package func begin(_ path: String) -> UInt64 {
        registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]).increment()
        return Self.now()
    }

    package func end(_ path: String, status: Int, started: UInt64) {
        let seconds = Double(Self.now() &- started) / 1e9
        registry.histogram(Self.latencyName, help: Self.latencyHelp, buckets: MetricsRegistry.defaultBuckets,
                           labels: ["webhook": path]).observe(seconds)
        registry.counter(Self.requestsName, help: Self.requestsHelp, labels: ["webhook": path, "code": String(status)]).increment()
        registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]).decrement()
    }

    /// The series of one webhook path, looked up once: `instrument` calls this when the routes are
    /// built, so a request costs no registry lookups (label dictionaries, name checks, a lock).
    package func series(for path: String) -> WebhookPathMetrics {
        WebhookPathMetrics(
            metrics: self, path: path,
            inFlight: registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]),
            latency: registry.histogram(Self.latencyName, help: Self.latencyHelp, buckets: MetricsRegistry.defaultBuckets,
                                        labels: ["webhook": path]))
    }

    /// Requests answered on `path` with `code` so far.
    package func requests(_ path: String, code: Int) -> Int {
        registry.counter(Self.requestsName, help: Self.requestsHelp, labels: ["webhook": path, "code": String(code)]).value
    }

    package func inFlight(_ path: String) -> Double {
        registry.gauge(Self.inFlightName, help: Self.inFlightHelp, labels: ["webhook": path]).value
    }

    /// Prometheus text exposition of the registry.
    package func render() -> String {
        registry.render()
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(truncatingIfNeeded: ts.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: ts.tv_nsec)
    }
}

/// `WebhookMetrics.begin`/`end` for one path with its series resolved in advance. Statuses other
/// than 200 (rare: bad requests) still go through the registry.
package final class WebhookPathMetrics: Sendable {
    let metrics: WebhookMetrics
    let path: String
    let inFlight: Gauge
    let latency: Histogram
    /// The `code="200"` counter, created on the first 200 (as the registry would: no series at 0 before).
    private let ok = Mutex<Counter?>(nil)

    init(metrics: WebhookMetrics, path: String, inFlight: Gauge, latency: Histogram) {
        self.metrics = metrics
        self.path = path
        self.inFlight = inFlight
        self.latency = latency
    }

    package func begin() -> UInt64 {
        inFlight.increment()
        return WebhookMetrics.now()
    }

    package func end(status: Int, started: UInt64) {
        latency.observe(Double(WebhookMetrics.now() &- started) / 1e9)
        if status == 200 {
            let okCounter = ok.withLock { cached -> Counter in
                if let cached { return cached }
                let made = self.counter(for: 200)
                cached = made
                return made
            }
            okCounter.increment()
        } else {
            counter(for: status).increment()
        }
        inFlight.decrement()
    }

    private func counter(for status: Int) -> Counter {
        metrics.registry.counter(WebhookMetrics.requestsName, help: WebhookMetrics.requestsHelp,
                                 labels: ["webhook": path, "code": String(status)])
    }
}
