import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// One client connection: the state machine TLS handshake → idle → request head → body →
/// handler → response → idle (keep-alive) or close. Owned by one event loop and touched only on
/// its thread. Sockets are edge-triggered, so `drive()` always works until the transport would
/// block (or the connection waits for its handler, after which `complete` drives it again).
final class Connection {
    enum State {
        case handshaking
        /// Between requests (or before the first): the keep-alive idle timeout runs.
        case idle
        case readingHead
        case readingBody
        /// The handler runs; the connection reads nothing more until it answers.
        case dispatched
        /// A response is being written.
        case writing
        /// Final response sent; discarding what the client still sends so it sees the response, not a reset.
        case lingering
        case closed
    }

    let fd: Int32
    let id: UInt64
    unowned let loop: EventLoop
    let listener: ListenerState
    let remoteAddress: String
    var transport: ConnectionTransport
    /// Keeps the TLS context this connection was accepted with alive (reload swaps only new ones).
    private let tlsOwner: (AnyObject & Sendable)?

    var state: State
    /// Monotonic nanoseconds; 0 = none.
    var deadline: UInt64 = 0
    /// When the connection last became idle (monotonic ns).
    private(set) var idleSince: UInt64 = 0
    /// When it was accepted, and when its current request's first byte arrived (monotonic ns):
    /// what `ConnectionEviction` ranks by.
    private(set) var acceptedAt: UInt64 = 0
    private(set) var requestStartedAt: UInt64 = 0
    /// When the response being written was queued (its overall write deadline runs from there).
    private var responseStart: UInt64 = 0
    /// Bytes of the server's in-flight budget this request holds (`ConnectionBudget`).
    var reservedBytes = 0

    /// Received bytes not consumed yet (start of `input` up to `inputStart` is consumed).
    private var input: [UInt8] = []
    var inputStart = 0
    var output: [UInt8] = []
    private var outputOffset = 0
    private var closeAfterWrite = false
    /// The client may still be sending bytes we will not read (error before its body was read).
    var unreadRequestBytes = false

    /// The request in progress, boxed so that an idle connection (the common case by far: 10,000
    /// of them must fit in 150 MB) carries one nil pointer instead of all of it.
    final class RequestState {
        var head: HTTPRequestHead?
        var route: Route?
        var body: [UInt8] = []
        var bodyRemaining = 0
        var chunked: ChunkedDecoder?
        /// The body phase's clocks (`ConnectionDeadlines`).
        var bodyClock = BodyDeadlines(start: 0)
        /// Budget bytes this request waits for before its body is read; 0 = not waiting.
        var awaitingBudget = 0
    }
    private(set) var request: RequestState?
    var current: RequestState {
        if let request { return request }
        let made = RequestState()
        request = made
        return made
    }
    var head: HTTPRequestHead? {
        get { request?.head }
        set { current.head = newValue }
    }
    private var route: Route? {
        get { request?.route }
        set { current.route = newValue }
    }
    private var bodyRemaining: Int {
        get { request?.bodyRemaining ?? 0 }
        set { current.bodyRemaining = newValue }
    }
    private var chunked: ChunkedDecoder? {
        get { request?.chunked }
        set { current.chunked = newValue }
    }

    init(fd: Int32, id: UInt64, loop: EventLoop, listener: ListenerState, transport: ConnectionTransport,
         tlsOwner: (AnyObject & Sendable)?, remoteAddress: String) {
        self.fd = fd
        self.id = id
        self.loop = loop
        self.listener = listener
        self.transport = transport
        self.tlsOwner = tlsOwner
        self.remoteAddress = remoteAddress
        self.state = transport.isTLS ? .handshaking : .idle
    }

    var configuration: ServerConfiguration { loop.core.configuration }
    var inputIsEmpty: Bool { inputStart >= input.count }

    /// Idle with nothing buffered: may be closed by the shutdown sequence without losing a request.
    var isIdle: Bool {
        switch state {
        case .idle, .handshaking: return inputStart >= input.count
        case .lingering: return true
        default: return false
        }
    }

