// Reads responses from a byte source (a TLS connection, or bytes in a test): buffers what arrives,
// finds the head, then decodes the body in whole or, for watches, piece by piece. Bytes that
// arrive after a response stay buffered (a server must not send unasked bytes, so the connection
// is not reused when any remain).

/// Where response bytes come from. `read` blocks until bytes arrive; 0 means the peer closed.
package protocol HTTPByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(KubeError) -> Int
}

package struct HTTPResponseReader {
    /// Bytes per read from the source.
    package static let readSize = 64 * 1024

    package let limits: HTTPClientLimits
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var scratch: [UInt8]
    /// Whether any byte of a response has arrived since `beginResponse()`: a failure before the
    /// first byte on a reused connection means the server had closed it, and the request may be
    /// sent again on a fresh one.
    package private(set) var receivedResponseBytes = false
    /// Whether the source said end-of-stream.
    package private(set) var reachedEnd = false

    package init(limits: HTTPClientLimits, readSize: Int = HTTPResponseReader.readSize) {
        self.limits = limits
        scratch = [UInt8](repeating: 0, count: max(1, readSize))
    }

    /// Bytes received and not consumed by any response.
    package var unconsumedByteCount: Int { pending.count &- pendingStart }

    /// Forgets the per-response flags before a new request is sent.
    package mutating func beginResponse() {
        receivedResponseBytes = unconsumedByteCount > 0
    }

    /// Reads once more from `source`; false at end of stream.
    private mutating func fill(from source: HTTPByteSource) throws(KubeError) -> Bool {
        if reachedEnd { return false }
        if pendingStart > 0 && (pendingStart == pending.count || pendingStart >= Self.readSize) {
            pending.removeSubrange(0..<pendingStart)
            pendingStart = 0
        }
        let count = try scratch.withMutableBytes { (buffer: UnsafeMutableRawBufferPointer) throws(KubeError) -> Int in
            try source.read(into: buffer)
        }
        if count <= 0 {
            reachedEnd = true
            return false
        }
        receivedResponseBytes = true
        pending.append(contentsOf: scratch[0..<min(count, scratch.count)])
        return true
    }

    /// Reads up to and including the head of the next final (non-1xx) response.
    package mutating func readHead(from source: HTTPByteSource) throws(KubeError) -> HTTPResponseHead {
        while true {
            let parsed = try pending.withBytes { (all: UnsafeRawBufferPointer) throws(KubeError) -> (head: HTTPResponseHead, consumed: Int)? in
                try HTTPResponseHeadParser.parse(UnsafeRawBufferPointer(rebasing: all[pendingStart...]), limits: limits)
            }
            if let (head, consumed) = parsed {
                pendingStart &+= consumed
                // interim responses (100 Continue, 103 Early Hints) precede the real one
                if head.status < 200 { continue }
                return head
            }
            guard try fill(from: source) else {
                if unconsumedByteCount == 0 && !receivedResponseBytes {
                    throw KubeError.transport("connection closed by the server before any response")
                }
                throw KubeError.transport("connection closed inside the response head")
            }
        }
    }

    /// Reads the whole body of `head`, at most `limits.maxBodyBytes` of it.
    package mutating func readBody(of head: HTTPResponseHead, from source: HTTPByteSource) throws(KubeError) -> [UInt8] {
        if case .contentLength(let length) = head.framing, length > limits.maxBodyBytes {
            throw KubeError.protocolViolation("response body of \(length) bytes is larger than the limit of \(limits.maxBodyBytes)")
        }
        var decoder = HTTPBodyDecoder(framing: head.framing, limits: limits)
        var body: [UInt8] = []
        if case .contentLength(let length) = head.framing { body.reserveCapacity(length) }
        while !decoder.isComplete {
            let more = try readBodyPart(&decoder, from: source, into: &body)
            if body.count > limits.maxBodyBytes {
                throw KubeError.protocolViolation("response body larger than the limit of \(limits.maxBodyBytes) bytes")
            }
            if !more { break }
        }
        return body
    }

    /// Decodes buffered bytes, or reads more when none are buffered, appending body bytes to
    /// `output`. Answers false when the body is complete (nothing more will come).
    package mutating func readBodyPart(_ decoder: inout HTTPBodyDecoder, from source: HTTPByteSource, into output: inout [UInt8]) throws(KubeError) -> Bool {
        if decoder.isComplete { return false }
        if unconsumedByteCount == 0 {
            guard try fill(from: source) else {
                try decoder.endOfInput()
                return false
            }
        }
        let consumed = try pending.withBytes { (all: UnsafeRawBufferPointer) throws(KubeError) -> Int in
            try decoder.decode(UnsafeRawBufferPointer(rebasing: all[pendingStart...]), into: &output)
        }
        pendingStart &+= consumed
        return !decoder.isComplete
    }
}
