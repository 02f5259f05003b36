import Threads

/// Every limit and timeout of the server, named and configurable. Defaults follow
/// They suit kube-apiserver as a client (it closes idle connections after
/// 90 s, gives up after at most 30 s, sends < 1 KiB of headers and Content-Length bodies).
package struct ServerConfiguration: Sendable {
    /// Event-loop (epoll) threads. Default: one per CPU the process may use (`ThreadSizing`).
    package var ioThreads: Int
    /// Threads that run request handlers off the I/O path, so one slow handler stalls no one else.
    package var workerThreads: Int
    /// How often an idle worker polls for a job before it sleeps (0 under a CPU quota).
    package var workerPollsBeforeSleeping: Int
    /// Why the thread counts are what they are; logged when the server starts.
    package var threadSizingReason: String

    /// The memory limit the defaults below derive from (the cgroup's, else physical memory).
    package var memoryBudget: MemoryBudget = .current
    /// Open connections across all listeners. Default: the connection share of the memory budget
    /// (1,996 at a 256 MiB limit). When it is reached, a new connection evicts the connection that
    /// is least likely to be a good client (see `ConnectionEviction`), or is closed at once when
    /// none can go.
    package var maxConnections: Int = MemoryBudget.current.connectionCap
    /// Bytes that requests in flight may hold together (bodies, the trees parsed from them, the
    /// responses), charged as `inflightCostFactor` × body size. Default: what the memory budget
    /// leaves after the reserve and the connections (~177 MiB at a 256 MiB limit). 0 = unbounded.
    package var maxInflightBytes: Int = MemoryBudget.current.inflightBytes
    /// What one body byte is charged against `maxInflightBytes`: the body, the tree a handler
    /// parses from it and the response built from that. Measured on the webhook's endpoints: a
    /// 55 MiB ConversionReview peaks at ~2.6× its size above the idle process, an AdmissionReview
    /// below that.
    package var inflightCostFactor: Int = 3
    /// Bodies up to this size are "small" for the in-flight budget: they may use its headroom
    /// (`InflightBudget`), so slow big bodies cannot make ordinary reviews (~10 KB) wait.
    package var smallBodyBytes: Int = 64 * 1024
    /// Request line + headers (→ 431 above it).
    package var maxHeaderBytes: Int = 32 * 1024
    /// Number of header fields (→ 431 above it).
    package var maxHeaderCount: Int = 100
    /// Body limit for routes that do not set their own (→ 413 above it). Admission: 7 MiB, as controller-runtime.
    package var defaultMaxBodyBytes: Int = 7 * 1024 * 1024

    /// From accept to a finished TLS handshake (kube-apiserver's own TLSHandshakeTimeout is 10 s).
    package var tlsHandshakeTimeout: Double = 10
    /// From the first byte of a request to the end of its header section (→ 408).
    package var requestHeaderTimeout: Double = 10
    /// Longest pause between two reads of a request body (→ 408).
    package var bodyReadTimeout: Double = 10
    /// The whole body, from the end of the headers to its last byte, waiting for memory budget
    /// included (→ 408; 503 when the wait for budget is what ran out). kube-apiserver gives up on
    /// a webhook call after at most 30 s, so a body still arriving after that serves no one.
    package var requestBodyTimeout: Double = 30
    /// Minimum average body rate once `bodyRateGracePeriod` has passed (→ 408): a client that
    /// keeps the connection busy with a byte every few seconds is cut off long before the
    /// overall timeout. 0 = no minimum.
    package var minBodyBytesPerSecond: Int = 1024
    /// How long a body may arrive below `minBodyBytesPerSecond` at first (slow start, 100-continue).
    package var bodyRateGracePeriod: Double = 2
    /// An idle keep-alive connection (no request started) is closed after this. Longer than the
    /// apiserver's 90 s so that the client always closes first.
    package var keepAliveIdleTimeout: Double = 120
    /// Longest pause in writing a response to a client that does not read.
    package var writeTimeout: Double = 10
    /// The whole response, first byte to last (then the connection is closed): a client reading
    /// a byte at a time cannot hold a response, and its share of the in-flight budget, for ever.
    package var responseWriteTimeout: Double = 30

    /// Return freed memory to the system: large blocks always come from (and go back to) mmap,
    /// and the heap is trimmed when no request is in flight. Process-wide (glibc's allocator).
    package var returnsMemoryToSystem: Bool = true
    /// After an error response that left request bytes unread, how long to keep reading and
    /// discarding them, so that the client reads the response instead of a connection reset.
    package var lingerTimeout: Double = 2

    /// Shutdown: how long requests are still served (with `Connection: close`) after the signal.
    package var drainSeconds: Double = 10
    /// Shutdown: after the drain window, hard cap for in-flight requests before the process exits.
    package var shutdownGraceSeconds: Double = 10

    /// Shutdown: a connection that became idle less than this long before the idle connections
    /// are closed gets this long to send its request (it was likely opened for one).
    package var shutdownIdleGrace: Double = 0.5

    /// listen(2) backlog.
    package var listenBacklog: Int32 = 1024

    /// nil counts follow `budget`: the CPUs this process may really use (affinity mask and cgroup
    /// CPU quota included), read once per process.
    package init(ioThreads: Int? = nil, workerThreads: Int? = nil, budget: CPUBudget = .current) {
        let sizing = ThreadSizing(budget: budget, ioThreads: ioThreads, workerThreads: workerThreads)
        self.ioThreads = sizing.ioThreads
        self.workerThreads = sizing.workerThreads
        self.workerPollsBeforeSleeping = sizing.workerPollsBeforeSleeping
        self.threadSizingReason = sizing.reason
    }

    /// Shortest configured timeout: the sweep that enforces timeouts runs at a fraction of it.
    var shortestTimeout: Double {
        [tlsHandshakeTimeout, requestHeaderTimeout, bodyReadTimeout, keepAliveIdleTimeout, writeTimeout, lingerTimeout,
         requestBodyTimeout, responseWriteTimeout, bodyRateGracePeriod]
            .filter { $0 > 0 }.min() ?? 1
    }
}
