import TLS
import COpenSSL
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Outcome of one non-blocking I/O attempt.
enum IOResult {
    /// Bytes moved (> 0).
    case bytes(Int)
    /// Nothing to do until the socket is readable (or, for TLS, writable) again: epoll will tell.
    case wouldBlock
    /// Orderly end: TCP FIN or TLS close_notify.
    case closed
    /// Reset, protocol error, bad TLS record…; `reason` goes to debug logs.
    case failed(String)
}

enum HandshakeResult {
    case done
    case wouldBlock
    case failed(String)
}

/// The byte stream of one connection: TLS (an `SSL*` over the socket) or plain TCP (probes,
/// metrics). Non-blocking; used only by the event-loop thread that owns the connection.
struct ConnectionTransport {
    let fd: Int32
    /// nil for plain TCP.
    private(set) var ssl: OpaquePointer?
    /// A TLS session may send close_notify only while it is healthy (OpenSSL forbids SSL_shutdown
    /// after SSL_ERROR_SYSCALL / SSL_ERROR_SSL).
    private var healthy = false
    /// Plain TCP: whether the last read left the socket empty (a read shorter than asked, EAGAIN
    /// or the end); cleared by `inputMayHaveArrived` on every readiness event. While it is set, a
    /// read could only fail with EAGAIN. For TLS the socket BIO keeps the same flag
    /// (`shim_SSL_socket_drained`).
    private var plainDrained = false

    /// Plain TCP.
    init(plainFD fd: Int32) {
        self.fd = fd
        self.ssl = nil
        self.healthy = true
    }

    /// The SSL_CTX of a TLS connection whose session is not created yet (see `init(tlsFD:)`).
    private var pendingContext: OpaquePointer?

    /// TLS server side over `fd` with the given SSL_CTX (`TLSContext.context`). The session (the
    /// `SSL` object, and the record buffers its first read allocates: ~45 KB together) is made
    /// only when the client's whole first record has arrived (`firstRecordArrival`), so a
    /// connection that sends nothing, or a part of a ClientHello, costs no more than an idle one:
    /// such connections opened by the thousand cannot exhaust memory.
    /// The caller keeps the SSL_CTX alive until the connection closes.
    init(tlsFD fd: Int32, sslContext: OpaquePointer) {
        self.fd = fd
        self.ssl = nil
        self.pendingContext = sslContext
    }

    /// Creates the session. Nil if OpenSSL cannot allocate. The SSL keeps its own reference on
    /// the SSL_CTX.
    private static func makeSession(fd: Int32, context: OpaquePointer) -> OpaquePointer? {
        guard let ssl = SSL_new(context) else {
            ERR_clear_error()
            return nil
        }
        guard SSL_set_fd(ssl, fd) == 1 else {
            ERR_clear_error()
            SSL_free(ssl)
            return nil
        }
        _ = shim_SSL_set_mode(ssl, shim_SSL_MODE_nonblocking_writes())
        // Read what the socket holds in one read(2), not a record header and then its body: a
        // request of one TLS record costs one system call instead of two (plus the EAGAIN one the
        // drained flag saves).
        SSL_set_read_ahead(ssl, 1)
        _ = shim_SSL_track_socket_reads(ssl)
        SSL_set_accept_state(ssl)
        return ssl
    }

    enum FirstRecord: Equatable {
        case waiting
        case arrived
        case closed
        case failed(String)
    }

