import JSON

// Turning a failed answer into an `APIStatus`. The API server answers failures with a `Status`
// object (kind Status, code, reason, message); a proxy or a crashed handler in between may answer
// with anything (HTML, plain text, nothing), and the caller still gets a typed status with the
// HTTP code's usual reason.

extension APIStatus {
    /// Longest piece of a non-Status body quoted in `message`.
    package static let maxQuotedBodyBytes = 512

    /// The status a `Status` object describes (a failed answer's body, or the object of a watch
    /// `ERROR` event); nil when `object` is not a Status. `httpCode` is used when the object has no code.
    package init?(statusObject object: JSONValue, httpCode: Int? = nil, retryAfterSeconds: Int? = nil) {
        guard object["kind"]?.stringValue == "Status" else { return nil }
        let code = object["code"]?.intValue.flatMap { $0 > 0 ? $0 : nil } ?? httpCode ?? 500
        let reason = object["reason"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? APIStatus.reason(forHTTPCode: code)
        let message = object["message"]?.stringValue ?? ""
        var retryAfter = retryAfterSeconds
        if retryAfter == nil, let seconds = object["details"]?["retryAfterSeconds"]?.intValue, seconds > 0 { retryAfter = seconds }
        self.init(code: code, reason: reason, message: message, retryAfterSeconds: retryAfter)
    }

    /// The status of a non-2xx answer: its `Status` body when it has one, else one made from the
    /// HTTP code with (part of) the body as the message.
    package init(httpCode: Int, body: [UInt8], retryAfterSeconds: Int? = nil) {
        if !body.isEmpty, let object = try? JSONValue.parse(body),
           let status = APIStatus(statusObject: object, httpCode: httpCode, retryAfterSeconds: retryAfterSeconds) {
            self = status
            return
        }
        let message: String
        if body.isEmpty {
            message = "the server answered HTTP \(httpCode) with an empty body"
        } else {
            let quoted = body.withUnsafeBytes { printable(UnsafeRawBufferPointer(rebasing: $0.prefix(APIStatus.maxQuotedBodyBytes))) }
            message = "the server answered HTTP \(httpCode) without a Status object: \(quoted)"
        }
        self.init(code: httpCode, reason: APIStatus.reason(forHTTPCode: httpCode), message: message, retryAfterSeconds: retryAfterSeconds)
    }

    /// The `Status.reason` the API server uses with each HTTP code (metav1.StatusReason).
    package static func reason(forHTTPCode code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 406: return "NotAcceptable"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 413: return "RequestEntityTooLarge"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return code >= 500 ? "InternalError" : "Unknown"
        }
    }
}
