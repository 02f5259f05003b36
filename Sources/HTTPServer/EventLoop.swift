import Threads
import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A listener as the loops see it: the socket, its routes, and whether it speaks TLS.
final class ListenerState: Sendable {
    let socket: ListeningSocket
    let router: Router
    let usesTLS: Bool
    let name: String

    init(socket: ListeningSocket, router: Router, usesTLS: Bool, name: String) {
        self.socket = socket
        self.router = router
        self.usesTLS = usesTLS
        self.name = name
    }
}

/// Messages to a loop from other threads (workers, the shutdown sequence).
enum LoopMessage: Sendable {
    /// A handler finished: the response for connection `fd` (if it is still connection `id`).
    case completed(fd: Int32, id: UInt64, response: HTTPResponse)
    /// A connection another loop accepted and hands over to this one (the least loaded).
    case adopt(fd: Int32, listener: ListenerState, remoteAddress: String)
    case stopAccepting
    case closeIdle
    case closeAll
    case stop
}

/// One epoll thread. It owns its connections outright (no locks on the I/O path); other threads
/// reach it only through `post`, which appends to a locked inbox and signals an eventfd.
/// Every listener is registered in every loop with EPOLLEXCLUSIVE, so the kernel wakes one loop per
/// incoming connection; the loop that accepts hands the connection to the loop with the fewest
/// connections (`load`), so a burst of new connections cannot leave one core doing all the work.
final class EventLoop: @unchecked Sendable {
    let index: Int
    unowned let core: ServerCore
    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<[LoopMessage]>([])
    /// Set once the loop has stopped accepting (shutdown); read by the shutdown sequence.
    let acceptStopped = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)
    /// Connections this loop serves or has been handed and not yet adopted. Read by every loop's
    /// accept to pick where a new connection goes.
    let load = Atomic<Int>(0)

    // ---- owned by the loop thread only ----
    private let listeners: [ListenerState]
    var connections: [Int32: Connection] = [:]
    /// A request gave budget back while others wait: retry them at the end of this round.
    var budgetRetryPending = false
    /// Read buffer shared by all connections of this loop: an idle connection holds no buffer.
    let scratch: UnsafeMutableRawBufferPointer
    private var nextConnectionID: UInt64 = 0
    private var running = true
    private var accepting = true
    /// EMFILE/ENFILE: accepting is paused (listeners removed from epoll) until this time.
    private var acceptPausedUntil: UInt64 = 0
    private var closingIdle = false
    private var messages: [LoopMessage] = []
    /// Handler jobs produced during one epoll round, handed to the workers together at its end.
    private var pendingJobs: [WorkerPool.Job] = []
    /// Connections whose response waits for the end of this epoll round (`deferWrite`).
    private var deferredWrites: [Connection] = []
    /// True while the loop serves a round of more than one event.
    private var deferringWrites = false
    /// True while `flushDeferredWrites` runs; `flushing` is its list (kept to reuse its storage).
    private var flushingWrites = false
    private var flushing: [Connection] = []
    /// When the oldest response in `deferredWrites` was ready (monotonic ns).
    private var oldestDeferredWrite: UInt64 = 0
    /// Longest a finished response waits for the rest of its round before the waiting ones are
    /// written anyway (a round of a hundred requests must not hold the first answer for milliseconds).
    static let writeDeferralLimitNanoseconds: UInt64 = 200_000

    static let scratchSize = 64 * 1024
    static let acceptsPerWakeup = 1
    private static let listenerTag: UInt64 = 1 << 32
    private static let wakeTag: UInt64 = 2 << 32

    init(index: Int, core: ServerCore, listeners: [ListenerState]) throws(SocketError) {
        self.index = index
        self.core = core
        self.listeners = listeners
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError("epoll_create1") }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let error = SocketError("eventfd")
            close(epollFD)
            throw error
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        self.scratch = .allocate(byteCount: EventLoop.scratchSize, alignment: 16)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = EventLoop.wakeTag
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            let error = SocketError("epoll_ctl(eventfd)")
            close(wakeFD)
            close(epollFD)
            scratch.deallocate()
            throw error
        }
        for (position, _) in listeners.enumerated() {
            guard addListener(position) else {
                let error = SocketError("epoll_ctl(listener)")
                close(wakeFD)
                close(epollFD)
                scratch.deallocate()
                throw error
            }
        }
    }

    deinit {
        close(wakeFD)
        close(epollFD)
        scratch.deallocate()
    }

    /// From any thread.
    func post(_ message: LoopMessage) {
        let wasEmpty = inbox.withLock { queue -> Bool in
            let empty = queue.isEmpty
            queue.append(message)
            return empty
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    // MARK: - The loop

    func run() {
        let capacity: Int32 = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(capacity))
        defer { events.deallocate() }
        let sweepInterval = MonotonicClock.nanoseconds(min(1.0, max(0.01, core.configuration.shortestTimeout / 4)))
        var nextSweep = MonotonicClock.now() &+ sweepInterval
        while running {
            // Whatever the last round dispatched (events, inbox, sweep) goes to the workers now.
            flushJobs()
            var now = MonotonicClock.now()
            var wakeAt = nextSweep
            if acceptPausedUntil != 0 { wakeAt = min(wakeAt, acceptPausedUntil) }
            let timeoutMS = wakeAt > now ? Int32(clamping: (wakeAt &- now) / 1_000_000 &+ 1) : 0
            let count = epoll_wait(epollFD, events, capacity, timeoutMS)
            if count < 0 {
                if errno == EINTR { continue }
                core.logger.error("epoll_wait failed", metadata: ["error": "\(SocketError("epoll_wait"))"])
                break
            }
            // Every event of the round is served before the loop sleeps again. With several, the
            // responses are written together at the end of the round (or after
            // `writeDeferralLimitNanoseconds`): the client, woken by the first, is still running
            // when the others arrive, instead of being woken (and the loop paying for it) once per
            // response.
            deferringWrites = count > 1
            for position in 0..<Int(count) {
                let event = events[position]
                let token = event.data.u64
                if token == EventLoop.wakeTag {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    processInbox()
                } else if token & EventLoop.listenerTag != 0 {
                    let listenerIndex = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
                    if listenerIndex < listeners.count { acceptConnections(listeners[listenerIndex]) }
                } else {
                    let fd = Int32(truncatingIfNeeded: token)
                    if let connection = connections[fd] { connection.ready(events: event.events) }
                }
            }
            if budgetRetryPending { retryBudgetWaiters() }
            deferringWrites = false
            flushDeferredWrites()
            now = MonotonicClock.now()
            if acceptPausedUntil != 0 && now >= acceptPausedUntil { resumeAccepting() }
            if now >= nextSweep {
                sweep(now: now)
                nextSweep = now &+ sweepInterval
            }
        }
        for connection in Array(connections.values) { connection.close() }
        connections.removeAll()
        // Connections handed over after the last inbox round have no loop to serve them: close.
        let unserved = inbox.withLock { queue -> [LoopMessage] in
            let rest = queue
            queue.removeAll()
            return rest
        }
        for case .adopt(let fd, _, _) in unserved {
            close(fd)
            releaseSlot()
        }
        finished.store(true, ordering: .releasing)
    }

    /// Called by a connection with a response to write: true when the loop takes it, to write it
    /// at the end of the round (`Connection.drive` then returns and is driven again by the flush).
    func deferWrite(_ connection: Connection) -> Bool {
        guard deferringWrites && !flushingWrites else { return false }
        let now = MonotonicClock.now()
        if deferredWrites.isEmpty {
            oldestDeferredWrite = now
        } else if now &- oldestDeferredWrite >= EventLoop.writeDeferralLimitNanoseconds {
            // The oldest has waited long enough: the waiting ones go now, this one right after.
            flushDeferredWrites()
            return false
        }
        deferredWrites.append(connection)
        return true
    }

    /// Writes the waiting responses. A connection that goes on to answer a pipelined request
    /// meanwhile writes that answer at once (`flushingWrites`).
    private func flushDeferredWrites() {
        guard !deferredWrites.isEmpty else { return }
        flushingWrites = true
        swap(&deferredWrites, &flushing)
        for connection in flushing where connection.writeDeferred { connection.drive() }
        flushing.removeAll(keepingCapacity: true)
        flushingWrites = false
    }

    /// Queues a handler job; it reaches the workers at the end of this epoll round.
    func enqueue(_ job: @escaping WorkerPool.Job) {
        pendingJobs.append(job)
    }

    private func flushJobs() {
        guard !pendingJobs.isEmpty else { return }
        core.workers.submit(batch: pendingJobs)
        pendingJobs.removeAll(keepingCapacity: true)
    }

    private func processInbox() {
        inbox.withLock { queue in swap(&queue, &messages) }
        for message in messages {
            switch message {
            case .completed(let fd, let id, let response):
                if let connection = connections[fd], connection.id == id {
                    connection.complete(response)
                }
            case .adopt(let fd, let listener, let remoteAddress):
                adopt(fd: fd, listener: listener, remoteAddress: remoteAddress)
            case .stopAccepting:
                stopAccepting()
            case .closeIdle:
                closingIdle = true
                let now = MonotonicClock.now()
                for connection in Array(connections.values) where connection.isIdle {
                    connection.closeIdleDuringShutdown(now: now)
                }
            case .closeAll:
                for connection in Array(connections.values) { connection.close() }
            case .stop:
                running = false
            }
        }
        messages.removeAll(keepingCapacity: true)
    }

    /// Whether connections should close instead of waiting for another request (shutdown phase 2).
    var shouldCloseIdle: Bool { closingIdle }

    private func sweep(now: UInt64) {
        for connection in Array(connections.values) where connection.deadline != 0 && now >= connection.deadline {
            connection.timedOut()
        }
        for connection in connections.values where connection.holdsIdleBuffers {
            connection.releaseIdleBuffers()
        }
        // Budget released on other loops wakes no one here: retry this loop's waiters each sweep.
        if core.budget.waiters.load(ordering: .relaxed) > 0 { retryBudgetWaiters() }
        core.trimIfIdle(now: now)
    }

    /// Requests waiting for in-flight budget try again (oldest first would need a queue; the
    /// sweep interval bounds how long any one of them is passed over).
    private func retryBudgetWaiters() {
        budgetRetryPending = false
        for connection in Array(connections.values) where (connection.request?.awaitingBudget ?? 0) > 0 {
            connection.retryBudget()
            if core.budget.waiters.load(ordering: .relaxed) == 0 { break }
        }
    }

    // MARK: - Accepting

    private func addListener(_ position: Int) -> Bool {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue
        event.data.u64 = EventLoop.listenerTag | UInt64(position)
        return epoll_ctl(epollFD, EPOLL_CTL_ADD, listeners[position].socket.fd, &event) == 0
    }

    private func removeListeners() {
        for listener in listeners {
            var event = epoll_event()
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listener.socket.fd, &event)
        }
    }

    private func stopAccepting() {
        if accepting && acceptPausedUntil == 0 { removeListeners() }
        accepting = false
        acceptPausedUntil = 0
        acceptStopped.store(true, ordering: .releasing)
    }

    private func resumeAccepting() {
        acceptPausedUntil = 0
        guard accepting else { return }
        for position in listeners.indices { _ = addListener(position) }
    }

    private func acceptConnections(_ listener: ListenerState) {
        guard accepting else { return }
        // One connection per wake-up (nginx's `multi_accept off`): the listener is level-triggered
        // and EPOLLEXCLUSIVE, so what is left wakes a loop again, and a burst of new connections
        // (an apiserver opening its pool) spreads over the loops instead of landing on the first.
        for _ in 0..<EventLoop.acceptsPerWakeup {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    clinux_accept4(listener.socket.fd, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    // Out of descriptors: stop listening for a moment instead of spinning on a
                    // level-triggered listener we cannot drain.
                    core.logger.warning("accept: out of file descriptors; pausing accepts for 100 ms",
                                        metadata: ["error": "\(SocketError("accept", errno: code))"])
                    removeListeners()
                    acceptPausedUntil = MonotonicClock.now() &+ 100_000_000
                }
                return
            }
            core.stats.connectionsAccepted.add(1, ordering: .relaxed)
            let open = core.openConnections.add(1, ordering: .relaxed).newValue
            if open > core.configuration.maxConnections && !evictForNewConnection() {
                core.openConnections.subtract(1, ordering: .relaxed)
                core.stats.connectionsRejected.add(1, ordering: .relaxed)
                close(fd)
                continue
            }
            core.stats.connectionsOpen.add(1, ordering: .relaxed)
            let target = core.leastLoadedLoop(preferring: self)
            target.load.add(1, ordering: .relaxed)
            let remoteAddress = EventLoop.describe(address)
            if target !== self {
                target.post(.adopt(fd: fd, listener: listener, remoteAddress: remoteAddress))
                continue
            }
            adopt(fd: fd, listener: listener, remoteAddress: remoteAddress)
        }
    }

    /// Sets up an accepted connection on this loop: TLS state, the Connection, epoll registration.
    /// Its slot (`openConnections`, `load`) is already counted; every failure releases it.
    private func adopt(fd: Int32, listener: ListenerState, remoteAddress: String) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let transport: ConnectionTransport
        var tlsOwner: (AnyObject & Sendable)? = nil
        if listener.usesTLS {
            guard let tls = core.currentTLS() else {
                core.stats.tlsHandshakeFailures.add(1, ordering: .relaxed)
                releaseSlot()
                close(fd)
                return
            }
            transport = ConnectionTransport(tlsFD: fd, sslContext: tls.sslContext)
            tlsOwner = tls.owner
        } else {
            transport = ConnectionTransport(plainFD: fd)
        }
        nextConnectionID &+= 1
        let connection = Connection(fd: fd, id: nextConnectionID, loop: self, listener: listener,
                                    transport: transport, tlsOwner: tlsOwner,
                                    remoteAddress: remoteAddress)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = UInt64(UInt32(bitPattern: fd))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            connection.close()
            return
        }
        connections[fd] = connection
        connection.start()
    }

    /// Called by a connection as it closes (its fd is closed right after).
    func remove(_ connection: Connection) {
        if let current = connections[connection.fd], current === connection {
            connections[connection.fd] = nil
        }
        core.noteReleased(bytes: MemoryBudget.bytesPerConnection)
        releaseSlot()
    }

    private func releaseSlot() {
        load.subtract(1, ordering: .relaxed)
        core.openConnections.subtract(1, ordering: .relaxed)
        core.stats.connectionsOpen.subtract(1, ordering: .relaxed)
    }

    /// `ip:port`, `[ip6]:port`, for logs.
    static func describe(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafePointer(to: &storage) { pointer -> String in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 -> String in
                    var address = v4.pointee.sin_addr
                    let port = UInt16(bigEndian: v4.pointee.sin_port)
                    let ok = text.withUnsafeMutableBufferPointer { inet_ntop(AF_INET, &address, $0.baseAddress, socklen_t($0.count)) != nil }
                    return ok ? "\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(port)" : "?"
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 -> String in
                    var address = v6.pointee.sin6_addr
                    let port = UInt16(bigEndian: v6.pointee.sin6_port)
                    let ok = text.withUnsafeMutableBufferPointer { inet_ntop(AF_INET6, &address, $0.baseAddress, socklen_t($0.count)) != nil }
                    return ok ? "[\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))]:\(port)" : "?"
                }
            default:
                return "?"
            }
        }
    }
}
