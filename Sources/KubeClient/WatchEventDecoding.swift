import JSON

// One line of a watch stream → a `WatchEvent`. The line is `{"type":"ADDED","object":{…}}`; an
// `ERROR` event carries a Status (410 Expired when the requested resourceVersion was compacted
// away), which the caller answers with a fresh list.

extension WatchEvent {
    /// Decodes one watch line. Throws `protocolViolation` for invalid JSON, an unknown type or a
    /// missing object.
    package static func decode(line: [UInt8], limits: HTTPClientLimits) throws(KubeError) -> WatchEvent {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line, limits: JSONParseLimits(maxBytes: limits.maxWatchEventBytes))
        } catch {
            throw KubeError.protocolViolation("watch event is not valid JSON: \(error)")
        }
        guard case .object = value else { throw KubeError.protocolViolation("watch event is a JSON \(value.typeName), not an object") }
        guard let typeName = value["type"]?.stringValue else { throw KubeError.protocolViolation("watch event without a type") }
        guard let kind = Kind(rawValue: typeName) else { throw KubeError.protocolViolation("watch event of unknown type '\(typeName)'") }
        guard let object = value["object"], case .object = object else {
            throw KubeError.protocolViolation("\(typeName) watch event without an object")
        }
        return WatchEvent(type: kind, object: object)
    }

    /// For an `ERROR` event, the status it carries.
    package var status: APIStatus? {
        guard type == .error else { return nil }
        return APIStatus(statusObject: object) ?? APIStatus(code: 500, reason: "InternalError", message: "watch ERROR event without a Status: \(object.jsonString.prefix(APIStatus.maxQuotedBodyBytes))")
    }
}
