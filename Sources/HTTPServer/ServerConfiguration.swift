import Threads

/// Every limit and timeout of the server, named and configurable. Defaults follow
/// They suit kube-apiserver as a client (it closes idle connections after
/// 90 s, gives up after at most 30 s, sends < 1 KiB of headers and Content-Length bodies).
public struct ServerConfiguration: Sendable {
    /// Event-loop (epoll) threads. Default: one per CPU the process may use (`ThreadSizing`).
    public var ioThreads: Int
    /// Threads that run request handlers off the I/O path, so one slow handler stalls no one else.
    public var workerThreads: Int
    /// How often an idle worker polls for a job before it sleeps (0 under a CPU quota).
    public var workerPollsBeforeSleeping: Int
    /// Why the thread counts are what they are; logged when the server starts.
    public var threadSizingReason: String

    /// Open connections across all listeners; above it a new connection is accepted and closed at once.
    public var maxConnections: Int = 20_000
    /// Request line + headers (→ 431 above it).
    public var maxHeaderBytes: Int = 32 * 1024
    /// Number of header fields (→ 431 above it).
    public var maxHeaderCount: Int = 100
    /// Body limit for routes that do not set their own (→ 413 above it). Admission: 7 MiB, as controller-runtime.
    public var defaultMaxBodyBytes: Int = 7 * 1024 * 1024

    /// From accept to a finished TLS handshake (kube-apiserver's own TLSHandshakeTimeout is 10 s).
    public var tlsHandshakeTimeout: Double = 10
    /// From the first byte of a request to the end of its header section (→ 408).
    public var requestHeaderTimeout: Double = 10
    /// Longest pause between two reads of a request body (→ 408).
    public var bodyReadTimeout: Double = 10
    /// An idle keep-alive connection (no request started) is closed after this. Longer than the
    /// apiserver's 90 s so that the client always closes first.
    public var keepAliveIdleTimeout: Double = 120
    /// Longest pause in writing a response to a client that does not read.
    public var writeTimeout: Double = 10
    /// After an error response that left request bytes unread, how long to keep reading and
    /// discarding them, so that the client reads the response instead of a connection reset.
    public var lingerTimeout: Double = 2

    /// Shutdown: how long requests are still served (with `Connection: close`) after the signal.
    public var drainSeconds: Double = 10
    /// Shutdown: after the drain window, hard cap for in-flight requests before the process exits.
    public var shutdownGraceSeconds: Double = 10

    /// Shutdown: a connection that became idle less than this long before the idle connections
    /// are closed gets this long to send its request (it was likely opened for one).
    public var shutdownIdleGrace: Double = 0.5

    /// listen(2) backlog.
    public var listenBacklog: Int32 = 1024

    /// nil counts follow `budget`: the CPUs this process may really use (affinity mask and cgroup
    /// CPU quota included), read once per process.
    public init(ioThreads: Int? = nil, workerThreads: Int? = nil, budget: CPUBudget = .current) {
        let sizing = ThreadSizing(budget: budget, ioThreads: ioThreads, workerThreads: workerThreads)
        self.ioThreads = sizing.ioThreads
        self.workerThreads = sizing.workerThreads
        self.workerPollsBeforeSleeping = sizing.workerPollsBeforeSleeping
        self.threadSizingReason = sizing.reason
    }

    /// Shortest configured timeout: the sweep that enforces timeouts runs at a fraction of it.
    var shortestTimeout: Double {
        [tlsHandshakeTimeout, requestHeaderTimeout, bodyReadTimeout, keepAliveIdleTimeout, writeTimeout, lingerTimeout]
            .filter { $0 > 0 }.min() ?? 1
    }
}
