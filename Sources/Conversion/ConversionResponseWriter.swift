// The bytes of a ConversionReview response, written in pieces: each piece is a contiguous run of
// the request's objects, converted and serialized into its own buffer; for a big review the
// threads (one per core) take the pieces as they become free, and the buffers are joined in
// request order. The result is byte for byte what
// `ConversionReview.respond(to:).serialized()` gives (tests hold it to that), only sooner on a
// multi-core machine: converting and serializing are most of a 1,000-object review's time.
import Threads
import JSON
import RayAPI

package enum ConversionResponseWriter {
    /// Reviews with fewer objects are converted on the calling thread: below this a review takes
    /// well under a millisecond and a thread start-up would eat most of the gain.
    package static let parallelObjectThreshold = 64

    /// How many threads convert a big review by default: one per online processor (capped).
    package static var defaultParts: Int { ParallelMap.processorCount }

    /// What a piece produced: its bytes and the first object of its run that failed.
    ///
    /// A piece keeps no trees: each converted object (and, from the body, each parsed one) is freed
    /// as soon as it is written, on the piece's thread, while it is still in the cache. Measured on
    /// 1,000-object reviews that costs ~8 ms less CPU than freeing the same trees afterwards, cold,
    /// on another thread, and it shares the freeing out among the threads.
    struct Part: Sendable {
        var writer: JSONWriter
        var failure: (index: Int, objectName: String, error: ConversionError)?
        /// An object of the run is not valid JSON (when converting straight from the body).
        var unparsable = false
    }


    /// The response to `request`, serialized. `capacity` is a size hint for the whole response;
    /// `parts` how many threads share the work (1 for the calling thread only; default one per
    /// online processor); reviews under `parallelObjectThreshold` objects always use one.
    package static func write(_ request: ConversionReviewRequest, reservingCapacity capacity: Int,
                             parts: Int? = nil) -> [UInt8] {
        let threads = partCount(request.objects.count, parts)
        let ranges = ParallelMap.ranges(total: request.objects.count, count: pieceCount(request.objects.count, threads: threads))
        let last = ranges.count &- 1
        let perPart = max(capacity, 0) / ranges.count
        let written = ParallelMap.map(ranges.count, threads: threads) { k in
            convert(request, ranges[k], isFirst: k == 0, isLast: k == last, capacity: perPart, fromBody: false) {
                request.objects[$0]
            }
        }
        return assemble(request, written)
    }

    /// The response to the review in `body` whose envelope is `request` (its `objects` empty) and
    /// whose objects lie where `layout` says: each piece parses, converts and serializes its own
    /// run of objects, so an object is converted while its tree is still in the cache. Nil when an
    /// object is not valid JSON: the body must then be parsed whole, for the whole-parse error.
    static func write(body: UnsafeBufferPointer<UInt8>, layout: ConversionReviewLayout, envelope request: ConversionReviewRequest,
                      elementLimits: JSONParseLimits, reservingCapacity capacity: Int, parts: Int? = nil) -> [UInt8]? {
        let threads = partCount(layout.elements.count, parts)
        let ranges = ParallelMap.ranges(total: layout.elements.count, count: pieceCount(layout.elements.count, threads: threads))
        let last = ranges.count &- 1
        let perPart = max(capacity, 0) / ranges.count
        let written = ParallelMap.map(ranges.count, threads: threads) { k in
            convert(request, ranges[k], isFirst: k == 0, isLast: k == last, capacity: perPart, fromBody: true) { index in
                try? JSONValue.parse(UnsafeBufferPointer(rebasing: body[layout.elements[index]]), limits: elementLimits)
            }
        }
        if written.contains(where: \.unparsable) { return nil }
        return assemble(request, written)
    }

    /// How many threads convert `objects` objects: one (the calling thread) below the threshold,
    /// never more than `ParallelMap.maximumParts`.
    static func partCount(_ objects: Int, _ parts: Int?) -> Int {
        objects >= parallelObjectThreshold ? min(max(1, parts ?? defaultParts), ParallelMap.maximumParts) : 1
    }

    /// The objects go to the threads in pieces of at least this many objects…
    static let minimumPieceObjects = 32
    /// …and at most this many pieces per thread: enough that a thread the machine starves of CPU
    /// (other work on a shared node) holds up little, few enough that a piece's buffer and hand-off
    /// stay negligible next to converting its objects.
    static let piecesPerThread = 8

    /// Pieces (contiguous runs of objects, each written into its own buffer) for `threads` threads.
    static func pieceCount(_ objects: Int, threads: Int) -> Int {
        guard threads > 1 else { return 1 }
        return max(1, min(objects / minimumPieceObjects, threads &* piecesPerThread))
    }

    /// The pieces' bytes joined, or the failure naming the first failing object.
    private static func assemble(_ request: ConversionReviewRequest, _ written: [Part]) -> [UInt8] {
        // Pieces cover the objects in order, so the first piece with a failure holds the first
        // failing object in request order: the one the serial path names.
        for part in written {
            if let failure = part.failure {
                return ConversionReview.failure(request, objectIndex: failure.index, objectName: failure.objectName,
                                                failure.error).serialized()
            }
        }
        return JSONWriter.joined(written.map(\.writer))
    }

    /// Converts and writes the objects of `range`, as `object(index)` gives them (nil: not valid
    /// JSON); the first piece also writes the envelope's opening, the last its closing. At the
    /// first object that fails to convert it stops writing; from the body it goes on parsing the
    /// rest of its run, because an invalid object anywhere makes the whole review a 400.
    private static func convert(_ request: ConversionReviewRequest, _ range: Range<Int>, isFirst: Bool, isLast: Bool,
                                capacity: Int, fromBody: Bool, _ object: (Int) -> JSONValue?) -> Part {
        var part = Part(writer: JSONWriter(capacity: capacity))
        let writer = part.writer
        if isFirst {
            writer.writeRaw("{\"apiVersion\":")
            writer.write(.string(request.apiVersion))
            writer.writeRaw(",\"kind\":")
            writer.write(.string(ConversionReview.kind))
            writer.writeRaw(",\"response\":{\"uid\":")
            writer.write(request.uid)
            writer.writeRaw(",\"convertedObjects\":[")
        }
        for index in range {
            guard let source = object(index) else {
                part.unparsable = true
                return part
            }
            if part.failure != nil { continue }
            do {
                let converted = try RayClusterConverter.convert(source, to: request.desiredAPIVersion)
                if index > 0 { writer.writeRaw(",") }
                writer.write(converted)
            } catch {
                part.failure = (index, ConversionReview.objectName(source), error)
                if !fromBody { return part }
            }
        }
        if isLast { writer.writeRaw("],\"result\":{\"status\":\"Success\"}}}") }
        return part
    }
}