    func start() {
        let now = MonotonicClock.now()
        acceptedAt = now
        if state == .handshaking {
            deadline = MonotonicClock.deadline(after: configuration.tlsHandshakeTimeout, from: now)
        } else {
            enterIdle(now: now)
        }
        drive()
    }

    // MARK: - Driving

    /// Epoll reported the socket: readable, writable, closed or in error.
    func ready(events: UInt32) {
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            transport.inputMayHaveArrived()
        }
        drive()
    }

    /// Set while a finished response waits for the end of the loop's epoll round (`EventLoop.deferWrite`).
    var writeDeferred = false

    func drive() {
        while true {
            switch state {
            case .closed:
                return
            case .handshaking:
                switch transport.handshake() {
                case .done:
                    // ACK the client's Finished at once: a client with Nagle on (Python, not Go or
                    // curl) holds its first request until that ACK, which delayed ACK defers ~40 ms.
                    var one: Int32 = 1
                    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &one, socklen_t(MemoryLayout<Int32>.size))
                    enterIdle(now: MonotonicClock.now())
                    continue
                case .wouldBlock:
                    return
                case .failed(let reason):
                    loop.core.stats.tlsHandshakeFailures.add(1, ordering: .relaxed)
                    loop.core.logger.debug("TLS handshake failed", metadata: ["peer": "\(remoteAddress)", "error": "\(reason)"])
                    close()
                    return
                }
            case .lingering:
                discardLingering()
                return
            default:
                break
            }

            // 1. Flush pending output (a response, or `100 Continue`), unless the loop collects
            //    this round's responses to write them together.
            if outputOffset < output.count {
                if writeDeferred {
                    writeDeferred = false
                } else if loop.deferWrite(self) {
                    writeDeferred = true
                    return
                }
                let result = output.withUnsafeBytes { raw in
                    transport.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
                }
                switch result {
                case .bytes(let count):
                    outputOffset &+= count
                    if state == .writing {
                        deadline = ResponseDeadlines.deadline(configuration, start: responseStart, now: MonotonicClock.now())
                    }
                    continue
                case .wouldBlock:
                    if state == .writing && deadline == 0 {
                        deadline = ResponseDeadlines.deadline(configuration, start: responseStart, now: MonotonicClock.now())
                    }
                    return
                case .closed, .failed:
                    close()
                    return
                }
            }
            if !output.isEmpty {
                output = []
                outputOffset = 0
            }
            if state == .writing {
                finishResponse()
                continue
            }
            if state == .dispatched { return }
            // Waiting for in-flight budget: nothing is read until it is granted.
            if let request, request.awaitingBudget > 0 { return }

            // 2. Make progress with what is buffered; read more only when that is not enough and
            //    the socket may hold something (else epoll reports the next bytes).
            if processBuffered() { continue }
            guard transport.mayHaveInput else { return }
            let result = transport.read(into: loop.scratch)
            switch result {
            case .bytes(let count):
                if state == .readingBody && chunked == nil && inputStart >= input.count, let request {
                    // Body bytes go straight to the body (one copy fewer); only what follows it
                    // (a pipelined request) goes through `input`.
                    let take = min(count, request.bodyRemaining)
                    request.body.append(contentsOf: UnsafeRawBufferPointer(rebasing: loop.scratch[0..<take]))
                    request.bodyRemaining &-= take
                    if take < count {
                        input.append(contentsOf: UnsafeRawBufferPointer(rebasing: loop.scratch[take..<count]))
                    }
                    if request.bodyRemaining == 0 {
                        dispatch()
                        continue
                    }
                } else {
                    input.append(contentsOf: UnsafeRawBufferPointer(rebasing: loop.scratch[0..<count]))
                }
                if state == .readingBody, let request {
                    request.bodyClock.received &+= count
                    request.bodyClock.lastRead = MonotonicClock.now()
                    deadline = request.bodyClock.deadline(configuration)
                }
            case .wouldBlock:
                return
            case .closed, .failed:
                // A client that closes mid-request gets nothing (it cannot read it anyway).
                close()
                return
            }
        }
    }

    /// Consumes buffered input; true when the state changed or bytes were consumed.
    private func processBuffered() -> Bool {
        switch state {
        case .idle, .readingHead:
            guard inputStart < input.count else { return false }
            if state == .idle {
                state = .readingHead
                requestStartedAt = MonotonicClock.now()
                deadline = MonotonicClock.deadline(after: configuration.requestHeaderTimeout, from: MonotonicClock.now())
            }
            let result = input.withUnsafeBytes { raw in
                HTTPParser.parseRequestHead(UnsafeRawBufferPointer(rebasing: raw[inputStart...]), limits: loop.core.limits)
            }
            switch result {
            case .incomplete:
                return false
            case .failure(let error):
                unreadRequestBytes = true
                respondWithError(error.status, error.reason, version: .http11)
                return true
            case .complete(let parsed, let headerBytes):
                consume(headerBytes)
                begin(parsed)
                return true
            }
        case .readingBody:
            let available = input.count &- inputStart
            guard available > 0 else { return false }
            if chunked != nil {
                let fed = input.withUnsafeBytes { raw in
                    Result { () throws(HTTPParseError) in try feedChunked(UnsafeRawBufferPointer(rebasing: raw[inputStart...])) }
                }
                let outcome: (consumed: Int, done: Bool)
                switch fed {
                case .success(let value):
                    outcome = value
                case .failure(let error):
                    unreadRequestBytes = true
                    respondWithError(error.status, error.reason, version: head?.version ?? .http11)
                    return true
                }
                consume(outcome.consumed)
                if !reserveForChunkedBody() { return true }
                if outcome.done { dispatch() }
                return outcome.consumed > 0 || outcome.done
            }
            let take = min(available, bodyRemaining)
            current.body.append(contentsOf: input[inputStart..<(inputStart &+ take)])
            consume(take)
            bodyRemaining &-= take
            if bodyRemaining == 0 { dispatch() }
            return true
        default:
            return false
        }
    }

    private func feedChunked(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (consumed: Int, done: Bool) {
        let state = current
        guard var decoder = state.chunked else { return (0, true) }
        defer { state.chunked = decoder }
        return try decoder.feed(bytes, into: &state.body)
    }

    private func consume(_ count: Int) {
        inputStart &+= count
        if inputStart >= input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 16 * 1024 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    // MARK: - Requests

    /// A request head is complete: check it against the route before reading any body.
    private func begin(_ parsed: HTTPRequestHead) {
        head = parsed
        let hasBody = parsed.isChunked || (parsed.contentLength ?? 0) > 0
        let version = parsed.version
        guard let matched = listener.router.route(for: parsed.path) else {
            unreadRequestBytes = hasBody
            respondWithError(404, "no route for \(parsed.path)", version: version, keepAlive: !hasBody && parsed.keepAlive)
            return
        }
        let allowed = matched.methods.contains(parsed.method) || (parsed.method == .head && matched.methods.contains(.get))
        guard allowed else {
            unreadRequestBytes = hasBody
            var response = HTTPResponse.error(405, "\(parsed.method.name) is not allowed on \(parsed.path)")
            response.headers.append(("Allow", matched.methods.map(\.name).joined(separator: ", ")))
            respond(with: response, version: version, keepAlive: !hasBody && parsed.keepAlive, isError: true)
            return
        }
        if let wanted = matched.acceptedMediaType, !parsed.hasMediaType(wanted) {
            unreadRequestBytes = hasBody
            // Worded as the webhook endpoints word their own 415, so a client sees one message.
            let got = parsed.headers.values("content-type").first.map { "\"\($0)\"" } ?? "none"
            respondWithError(415, "Content-Type must be \(wanted), got \(got)", version: version, keepAlive: !hasBody && parsed.keepAlive)
            return
        }
        let limit = matched.maxBodyBytes ?? configuration.defaultMaxBodyBytes
        route = matched
        current.body = []
        if parsed.isChunked {
            chunked = ChunkedDecoder(maxBodyBytes: limit)
        } else if let length = parsed.contentLength {
            guard length <= limit else {
                unreadRequestBytes = true
                respondWithError(413, "request body of \(length) bytes exceeds the limit of \(limit) bytes", version: version)
                return
            }
            bodyRemaining = length
        } else if parsed.method == .post || parsed.method == .put || parsed.method == .patch {
            respondWithError(411, "a \(parsed.method.name) request needs Content-Length or chunked encoding", version: version)
            return
        } else {
            bodyRemaining = 0
        }
        if !parsed.isChunked && bodyRemaining == 0 {
            dispatch()
            return
        }
        state = .readingBody
        current.bodyClock = BodyDeadlines(start: MonotonicClock.now())
        // The body is read only once the in-flight budget has room for it (`ConnectionBudget`).
        if admitBody(parsed) { startReadingBody() }
    }

    /// The body may be read: invite it, and start its clocks.
    func startReadingBody() {
        guard let head else { return }
        // The client waits for `100 Continue` before sending the body (curl does above 1 KiB).
        if head.expectsContinue && inputStart >= input.count {
            output.append(contentsOf: HTTPResponse.continueBytes)
        }
        if !head.isChunked { current.body.reserveCapacity(min(bodyRemaining, 256 * 1024)) }
        let now = MonotonicClock.now()
        current.bodyClock.lastRead = now
        deadline = current.bodyClock.deadline(configuration)
    }

    /// The whole request is here: run its handler (on a worker unless the route runs inline).
    private func dispatch() {
        guard let head, let route else { return }
        state = .dispatched
        deadline = 0
        chunked = nil
        let state = current
        let request = HTTPRequest(head: head, body: state.body, remoteAddress: remoteAddress)
        state.body = []
        if route.shouldRunInline(bodyBytes: request.body.count) {
            // No `drive()` here: dispatch runs inside the caller's drive loop, which goes on to
            // write the response (recursing would nest one frame per pipelined request).
            respondToDispatched(route.handler(request))
            return
        }
        let loop = self.loop
        let fd = self.fd
        let id = self.id
        let handler = route.handler
        loop.enqueue {
            let response = handler(request)
            loop.post(.completed(fd: fd, id: id, response: response))
        }
    }

    /// The handler's answer (on the loop thread).
    func complete(_ response: HTTPResponse) {
        guard state == .dispatched else { return }
        respondToDispatched(response)
        drive()
    }

    private func respondToDispatched(_ response: HTTPResponse) {
        guard state == .dispatched, let head else { return }
        respond(with: response, version: head.version, keepAlive: head.keepAlive, isError: false)
    }

    func respondWithError(_ status: Int, _ reason: String, version: HTTPVersion, keepAlive: Bool = false) {
        respond(with: HTTPResponse.error(status, reason), version: version, keepAlive: keepAlive, isError: true)
    }

    /// A refusal for lack of memory: 503 with `Retry-After`, and the connection closes (the body
    /// was not read).
    func respondUnavailable(_ reason: String) {
        unreadRequestBytes = true
        var response = HTTPResponse.error(503, reason)
        response.headers.append(("Retry-After", "1"))
        respond(with: response, version: head?.version ?? .http11, keepAlive: false, isError: true)
    }

    /// Queues a response; the connection stays open afterwards only if the request allows it,
    /// the server is not draining, and nothing of the request is left unread.
    func respond(with response: HTTPResponse, version: HTTPVersion, keepAlive requested: Bool, isError: Bool) {
        let core = loop.core
        core.stats.requestsServed.add(1, ordering: .relaxed)
        if isError { core.stats.protocolErrors.add(1, ordering: .relaxed) }
        let keepAlive = requested && !unreadRequestBytes
            && !core.draining.load(ordering: .relaxed) && !loop.shouldCloseIdle
        let isHead = head?.method == .head
        let bytes = response.serialize(keepAlive: keepAlive, version: version, includeBody: !isHead)
        if output.isEmpty {
            output = bytes
        } else {
            output.append(contentsOf: bytes)
        }
        closeAfterWrite = !keepAlive
        state = .writing
        stopWaitingForBudget()
        let now = MonotonicClock.now()
        responseStart = now
        deadline = ResponseDeadlines.deadline(configuration, start: now, now: now)
        if let request {
            request.chunked = nil
            request.bodyRemaining = 0
        }
    }

    /// The response is fully written.
    private func finishResponse() {
        releaseReservation()
        request = nil
        if closeAfterWrite {
            if unreadRequestBytes || inputStart < input.count {
                beginLingering()
            } else {
                close()
            }
            return
        }
        enterIdle(now: MonotonicClock.now())
    }

    private func enterIdle(now: UInt64) {
        state = .idle
        idleSince = now
        deadline = MonotonicClock.deadline(after: configuration.keepAliveIdleTimeout, from: now)
        if loop.shouldCloseIdle && inputStart >= input.count {
            closeIdleDuringShutdown(now: now)
            if state == .closed { return }
        }
        // The buffers are released by the loop's next sweep rather than here: freeing and
        // reallocating OpenSSL's record buffers and the input array on every keep-alive request
        // cost several µs each; a connection that stays idle still holds none after a sweep.
        holdsIdleBuffers = true
    }

    /// Set when the connection went idle with buffers it may no longer need.
    private(set) var holdsIdleBuffers = false

    /// Called by the loop's sweep: an idle connection with nothing buffered keeps no buffer.
    func releaseIdleBuffers() {
        holdsIdleBuffers = false
        guard state == .idle, inputStart >= input.count else { return }
        if input.capacity > 0 {
            input = []
            inputStart = 0
        }
        transport.releaseBuffers()
    }

    // MARK: - Timeouts and closing

    /// Shutdown phase 2. A connection idle for a while is closed now; one that just finished its
    /// handshake (opened during the drain window, its first request probably on the wire) gets
    /// `ServerConfiguration.shutdownIdleGrace` to send it, so that request is not lost.
    func closeIdleDuringShutdown(now: UInt64) {
        guard isIdle else { return }
        if state == .handshaking || state == .lingering {
            close()
            return
        }
        let graceEnd = MonotonicClock.deadline(after: configuration.shutdownIdleGrace, from: idleSince)
        if now >= graceEnd {
            close()
        } else {
            deadline = min(deadline, graceEnd)
        }
    }

    func timedOut() {
        let stats = loop.core.stats
        switch state {
        case .handshaking:
            stats.tlsHandshakeTimeouts.add(1, ordering: .relaxed)
            close()
        case .idle:
            stats.keepAliveTimeouts.add(1, ordering: .relaxed)
            close()
        case .readingBody where (request?.awaitingBudget ?? 0) > 0:
            budgetWaitTimedOut()
            drive()
        case .readingHead, .readingBody:
            stats.requestTimeouts.add(1, ordering: .relaxed)
            unreadRequestBytes = true
            let reason = state == .readingHead || request == nil
                ? "timed out waiting for the request headers"
                : "timed out: " + current.bodyClock.reason(configuration, now: MonotonicClock.now())
            respondWithError(408, reason, version: head?.version ?? .http11)
            // One attempt to send the 408; a client that does not read gets closed by the write timeout.
            drive()
        case .writing:
            stats.requestTimeouts.add(1, ordering: .relaxed)
            close()
        case .lingering:
            close()
        case .dispatched, .closed:
            break
        }
    }

    /// Half-close and read until the client closes (or the linger timeout), so that a client still
    /// sending a body we refused reads our error response rather than a TCP reset.
    private func beginLingering() {
        transport.shutdownTLS()
        _ = shutdown(fd, Int32(SHUT_WR))
        state = .lingering
        input = []
        inputStart = 0
        deadline = MonotonicClock.deadline(after: configuration.lingerTimeout, from: MonotonicClock.now())
        discardLingering()
    }

    private func discardLingering() {
        while true {
            let n = recv(fd, loop.scratch.baseAddress, loop.scratch.count, 0)
            if n > 0 { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            close()
            return
        }
    }

    func close() {
        guard state != .closed else { return }
        stopWaitingForBudget()
        releaseReservation()
        state = .closed
        deadline = 0
        transport.shutdownTLS()
        loop.remove(self)
        Glibc.close(fd)
        input = []
        output = []
        request = nil
    }
}

