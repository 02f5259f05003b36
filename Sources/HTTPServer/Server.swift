import TLS
import Threads
import Logging
import Synchronization
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server (TLS or plain per listener) on raw sockets and epoll.
///
///     let server = Server(configuration: ServerConfiguration())
///     server.setTLSContext(try TLSContext.load(files))
///     let port = try server.addListener(ListenAddress(host: "", port: 9443), tls: true, router: router, name: "webhook")
///     try server.start()
///     …
///     server.shutdown()   // drain, close idle, finish in-flight, stop
///
/// Listeners are added before `start()`; TLS contexts can be swapped at any time (new handshakes
/// use the new one, established connections keep theirs).
package final class Server: Sendable {
    package let configuration: ServerConfiguration
    package let stats: ServerStats
    let core: ServerCore

    private struct State {
        var listeners: [ListenerState] = []
        var loops: [EventLoop] = []
        var threads: [pthread_t] = []
        var started = false
        var stopped = false
        var listenersClosed = false
    }
    private let state = Mutex(State())
    private let startedFlag = Atomic<Bool>(false)

    package init(configuration: ServerConfiguration = ServerConfiguration(), logger: Logger = Logger(label: "http-server")) {
        // OpenSSL's socket BIO writes without MSG_NOSIGNAL: a peer reset must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.stats = ServerStats()
        self.core = ServerCore(configuration: configuration, logger: logger, stats: stats)
    }

    // MARK: - TLS

    /// Installs (or replaces) the certificate new TLS handshakes use. Thread-safe.
    package func setTLSContext(_ context: TLSContext) {
        core.setTLS(TLSContextBox(sslContext: context.context, owner: context))
    }

    package var hasTLSContext: Bool { core.currentTLS() != nil }

    // MARK: - Listeners

    /// Binds a listener now (so the port is known and errors surface early); it starts accepting
    /// with `start()`. Returns the bound port (useful with port 0).
    @discardableResult
    package func addListener(_ address: ListenAddress, tls: Bool, router: Router, name: String) throws -> Int {
        let socket = try ListeningSocket.open(address, backlog: configuration.listenBacklog)
        let added = state.withLock { state -> Bool in
            guard !state.started else { return false }
            state.listeners.append(ListenerState(socket: socket, router: router, usesTLS: tls, name: name))
            return true
        }
        guard added else {
            close(socket.fd)
            throw SocketError("listener \(name) added after start", errno: EINVAL)
        }
        core.logger.info("listening", metadata: ["listener": "\(name)", "address": "\(ListenAddress(host: address.host, port: socket.port))", "tls": "\(tls)"])
        return socket.port
    }

    /// Bound port of the listener with this name.
    package func port(of name: String) -> Int? {
        state.withLock { $0.listeners.first { $0.name == name }?.socket.port }
    }

    // MARK: - Running

    /// Starts the event loops. Returns at once; the server runs until `shutdown()`.
    package func start() throws {
        let startedNow = try state.withLock { state throws -> Bool in
            guard !state.started else { return false }
            if state.listeners.contains(where: \.usesTLS) && core.currentTLS() == nil {
                throw SocketError("a TLS listener needs a TLS context before start", errno: EINVAL)
            }
            var loops: [EventLoop] = []
            for index in 0..<configuration.ioThreads {
                loops.append(try EventLoop(index: index, core: core, listeners: state.listeners))
            }
            var threads: [pthread_t] = []
            core.setLoops(loops)
            for loop in loops {
                guard let thread = Threads.start(name: "http-loop-\(loop.index)", { loop.run() }) else {
                    for started in loops { started.post(.stop) }
                    for thread in threads { Threads.join(thread) }
                    core.setLoops([])
                    throw SocketError("pthread_create")
                }
                threads.append(thread)
            }
            state.loops = loops
            state.threads = threads
            state.started = true
            return true
        }
        if startedNow { core.logger.info("threads: \(configuration.threadSizingReason)") }
        startedFlag.store(true, ordering: .releasing)
    }

    /// Started, has a certificate (when it serves TLS), and not shutting down: what `/readyz` reports.
    package var isReady: Bool {
        guard startedFlag.load(ordering: .acquiring), !core.draining.load(ordering: .relaxed) else { return false }
        let needsTLS = state.withLock { $0.listeners.contains(where: \.usesTLS) }
        return !needsTLS || core.currentTLS() != nil
    }

    package var isDraining: Bool { core.draining.load(ordering: .relaxed) }

    /// Connections currently open across all listeners.
    package var openConnections: Int { core.openConnections.load(ordering: .relaxed) }

    var loops: [EventLoop] { state.withLock { $0.loops } }
    var listenerStates: [ListenerState] { state.withLock { $0.listeners } }

    /// Stops the loops and closes every connection and listener at once (no drain).
    func stopLoops(joinWorkers: Bool) {
        let (loops, threads, listeners, alreadyStopped) = state.withLock { state -> ([EventLoop], [pthread_t], [ListenerState], Bool) in
            let was = state.stopped
            state.stopped = true
            let result = (state.loops, state.threads, state.listeners, was)
            state.threads = []
            return result
        }
        guard !alreadyStopped else { return }
        for loop in loops {
            loop.post(.closeAll)
            loop.post(.stop)
        }
        for thread in threads { Threads.join(thread) }
        core.setLoops([])
        _ = listeners
        closeListeners()
        if joinWorkers { core.workers.stop() }
    }

    /// Closes the listening sockets once (after the loops stopped watching them), so that the
    /// kernel refuses new connections instead of queueing them where no one accepts.
    func closeListeners() {
        let listeners = state.withLock { state -> [ListenerState] in
            guard !state.listenersClosed else { return [] }
            state.listenersClosed = true
            return state.listeners
        }
        for listener in listeners { close(listener.socket.fd) }
    }
}