    /// Whether the client's first TLS record (its ClientHello) is entirely in the socket, looked
    /// at without consuming it. Until then no session exists: a client that sends a few bytes of
    /// a ClientHello and stops costs the kernel's socket buffer, not the ~45 KB of a session with
    /// a half-read record. Anything that is not a plausible handshake record counts as arrived,
    /// so OpenSSL refuses it at once.
    static func firstRecordArrival(_ fd: Int32) -> FirstRecord {
        var header: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
        let n = withUnsafeMutableBytes(of: &header) { recv(fd, $0.baseAddress, 5, Int32(MSG_PEEK)) }
        if n == 0 { return .closed }
        if n < 0 {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return .waiting }
            return .failed("recv: \(String(cString: strerror(code)))")
        }
        if header.0 != 0x16 { return .arrived }
        var complete = false
        if n >= 5 {
            let length = Int(header.3) << 8 | Int(header.4)
            // A handshake record is at most 16 KiB of plaintext (RFC 8446, 5.1); a larger one is refused.
            let available = Int(clinux_readable_bytes(fd))
            complete = length > 16_384 || available < 0 || available >= 5 &+ length
        }
        if complete { return .arrived }
        // A client that sent part of a record and closed will send no more.
        return clinux_peer_closed(fd) != 0 ? .closed : .waiting
    }

    /// Whether the client has sent anything yet (a TLS session exists, or the connection is plain).
    var hasReceivedBytes: Bool { pendingContext == nil }

    var isTLS: Bool { ssl != nil || pendingContext != nil }

    /// The protocol ALPN selected ("http/1.1"), if any.
    var negotiatedALPN: String? {
        guard let ssl else { return nil }
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    mutating func handshake() -> HandshakeResult {
        if let context = pendingContext {
            switch ConnectionTransport.firstRecordArrival(fd) {
            case .waiting: return .wouldBlock
            case .closed: return .failed("closed before the TLS handshake")
            case .failed(let reason): return .failed(reason)
            case .arrived: break
            }
            guard let made = ConnectionTransport.makeSession(fd: fd, context: context) else {
                return .failed("SSL_new: out of memory")
            }
            ssl = made
            pendingContext = nil
        }
        guard let ssl else { return .done }
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            healthy = true
            return .done
        }
        let error = SSL_get_error(ssl, rc)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wouldBlock
        default:
            return .failed("TLS handshake: \(describe(error))")
        }
    }

    /// False when a read would only return EAGAIN: the last one left the socket empty, nothing
    /// has been reported readable since, and OpenSSL holds no unread bytes.
    var mayHaveInput: Bool {
        guard let ssl else { return !plainDrained }
        return shim_SSL_socket_drained(ssl) == 0 || SSL_has_pending(ssl) == 1
    }

    /// Epoll reported the socket readable (or closed): the next read must be tried.
    mutating func inputMayHaveArrived() {
        plainDrained = false
        if let ssl { shim_SSL_clear_socket_drained(ssl) }
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .wouldBlock }
        guard let ssl else {
            let n = recv(fd, base, buffer.count, 0)
            if n > 0 {
                plainDrained = n < buffer.count
                return .bytes(n)
            }
            plainDrained = true
            if n == 0 { return .closed }
            return errnoResult("recv")
        }
        let asked = Int32(clamping: buffer.count)
        let n = SSL_read(ssl, base, asked)
        if n > 0 { return .bytes(Int(n)) }
        return sslResult(n, "SSL_read")
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .bytes(0) }
        guard let ssl else {
            let n = send(fd, base, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return n == 0 ? .wouldBlock : .bytes(n) }
            return errnoResult("send")
        }
        let n = SSL_write(ssl, base, Int32(clamping: bytes.count))
        if n > 0 { return .bytes(Int(n)) }
        return sslResult(n, "SSL_write")
    }

    /// Returns OpenSSL's record buffers (about 34 KB while allocated) to the allocator; called
    /// when the connection goes idle. Does nothing while buffered data remains.
    func releaseBuffers() {
        guard let ssl else { return }
        _ = SSL_free_buffers(ssl)
    }

    /// Sends close_notify when the session is healthy (one attempt, no waiting for the peer's),
    /// then frees the session. The caller closes the socket.
    mutating func shutdownTLS() {
        if pendingContext != nil {
            // Part of a ClientHello may still be queued, unread: closing over it would send the
            // client a reset instead of an orderly close. At most one record is queued.
            var discard = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<5 {
                let n = discard.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n <= 0 { break }
            }
            pendingContext = nil
        }
        guard let ssl else { return }
        if healthy {
            _ = SSL_shutdown(ssl)
        }
        ERR_clear_error()
        SSL_free(ssl)
        self.ssl = nil
        healthy = false
    }

    private mutating func sslResult(_ rc: Int32, _ what: String) -> IOResult {
        guard let ssl else { return .failed(what) }
        let error = SSL_get_error(ssl, rc)
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error()
            return .closed
        case SSL_ERROR_SYSCALL:
            let code = errno
            healthy = false
            ERR_clear_error()
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            // rc == 0 without errno: the peer closed TCP without close_notify (common, harmless).
            return code == 0 ? .closed : .failed("\(what): \(String(cString: strerror(code)))")
        default:
            healthy = false
            return .failed("\(what): \(describe(error))")
        }
    }

    private func errnoResult(_ what: String) -> IOResult {
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return .wouldBlock }
        if code == ECONNRESET || code == EPIPE { return .closed }
        return .failed("\(what): \(String(cString: strerror(code)))")
    }

    private func describe(_ sslError: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let text = buffer.withUnsafeMutableBufferPointer { pointer -> String in
            guard let base = pointer.baseAddress else { return "" }
            shim_err_drain(base, pointer.count)
            return String(cString: base)
        }
        return text.isEmpty ? "SSL error \(sslError) (errno \(errno))" : text
    }
}
