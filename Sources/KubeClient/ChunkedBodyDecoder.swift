import JSON
// Incremental decoder of a `Transfer-Encoding: chunked` response body (RFC 9112 §7.1), fed
// whatever bytes arrived, in pieces of any size. Watches depend on it: the API server sends each
// event as it happens, and TCP and TLS split and join those writes as they please.
//
// Strict about the framing (CRLF line ends, hex sizes, the CRLF after each chunk's data), because a
// framing error means the stream can no longer be trusted; lenient about what carries no meaning
// here (chunk extensions and trailer fields are skipped). Every size is bounded before anything is
// allocated, and arithmetic cannot overflow: a chunk size stops growing at the limit.

package struct ChunkedBodyDecoder: Sendable {
    private enum State: Sendable, Equatable {
        case size
        case sizeExtension
        case sizeLF
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerStart
        case trailer
        case trailerLF
        case finalLF
        case done
        case failed(String)
    }

    private var state: State = .size
    private var chunkSize = 0
    private var sizeDigits = 0
    private var lineBytes = 0
    private var trailerBytes = 0
    private let limits: HTTPClientLimits

    package init(limits: HTTPClientLimits) {
        self.limits = limits
    }

    /// Whether the last chunk and the trailer section have been read.
    package var isDone: Bool { state == .done }

    /// Decodes from `input`, appending chunk data to `output`. Answers how many input bytes were
    /// used: all of them, unless the body ended inside `input` (what follows belongs to the next
    /// response). Throws `protocolViolation` on malformed framing, and again on every later call.
    package mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(KubeError) -> Int {
        var index = 0
        let count = input.count
        while index < count {
            let byte = input[index]
            switch state {
            case .failed(let message):
                throw KubeError.protocolViolation(message)
            case .done:
                return index
            case .size:
                if let digit = hexDigitValue(byte) {
                    chunkSize = chunkSize &* 16 &+ digit
                    sizeDigits &+= 1
                    // checked at every digit, so the value never grows past the limit × 16
                    if chunkSize > limits.maxChunkBytes { try fail("chunk larger than \(limits.maxChunkBytes) bytes") }
                    try countLineByte()
                } else if sizeDigits == 0 {
                    try fail("invalid chunk size line starting \(describeByte(byte))")
                } else if byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    state = .sizeExtension
                    try countLineByte()
                } else if byte == 0x0D {
                    state = .sizeLF
                } else {
                    try fail("invalid character \(describeByte(byte)) in chunk size")
                }
            case .sizeExtension:
                if byte == 0x0D {
                    state = .sizeLF
                } else if byte == 0x09 || (byte >= 0x20 && byte != 0x7F) {
                    try countLineByte()
                } else {
                    try fail("control character \(describeByte(byte)) in chunk extension")
                }
            case .sizeLF:
                guard byte == 0x0A else { try fail("chunk size line does not end with CRLF"); break }
                state = chunkSize == 0 ? .trailerStart : .data(remaining: chunkSize)
                chunkSize = 0
                sizeDigits = 0
                lineBytes = 0
            case .data(let remaining):
                let take = min(remaining, count &- index)
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<(index &+ take)]))
                index &+= take
                state = take == remaining ? .dataCR : .data(remaining: remaining &- take)
                continue
            case .dataCR:
                guard byte == 0x0D else { try fail("chunk data is not followed by CRLF"); break }
                state = .dataLF
            case .dataLF:
                guard byte == 0x0A else { try fail("chunk data is not followed by CRLF"); break }
                state = .size
            case .trailerStart:
                if byte == 0x0D {
                    state = .finalLF
                } else {
                    state = .trailer
                    try countTrailerByte(byte)
                }
            case .trailer:
                if byte == 0x0D {
                    state = .trailerLF
                } else {
                    try countTrailerByte(byte)
                }
            case .trailerLF:
                guard byte == 0x0A else { try fail("trailer field does not end with CRLF"); break }
                state = .trailerStart
            case .finalLF:
                guard byte == 0x0A else { try fail("chunked body does not end with CRLF"); break }
                state = .done
                return index &+ 1
            }
            index &+= 1
        }
        return index
    }

    /// What went wrong when the input ended before the last chunk; nil when the body is complete.
    package var truncationReason: String? {
        switch state {
        case .done: return nil
        case .data(let remaining): return "body ended inside a chunk (\(remaining) bytes missing)"
        case .trailerStart, .trailer, .trailerLF, .finalLF: return "body ended inside the trailer section"
        case .failed(let message): return message
        default: return "body ended before the last chunk"
        }
    }

    private mutating func fail(_ message: String) throws(KubeError) {
        state = .failed(message)
        throw KubeError.protocolViolation(message)
    }

    private mutating func countLineByte() throws(KubeError) {
        lineBytes &+= 1
        if lineBytes > limits.maxChunkLineBytes { try fail("chunk size line longer than \(limits.maxChunkLineBytes) bytes") }
    }

    private mutating func countTrailerByte(_ byte: UInt8) throws(KubeError) {
        guard byte == 0x09 || (byte >= 0x20 && byte != 0x7F) else { try fail("control character \(describeByte(byte)) in trailer"); return }
        trailerBytes &+= 1
        if trailerBytes > limits.maxTrailerBytes { try fail("trailer section larger than \(limits.maxTrailerBytes) bytes") }
    }
}

@inline(__always)
func hexDigitValue(_ byte: UInt8) -> Int? {
    switch byte {
    case 0x30...0x39: return Int(byte &- 0x30)
    case 0x41...0x46: return Int(byte &- 0x37)
    case 0x61...0x66: return Int(byte &- 0x57)
    default: return nil
    }
}
