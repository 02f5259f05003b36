// The HTTPS routes of the webhook: each one hands the body to a pure endpoint of module
// Admission and sends its WebhookReply back as is. The HTTP layer has already refused wrong methods
// (405), media types (415) and oversized bodies (413) before any endpoint runs.
import Conversion
import Admission
import HTTPServer

package enum WebhookPaths {
    package static let validate = "/validate-ray-io-v1-raycluster"
    package static let mutate = "/mutate-ray-io-v1-raycluster"
    package static let convert = "/convert"
}

/// Body limits of the webhook routes.
package struct WebhookBodyLimits: Sendable, Equatable {
    /// An AdmissionReview carries up to two objects of ≤ 3 MiB each: 7 MiB, as controller-runtime.
    package static let defaultAdmissionBytes = 7 * 1024 * 1024
    /// A ConversionReview can carry a whole LIST: far larger.
    package static let defaultConversionBytes = 64 * 1024 * 1024
    package static let defaultInlineBytes = 256 * 1024

    package var admissionBytes: Int = defaultAdmissionBytes
    package var conversionBytes: Int = defaultConversionBytes
    /// Requests with bodies up to this size are answered on the I/O thread (the endpoints are pure
    /// CPU work, tens of µs for a typical review: less than a worker hand-off costs); larger ones
    /// on the worker pool, so that a multi-MB conversion does not stall the loop's other connections.
    package var inlineBytes: Int = defaultInlineBytes

    package init(admissionBytes: Int = defaultAdmissionBytes, conversionBytes: Int = defaultConversionBytes,
                inlineBytes: Int = defaultInlineBytes) {
        self.admissionBytes = admissionBytes
        self.conversionBytes = conversionBytes
        self.inlineBytes = inlineBytes
    }
}

package enum WebhookRoutes {
    /// The three webhook routes, instrumented with the controller-runtime metrics when given.
    package static func routes(gates: FeatureGates, limits: WebhookBodyLimits = WebhookBodyLimits(),
                              metrics: WebhookMetrics? = nil) -> [Route] {
        let validate: HTTPHandler = { request in
            reply(AdmissionEndpoint.validate(body: request.body, contentType: request.head.contentType, gates: gates))
        }
        let mutate: HTTPHandler = { request in
            reply(AdmissionEndpoint.mutate(body: request.body, contentType: request.head.contentType, gates: gates))
        }
        let convert: HTTPHandler = { request in
            reply(ConversionEndpoint.convert(body: request.body, contentType: request.head.contentType))
        }
        return [
            Route(WebhookPaths.validate, methods: [.post], acceptedMediaType: WebhookMediaType.json,
                  maxBodyBytes: limits.admissionBytes, inlineMaxBodyBytes: limits.inlineBytes,
                  handler: instrument(WebhookPaths.validate, validate, metrics)),
            Route(WebhookPaths.mutate, methods: [.post], acceptedMediaType: WebhookMediaType.json,
                  maxBodyBytes: limits.admissionBytes, inlineMaxBodyBytes: limits.inlineBytes,
                  handler: instrument(WebhookPaths.mutate, mutate, metrics)),
            Route(WebhookPaths.convert, methods: [.post], acceptedMediaType: WebhookMediaType.json,
                  maxBodyBytes: limits.conversionBytes, inlineMaxBodyBytes: limits.inlineBytes,
                  handler: instrument(WebhookPaths.convert, convert, metrics)),
        ]
    }

    package static func router(gates: FeatureGates, limits: WebhookBodyLimits = WebhookBodyLimits(),
                              metrics: WebhookMetrics? = nil) -> Router {
        Router(routes(gates: gates, limits: limits, metrics: metrics))
    }

    static func reply(_ reply: WebhookReply) -> HTTPResponse {
        HTTPResponse(status: reply.status, headers: [("Content-Type", reply.contentType)], body: reply.body)
    }

    private static func instrument(_ path: String, _ handler: @escaping HTTPHandler, _ metrics: WebhookMetrics?) -> HTTPHandler {
        guard let metrics else { return handler }
        let series = metrics.series(for: path)
        return { request in
            let started = series.begin()
            let response = handler(request)
            series.end(status: response.status, started: started)
            return response
        }
    }
}
