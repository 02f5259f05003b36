// OWNER: conversion helper.
import RayAPI

/// The `/convert` endpoint: an `apiextensions.k8s.io/v1` ConversionReview in and out.
/// 415 for a body that is not declared JSON, 400 for one that is not a ConversionReview, otherwise
/// 200 with the response review (conversion failures included, as the API server expects).
public enum ConversionEndpoint {
    public static func convert(body: [UInt8], contentType: String?) -> WebhookReply {
        guard isJSON(contentType) else {
            return status(415, "Unsupported Media Type",
                          "contentType=\(contentType ?? "(none)"), expected application/json")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(body)
        } catch {
            return status(400, "BadRequest", "the body is not a ConversionReview: \(error)")
        }
        let request: ConversionReviewRequest
        do {
            request = try ConversionReview.request(from: parsed)
        } catch {
            return status(400, "BadRequest", "the body is not a ConversionReview: \(error.message)")
        }
        // The response carries the same objects at another version: about the request's size.
        let response = ConversionReview.respond(to: request)
        return WebhookReply(status: 200, body: response.serialized(reservingCapacity: body.count &+ body.count / 2))
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`), any case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var trimmed = mediaType
        while let first = trimmed.first, first == " " || first == "\t" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return trimmed.lowercased() == "application/json"
    }

    /// A metav1.Status body for the non-200 answers.
    private static func status(_ code: Int, _ reason: String, _ message: String) -> WebhookReply {
        let body: JSONValue = .object(JSONObject([
            ("kind", "Status"), ("apiVersion", "v1"), ("status", "Failure"),
            ("message", .string(message)), ("reason", .string(reason)), ("code", .integer(Int64(code))),
        ]))
        return WebhookReply(status: code, body: body.serialized())
    }
}
