import JSON

/// What an endpoint answers to one HTTP request: a status code and a JSON body. The HTTP layer
/// (module Webhook) sends it as is; the endpoints never see sockets. Conversion is the lowest
/// module with an endpoint, so the reply, the one `Status` body and the one media-type rule of
/// every webhook endpoint (admission ones included) live here.
package struct WebhookReply: Sendable, Equatable {
    package var status: Int
    package var body: [UInt8]
    package var contentType: String

    package init(status: Int, body: [UInt8], contentType: String = WebhookMediaType.json) {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

    /// A `kind: Status` failure (HTTP 400, 415…): the API server's client decodes a Status from a
    /// non-2xx body and shows its message.
    package static func failure(code: Int, reason: String, message: String) -> WebhookReply {
        WebhookReply(status: code, body: failureBody(code: code, reason: reason, message: message))
    }

    /// The bytes of a `kind: Status` failure.
    package static func failureBody(code: Int, reason: String, message: String) -> [UInt8] {
        var status = JSONObject()
        status["kind"] = .string("Status")
        status["apiVersion"] = .string("v1")
        status["metadata"] = .object(JSONObject())
        status["status"] = .string("Failure")
        status["message"] = .string(message)
        status["reason"] = .string(reason)
        status["code"] = .integer(Int64(truncatingIfNeeded: code))
        return JSONValue.object(status).serialized()
    }

    package static func badRequest(_ message: String) -> WebhookReply {
        failure(code: 400, reason: "BadRequest", message: message)
    }
}

/// The media type every webhook endpoint takes and answers: JSON. The server's routes declare it
/// (refusing other bodies before reading them), and the endpoints check it again because they are
/// also called directly (tests, benchmarks), with the same rule and the same message.
package enum WebhookMediaType {
    package static let json = "application/json"

    /// `application/json`, with any parameters (`; charset=utf-8`), any case, spaces around.
    package static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        // Compared byte by byte, without the splitting, trimming and lowercasing copies: it runs
        // for every review.
        var utf8 = contentType.utf8[...]
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) { utf8 = utf8[..<semicolon] }
        while let first = utf8.first, first == 0x20 || first == 0x09 { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8 = utf8.dropLast() }
        let wanted = json.utf8
        guard utf8.count == wanted.count else { return false }
        return zip(utf8, wanted).allSatisfy { byte, expected in
            (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == expected
        }
    }

    /// The one refusal message, also used by the HTTP server's route check.
    package static func refusalMessage(_ contentType: String?) -> String {
        "Content-Type must be \(json), got \(contentType.map { "\"\($0)\"" } ?? "none")"
    }

    /// 415 with a Status body.
    package static func refusal(_ contentType: String?) -> WebhookReply {
        WebhookReply.failure(code: 415, reason: "UnsupportedMediaType", message: refusalMessage(contentType))
    }
}
