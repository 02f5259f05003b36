// Plain-HTTP routes beside a process's main work (the webhook, the controller): liveness,
// readiness ("ok" with 200; a failing check, including a process that is draining for shutdown,
// with 503 Service Unavailable: the state is temporary and the client should go elsewhere, which
// is what 503 says and what load balancers and kubelet both read as not ready), and Prometheus
// metrics.

package enum ProbeRoutes {
    /// `/healthz` is always ok while the process serves; `/readyz` only while `isReady()`.
    /// `notReady` names the failing check in the body (the webhook: no certificate, not listening,
    /// or shutting down; the controller: caches not synced).
    package static func healthRouter(
        notReady: String = "webhook not ready (no certificate, not listening, or shutting down)",
        isReady: @escaping @Sendable () -> Bool
    ) -> Router {
        Router([
            Route("/healthz", methods: [.get], runsInline: true) { _ in
                HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("ok".utf8))
            },
            Route("/readyz", methods: [.get], runsInline: true) { _ in
                isReady()
                    ? HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("ok".utf8))
                    : HTTPResponse(status: 503, headers: [("Content-Type", "text/plain; charset=utf-8")],
                                   body: Array("[-]\(notReady)\nreadyz check failed".utf8))
            },
        ])
    }

    /// `/metrics` in the Prometheus text exposition format 0.0.4.
    package static func metricsRouter(render: @escaping @Sendable () -> String) -> Router {
        Router([
            Route("/metrics", methods: [.get]) { _ in
                HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                             body: Array(render().utf8))
            },
        ])
    }
}
