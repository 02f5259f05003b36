import Threads
import JSON
import RayAPI

/// The `/convert` endpoint: an `apiextensions.k8s.io/v1` ConversionReview in and out.
/// 415 for a body that is not declared JSON, 400 for one that is not a ConversionReview, otherwise
/// 200 with the response review (conversion failures included, as the API server expects).
package enum ConversionEndpoint {
    package static func convert(body: [UInt8], contentType: String?) -> WebhookReply {
        convert(body: body, contentType: contentType, release: DeferredRelease.shared)
    }

    /// `convert` freeing the review's trees through `release` (big reviews) or inline (small ones:
    /// a hand-off costs more than freeing a few objects).
    static func convert(body: [UInt8], contentType: String?, release: DeferredRelease) -> WebhookReply {
        guard WebhookMediaType.isJSON(contentType) else { return WebhookMediaType.refusal(contentType) }
        // The response carries the same objects at another version: up to 1.6 times the request's
        // size (v1alpha1 → v1 adds the conversion data). Reserving twice spares growing the buffers;
        // pages never written cost nothing.
        let capacity = body.count &+ body.count
        if let bytes = ConversionReviewSplit.convert(body, reservingCapacity: capacity) {
            // A big review, parsed and converted in parts straight from the body (each object
            // freed as soon as it is written: nothing left to release).
            return WebhookReply(status: 200, body: bytes)
        }
        return convertWhole(body: body, reservingCapacity: capacity, release: release)
    }

    /// The whole path: the body parsed in one piece, then converted (in parts when big).
    static func convertWhole(body: [UInt8], reservingCapacity capacity: Int, release: DeferredRelease?) -> WebhookReply {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(body)
        } catch {
            return .badRequest("the body is not a ConversionReview: \(error)")
        }
        let request: ConversionReviewRequest
        do {
            request = try ConversionReview.request(from: parsed)
        } catch {
            return .badRequest("the body is not a ConversionReview: \(error.message)")
        }
        let bytes = ConversionResponseWriter.write(request, reservingCapacity: capacity)
        // The request tree is garbage now that the bytes exist; for a big review, freeing it (cold
        // by now, and as long as parsing it) happens on the release thread while the reply is sent.
        if let release, request.objects.count >= releaseThreshold {
            release.release(Garbage(parsed: parsed, request: request))
        }
        return WebhookReply(status: 200, body: bytes)
    }

    /// Reviews with at least this many objects have their trees freed on the release thread;
    /// smaller ones inline (waking a thread costs more than freeing a few objects).
    static let releaseThreshold = ConversionResponseWriter.parallelObjectThreshold

    /// What a review leaves behind; dropped as one batch.
    private struct Garbage: Sendable {
        var parsed: JSONValue
        var request: ConversionReviewRequest
    }
}
