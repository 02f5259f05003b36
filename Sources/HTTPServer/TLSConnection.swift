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

    /// TLS server side over `fd` with the given SSL_CTX (`TLSContext.context`); nil if OpenSSL
    /// cannot allocate. The SSL keeps its own reference on the SSL_CTX.
    init?(tlsFD fd: Int32, sslContext: OpaquePointer) {
        guard let ssl = SSL_new(sslContext) else {
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
        self.fd = fd
        self.ssl = ssl
    }

    var isTLS: Bool { ssl != nil }

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
