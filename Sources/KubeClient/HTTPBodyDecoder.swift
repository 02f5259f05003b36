// The body of one response, whatever its framing: a known length, chunks, or everything until the
// server closes. Pure and incremental, like the chunked decoder it wraps.

package struct HTTPBodyDecoder: Sendable {
    private enum Mode: Sendable {
        case empty
        case length(remaining: Int)
        case chunked(ChunkedBodyDecoder)
        case untilClose(ended: Bool)
    }

    private var mode: Mode

    package init(framing: HTTPBodyFraming, limits: HTTPClientLimits) {
        switch framing {
        case .empty: mode = .empty
        case .contentLength(let length): mode = length == 0 ? .empty : .length(remaining: length)
        case .chunked: mode = .chunked(ChunkedBodyDecoder(limits: limits))
        case .untilClose: mode = .untilClose(ended: false)
        }
    }

    package var isComplete: Bool {
        switch mode {
        case .empty: return true
        case .length(let remaining): return remaining == 0
        case .chunked(let decoder): return decoder.isDone
        case .untilClose(let ended): return ended
        }
    }

    /// Decodes from `input`, appending body bytes to `output`; answers the input bytes used.
    package mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(KubeError) -> Int {
        switch mode {
        case .empty:
            return 0
        case .length(let remaining):
            let take = min(remaining, input.count)
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[0..<take]))
            mode = .length(remaining: remaining &- take)
            return take
        case .chunked(var decoder):
            mode = .empty  // release the decoder's storage so the mutation below does not copy it
            defer { mode = .chunked(decoder) }
            return try decoder.decode(input, into: &output)
        case .untilClose(let ended):
            if ended { return 0 }
            output.append(contentsOf: input)
            return input.count
        }
    }

    /// The connection reached its end. Completes an until-close body; any other unfinished body
    /// was cut short, which is a transport failure (the connection broke: a restarting server, a
    /// reset), not a malformed answer.
    package mutating func endOfInput() throws(KubeError) {
        switch mode {
        case .empty: return
        case .length(let remaining):
            if remaining > 0 { throw KubeError.transport("connection closed with \(remaining) bytes of the body missing") }
        case .chunked(let decoder):
            if let reason = decoder.truncationReason { throw KubeError.transport("connection closed early: \(reason)") }
        case .untilClose:
            mode = .untilClose(ended: true)
        }
    }
}
