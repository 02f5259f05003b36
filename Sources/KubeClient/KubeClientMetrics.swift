import Metrics

/// client-go's REST client metrics, so dashboards built for Go controllers work unchanged:
/// `rest_client_requests_total{code,method,host}` counts every attempt by its answer's code
/// ("<error>" when there was no answer), and `rest_client_request_duration_seconds{verb,host}`
/// times each attempt up to its last byte (up to the head, for watches).
struct KubeClientMetrics: Sendable {
    let registry: MetricsRegistry
    let host: String

    /// client-go's buckets for request latency.
    static let durationBuckets: [Double] = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60]

    func record(method: String, code: Int?, seconds: Double) {
        registry.counter("rest_client_requests_total",
                         help: "Number of HTTP requests, partitioned by status code, method, and host.",
                         labels: ["code": code.map(String.init) ?? "<error>", "method": method, "host": host]).increment()
        registry.histogram("rest_client_request_duration_seconds",
                           help: "Request latency in seconds. Broken down by verb, and host.",
                           buckets: Self.durationBuckets, labels: ["verb": method, "host": host]).observe(seconds)
    }
}
