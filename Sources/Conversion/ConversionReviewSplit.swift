// A big ConversionReview converted straight from its body, on every core. The pre-scan
// (`ConversionReviewLayout`) finds the objects; the envelope (the body with the objects array cut
// out: a few hundred bytes) is parsed and read first, for the uid and the desired version; then each
// part parses, converts and serializes its own run of objects (`ConversionResponseWriter`). Parsing
// is a third of a 1,000-object review's time on one core, and an object converted right after it is
// parsed is still in the cache.
//
// The answer is byte for byte the one of a whole parse and a serial conversion. Whenever the split
// does not fit (no layout, the envelope or an object fails to parse, the envelope is not a
// ConversionReview) this returns nil and the caller takes the whole path, so errors and their byte
// offsets stay exactly those of a whole parse.
import JSON
import RayAPI

enum ConversionReviewSplit {
    /// Bodies smaller than this are parsed whole: a few milliseconds or less, not worth threads.
    static let minimumBytes = 256 * 1024

    /// The containers around each object (the root object, `request`, the `objects` array): an
    /// object parsed alone may nest that much less deeply than the whole document's limit.
    static let objectDepth = 3

    /// The response, or nil when the body is to be converted the whole way.
    static func convert(_ body: [UInt8], reservingCapacity capacity: Int, parts: Int? = nil,
                        limits: JSONParseLimits = JSONParseLimits()) -> [UInt8]? {
        let parts = parts ?? ConversionResponseWriter.defaultParts
        guard body.count >= minimumBytes, body.count <= limits.maxBytes, parts > 1,
              limits.maxDepth > objectDepth else { return nil }
        return body.withUnsafeBufferPointer { buffer -> [UInt8]? in
            guard let layout = ConversionReviewLayout.scan(buffer),
                  layout.elements.count >= ConversionResponseWriter.parallelObjectThreshold,
                  let envelope = parseEnvelope(buffer, layout, limits),
                  case .array(let empty)? = envelope["request"]?["objects"], empty.isEmpty,
                  let request = try? ConversionReview.request(from: envelope) else { return nil }
            let objectLimits = JSONParseLimits(maxDepth: limits.maxDepth &- objectDepth, maxBytes: limits.maxBytes)
            return ConversionResponseWriter.write(body: buffer, layout: layout, envelope: request, elementLimits: objectLimits,
                                                  reservingCapacity: capacity, parts: parts)
        }
    }

    /// The body with the objects array emptied (`[` and `]` kept), parsed.
    static func parseEnvelope(_ buffer: UnsafeBufferPointer<UInt8>, _ layout: ConversionReviewLayout,
                              _ limits: JSONParseLimits) -> JSONValue? {
        var envelope: [UInt8] = []
        envelope.reserveCapacity(buffer.count &- (layout.close &- layout.open) &+ 1)
        envelope.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0...layout.open]))
        envelope.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[layout.close...]))
        return try? JSONValue.parse(envelope, limits: limits)
    }
}
