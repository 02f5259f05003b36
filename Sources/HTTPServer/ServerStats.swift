import Synchronization

/// Connection-level counters of the server (request-level metrics belong to whoever registers the
/// routes). Plain atomics so the I/O path pays one relaxed add; exported to Prometheus by
/// `ServerStats.render` / the metrics wiring.
package final class ServerStats: Sendable {
    package let connectionsAccepted = Atomic<Int>(0)
    /// Accepted and closed at once because `maxConnections` were open.
    package let connectionsRejected = Atomic<Int>(0)
    package let connectionsOpen = Atomic<Int>(0)
    package let tlsHandshakeFailures = Atomic<Int>(0)
    package let tlsHandshakeTimeouts = Atomic<Int>(0)
    /// Requests answered by the server itself with 4xx/5xx (parse errors, 404, 413, timeouts…).
    package let protocolErrors = Atomic<Int>(0)
    /// 408s and silent closes for header, body, idle and write timeouts.
    package let requestTimeouts = Atomic<Int>(0)
    package let keepAliveTimeouts = Atomic<Int>(0)
    package let requestsServed = Atomic<Int>(0)
    /// Connections closed to make room for a new one at the connection cap (`ConnectionEviction`).
    package let connectionsEvicted = Atomic<Int>(0)
    /// Requests that had to wait for the in-flight memory budget before their body was read.
    package let budgetWaits = Atomic<Int>(0)
    /// Requests refused with 503 because the in-flight memory budget had no room.
    package let budgetRefusals = Atomic<Int>(0)
    /// Times freed memory was returned to the system after a burst.
    package let memoryTrims = Atomic<Int>(0)

    package init() {}

    /// Snapshot as (metric name, help, type, value), names prefixed with `prefix`.
    package func samples(prefix: String) -> [(name: String, help: String, type: String, value: Int)] {
        [
            (prefix + "connections_accepted_total", "Connections accepted.", "counter", connectionsAccepted.load(ordering: .relaxed)),
            (prefix + "connections_rejected_total", "Connections closed at once because the open-connection limit was reached.", "counter", connectionsRejected.load(ordering: .relaxed)),
            (prefix + "connections_open", "Connections currently open.", "gauge", connectionsOpen.load(ordering: .relaxed)),
            (prefix + "tls_handshake_failures_total", "TLS handshakes that failed (bad client hello, protocol or ALPN refused, plain HTTP on the TLS port).", "counter", tlsHandshakeFailures.load(ordering: .relaxed)),
            (prefix + "tls_handshake_timeouts_total", "Connections closed because the TLS handshake did not finish in time.", "counter", tlsHandshakeTimeouts.load(ordering: .relaxed)),
            (prefix + "protocol_errors_total", "Requests refused by the HTTP layer (4xx/5xx before any handler ran).", "counter", protocolErrors.load(ordering: .relaxed)),
            (prefix + "request_timeouts_total", "Requests cut off by the header, body or write timeout.", "counter", requestTimeouts.load(ordering: .relaxed)),
            (prefix + "keepalive_timeouts_total", "Idle keep-alive connections closed by the server.", "counter", keepAliveTimeouts.load(ordering: .relaxed)),
            (prefix + "requests_total", "Requests answered (any status).", "counter", requestsServed.load(ordering: .relaxed)),
            (prefix + "connections_evicted_total", "Connections closed to make room for a new one at the open-connection limit.", "counter", connectionsEvicted.load(ordering: .relaxed)),
            (prefix + "inflight_budget_waits_total", "Requests whose body waited for room in the in-flight memory budget.", "counter", budgetWaits.load(ordering: .relaxed)),
            (prefix + "inflight_budget_refusals_total", "Requests refused with 503 because the in-flight memory budget had no room.", "counter", budgetRefusals.load(ordering: .relaxed)),
            (prefix + "memory_trims_total", "Times freed memory was returned to the system after a burst.", "counter", memoryTrims.load(ordering: .relaxed)),
        ]
    }

    /// Prometheus text exposition of `samples(prefix:)`.
    package func render(prefix: String) -> String {
        var out = ""
        for sample in samples(prefix: prefix) {
            out += "# HELP \(sample.name) \(sample.help)\n# TYPE \(sample.name) \(sample.type)\n\(sample.name) \(sample.value)\n"
        }
        return out
    }
}
