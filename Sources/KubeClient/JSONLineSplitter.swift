// Splits a byte stream into newline-terminated lines: the API server writes each watch event as
// one JSON object followed by "\n" (JSON text never contains a raw newline, so the split is exact),
// but the chunks and reads that carry them cut anywhere. Fed decoded body bytes, it hands out
// each complete line once; a line still being received stays buffered, up to a limit.

package struct JSONLineSplitter: Sendable {
    private var buffer: [UInt8] = []
    /// Start of the first line not handed out yet.
    private var start = 0
    /// Where the search for the next "\n" resumes (bytes before it, from `start`, hold none).
    private var scanned = 0
    package let maxLineBytes: Int

    package init(maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Appends received bytes.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        // drop what was handed out before growing, so the buffer holds at most one partial line
        // plus what the last read brought
        if start > 0 && (start == buffer.count || start >= 64 * 1024) {
            buffer.removeSubrange(0..<start)
            scanned &-= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    package mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete line without its "\n" (and without a "\r" before it), skipping blank
    /// lines; nil when no complete line is buffered. Throws when a line grows past the limit.
    package mutating func nextLine() throws(KubeError) -> [UInt8]? {
        while true {
            var index = scanned
            let count = buffer.count
            while index < count && buffer[index] != 0x0A { index &+= 1 }
            if index == count {
                scanned = count
                if count &- start > maxLineBytes {
                    throw KubeError.protocolViolation("watch event larger than \(maxLineBytes) bytes")
                }
                return nil
            }
            var end = index
            if end > start && buffer[end &- 1] == 0x0D { end &-= 1 }
            let lineStart = start
            start = index &+ 1
            scanned = start
            if end &- lineStart > maxLineBytes {
                throw KubeError.protocolViolation("watch event larger than \(maxLineBytes) bytes")
            }
            if isBlank(lineStart, end) { continue }
            return Array(buffer[lineStart..<end])
        }
    }

    /// Whether bytes other than whitespace are buffered without their "\n" (at the end of the
    /// stream they are an event cut short).
    package var hasPartialLine: Bool { !isBlank(start, buffer.count) }

    private func isBlank(_ from: Int, _ to: Int) -> Bool {
        var index = from
        while index < to {
            let byte = buffer[index]
            if byte != 0x20 && byte != 0x09 && byte != 0x0D && byte != 0x0A { return false }
            index &+= 1
        }
        return true
    }
}
