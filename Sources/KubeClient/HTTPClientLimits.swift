/// Every bound the HTTP client code puts on what a server may send, in one place. A server that
/// exceeds one gets a `KubeError.protocolViolation` naming the limit, never an unbounded allocation.
package struct HTTPClientLimits: Sendable, Equatable {
    /// Status line plus header fields plus the blank line (the API server sends well under 1 KB).
    package var maxHeaderBytes: Int
    /// Header fields in one response.
    package var maxHeaderCount: Int
    /// A whole (non-watch) response body after de-chunking: a list of thousands of pods fits.
    package var maxBodyBytes: Int
    /// One chunk's declared size.
    package var maxChunkBytes: Int
    /// A chunk-size line, extensions included.
    package var maxChunkLineBytes: Int
    /// The trailer section after the last chunk.
    package var maxTrailerBytes: Int
    /// One watch event (one JSON line), which carries one whole object.
    package var maxWatchEventBytes: Int

    package init(maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 128, maxBodyBytes: Int = 64 << 20,
                maxChunkBytes: Int = 64 << 20, maxChunkLineBytes: Int = 1024, maxTrailerBytes: Int = 16 * 1024,
                maxWatchEventBytes: Int = 64 << 20) {
        self.maxHeaderBytes = max(64, maxHeaderBytes)
        self.maxHeaderCount = max(1, maxHeaderCount)
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.maxChunkBytes = max(1, maxChunkBytes)
        self.maxChunkLineBytes = max(8, maxChunkLineBytes)
        self.maxTrailerBytes = max(0, maxTrailerBytes)
        self.maxWatchEventBytes = max(1, maxWatchEventBytes)
    }
}
