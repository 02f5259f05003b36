// Incremental decoder of a `Transfer-Encoding: chunked` request body (RFC 9112 §7.1). Fed whatever
// bytes arrived; appends the decoded data to the caller's buffer; stops exactly at the end of the
// message so a pipelined next request stays in the connection's buffer.
//
// Strict where laxness has enabled request smuggling between proxies and servers: line ends must be
// CRLF (a bare LF is 400), chunk sizes are hex digits only (no sign, no 0x, overflow is 400), the
// CRLF after each chunk's data is required, and control characters are refused in extensions and
// trailers. Chunk extensions and trailer fields are accepted and ignored.
// The declared size of a chunk is checked against maxBodyBytes before its data is read (413), and
// nothing is allocated ahead of the bytes actually received.

package struct ChunkedDecoder: Sendable {
    /// Largest decoded body (413 beyond).
    package let maxBodyBytes: Int
    /// Longest chunk-size line, extensions included (400 beyond).
    package static let maxChunkLineBytes = 4096
    /// Largest trailer section (431 beyond).
    package static let maxTrailerBytes = 16 * 1024

    enum State: Sendable, Equatable {
        case size                   // reading hex digits
        case afterSize              // whitespace after the digits, before ';' or CR
        case extensions             // after ';' until CR
        case sizeLF                 // CR seen at the end of a size line
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLineStart       // start of a trailer field line, or of the final CRLF
        case trailerName
        case trailerValue
        case trailerLF
        case finalLF
        case done
        case failed(HTTPParseError)
    }

    var state: State = .size
    var chunkSize = 0
    var lineBytes = 0
    var trailerBytes = 0
    /// Decoded body bytes so far.
    package private(set) var bodyBytes = 0

    package init(maxBodyBytes: Int) {
        self.maxBodyBytes = max(0, maxBodyBytes)
    }

    /// Whether the final chunk and trailers have been read.
    package var isDone: Bool { state == .done }

    /// Decodes from `bytes`, appending data to `body`. Returns how many input bytes were used (all
    /// of them unless the body ended inside this buffer) and whether the body is complete.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, into body: inout [UInt8]) throws(HTTPParseError) -> (consumed: Int, done: Bool) {
        if case .failed(let error) = state { throw error }
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch state {
            case .size:
                if let value = hexValue(byte) {
                    // leading zeros are harmless; they count toward the line limit
                    let (shifted, overflow1) = chunkSize.multipliedReportingOverflow(by: 16)
                    let (next, overflow2) = shifted.addingReportingOverflow(value)
                    guard !overflow1, !overflow2 else { return try fail(400, "chunk size too large") }
                    chunkSize = next
                    try countLineByte()
                } else if lineBytes == 0 {
                    return try fail(400, "invalid chunk size")
                } else if byte == UInt8(ascii: ";") {
                    state = .extensions
                    try countLineByte()
                } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    state = .afterSize
                    try countLineByte()
                } else if byte == UInt8(ascii: "\r") {
                    state = .sizeLF
                } else {
                    return try fail(400, "invalid chunk size")
                }
            case .afterSize:
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    try countLineByte()
                } else if byte == UInt8(ascii: ";") {
                    state = .extensions
                    try countLineByte()
                } else if byte == UInt8(ascii: "\r") {
                    state = .sizeLF
                } else {
                    return try fail(400, "invalid chunk size line")
                }
            case .extensions:
                if byte == UInt8(ascii: "\r") {
                    state = .sizeLF
                } else if byte == UInt8(ascii: "\t") || byte >= 0x20 && byte != 0x7F {
                    try countLineByte()
                } else {
                    return try fail(400, "invalid chunk extension")
                }
            case .sizeLF:
                guard byte == UInt8(ascii: "\n") else { return try fail(400, "chunk size line must end with CRLF") }
                lineBytes = 0
                if chunkSize == 0 {
                    state = .trailerLineStart
                } else {
                    let (total, overflow) = bodyBytes.addingReportingOverflow(chunkSize)
                    guard !overflow, total <= maxBodyBytes else { return try fail(413, "request body larger than \(maxBodyBytes) bytes") }
                    state = .data(remaining: chunkSize)
                    chunkSize = 0
                }
            case .data(let remaining):
                let take = min(remaining, count &- index)
                // typed, so Array.append takes its memcpy path
                UnsafeRawBufferPointer(rebasing: bytes[index..<(index &+ take)]).withMemoryRebound(to: UInt8.self) { body.append(contentsOf: $0) }
                bodyBytes &+= take
                index &+= take
                state = remaining == take ? .dataCR : .data(remaining: remaining &- take)
                continue
            case .dataCR:
                guard byte == UInt8(ascii: "\r") else { return try fail(400, "chunk data must be followed by CRLF") }
                state = .dataLF
            case .dataLF:
                guard byte == UInt8(ascii: "\n") else { return try fail(400, "chunk data must be followed by CRLF") }
                state = .size
            case .trailerLineStart:
                if byte == UInt8(ascii: "\r") {
                    state = .finalLF
                } else if isTchar(byte) {
                    state = .trailerName
                    try countTrailerByte()
                } else {
                    return try fail(400, "invalid trailer field")
                }
            case .trailerName:
                if byte == UInt8(ascii: ":") {
                    state = .trailerValue
                } else if !isTchar(byte) {
                    return try fail(400, "invalid trailer field name")
                }
                try countTrailerByte()
            case .trailerValue:
                if byte == UInt8(ascii: "\r") {
                    state = .trailerLF
                } else if byte == UInt8(ascii: "\t") || byte >= 0x20 && byte != 0x7F {
                    try countTrailerByte()
                } else {
                    return try fail(400, "invalid trailer field value")
                }
            case .trailerLF:
                guard byte == UInt8(ascii: "\n") else { return try fail(400, "trailer field must end with CRLF") }
                state = .trailerLineStart
            case .finalLF:
                guard byte == UInt8(ascii: "\n") else { return try fail(400, "chunked body must end with CRLF") }
                state = .done
                return (index &+ 1, true)
            case .done:
                return (index, true)
            case .failed(let error):
                throw error
            }
            index &+= 1
        }
        return (index, state == .done)
    }

    private mutating func countLineByte() throws(HTTPParseError) {
        lineBytes &+= 1
        if lineBytes > ChunkedDecoder.maxChunkLineBytes {
            _ = try fail(400, "chunk size line too long")
        }
    }

    private mutating func countTrailerByte() throws(HTTPParseError) {
        trailerBytes &+= 1
        if trailerBytes > ChunkedDecoder.maxTrailerBytes {
            _ = try fail(431, "trailer section too large")
        }
    }

    private mutating func fail(_ status: Int, _ reason: String) throws(HTTPParseError) -> (consumed: Int, done: Bool) {
        let error = HTTPParseError(status: status, reason: reason)
        state = .failed(error)
        throw error
    }
}

@inline(__always)
private func hexValue(_ byte: UInt8) -> Int? {
    switch byte {
    case 0x30...0x39: return Int(byte &- 0x30)
    case 0x41...0x46: return Int(byte &- 0x41 &+ 10)
    case 0x61...0x66: return Int(byte &- 0x61 &+ 10)
    default: return nil
    }
}
