// One blocking TLS client connection over TCP: the transport of the Kubernetes API client.
//
// Blocking on purpose: the operator's API calls run on plain threads, one call per thread at a
// time, so a blocking socket with kernel timeouts (SO_RCVTIMEO/SO_SNDTIMEO) is the simplest correct
// design. The connect itself is non-blocking plus poll, so an unreachable address fails after the
// connect timeout rather than the kernel's two minutes. TCP keep-alive probes find a peer that
// vanished without a FIN (a watch can be silent for many minutes).
//
// Threading: one thread reads and writes at a time (the owner). `interrupt()` may be called from any
// thread: it shuts the socket down, so a read blocked in the kernel returns at once. The descriptor is
// closed only in deinit, so `interrupt()` can never hit a descriptor number reused by someone else.
import COpenSSL
import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

package final class TLSClientConnection: @unchecked Sendable {
    private let fd: Int32
    private let ssl: OpaquePointer
    /// A TLS session may send close_notify only while healthy (OpenSSL forbids SSL_shutdown after
    /// SSL_ERROR_SYSCALL / SSL_ERROR_SSL). Owner thread only.
    private var healthy = true
    private var receiveTimeout: Double
    private let interrupted = Atomic<Bool>(false)
    /// The protocol ALPN agreed on ("http/1.1"), or nil when the server does not do ALPN.
    package let negotiatedProtocol: String?
    /// The address actually connected to ("127.0.0.1:6443", "[::1]:6443"), for errors and logs.
    package let peer: String

    /// TCP keep-alive: first probe after this many idle seconds, then every `keepAliveInterval`,
    /// and the peer is declared dead after `keepAliveProbes` unanswered probes (client-go's dialer
    /// uses 30 s as well).
    package static let keepAliveIdle: Int32 = 30
    package static let keepAliveInterval: Int32 = 10
    package static let keepAliveProbes: Int32 = 3
    /// Longest host name accepted (DNS names are at most 253 bytes).
    package static let maxHostBytes = 253

    private init(fd: Int32, ssl: OpaquePointer, receiveTimeout: Double, negotiatedProtocol: String?, peer: String) {
        self.fd = fd
        self.ssl = ssl
        self.receiveTimeout = receiveTimeout
        self.negotiatedProtocol = negotiatedProtocol
        self.peer = peer
    }

    deinit {
        if healthy && !interrupted.load(ordering: .relaxed) {
            // one close_notify, no waiting for the peer's
            _ = SSL_shutdown(ssl)
        }
        ERR_clear_error()
        SSL_free(ssl)
        _ = Glibc.close(fd)
    }

    /// Connects to `host:port` (a DNS name or an IP literal, IPv6 without brackets) and completes
    /// the TLS handshake.
    ///
    /// - Parameters:
    ///   - serverName: the name the certificate must carry (kubeconfig `tls-server-name`); nil uses
    ///     `host`. An IP literal is checked against the certificate's IP SANs, a name against its DNS
    ///     SANs; SNI is sent for names only.
    ///   - connectTimeout: bounds the TCP connect (per address) and, separately, the handshake.
    ///   - ioTimeout: the initial send and receive timeout of each blocking call afterwards.
    package static func connect(host: String, port: Int, context: ClientTLSContext, serverName: String? = nil,
                               connectTimeout: Double, ioTimeout: Double) throws(TLSError) -> TLSClientConnection {
        guard (1...65_535).contains(port) else { throw TLSError("port \(port) is out of range 1-65535") }
        guard !host.isEmpty, host.utf8.count <= maxHostBytes, !host.utf8.contains(0) else {
            throw TLSError("invalid host name '\(host)'")
        }
        let verifyName = serverName ?? host
        guard !verifyName.isEmpty, verifyName.utf8.count <= maxHostBytes, !verifyName.utf8.contains(0) else {
            throw TLSError("invalid TLS server name '\(verifyName)'")
        }
        _ = ignoreBrokenPipe
        let (fd, peer) = try connectTCP(host: host, port: port, timeout: connectTimeout)
        configureSocket(fd)
        setTimeout(fd, SO_RCVTIMEO, connectTimeout)
        setTimeout(fd, SO_SNDTIMEO, connectTimeout)

        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else {
            _ = Glibc.close(fd)
            throw TLSError.openssl("SSL_new")
        }
        func fail(_ error: TLSError) -> TLSError {
            SSL_free(ssl)
            _ = Glibc.close(fd)
            return error
        }
        guard SSL_set_fd(ssl, fd) == 1 else { throw fail(TLSError.openssl("SSL_set_fd")) }
        let nameIsAddress = isIPAddress(verifyName)
        if !nameIsAddress {
            guard shim_SSL_set_tlsext_host_name(ssl, verifyName) == 1 else { throw fail(TLSError.openssl("SNI \(verifyName)")) }
        }
        if context.verifiesServer {
            if nameIsAddress {
                guard let parameters = SSL_get0_param(ssl), X509_VERIFY_PARAM_set1_ip_asc(parameters, verifyName) == 1 else {
                    throw fail(TLSError.openssl("IP address check \(verifyName)"))
                }
            } else {
                guard SSL_set1_host(ssl, verifyName) == 1 else { throw fail(TLSError.openssl("host name check \(verifyName)")) }
            }
        }
        let rc = SSL_connect(ssl)
        if rc != 1 {
            let sslError = SSL_get_error(ssl, rc)
            let code = errno
            let verifyResult = SSL_get_verify_result(ssl)
            if context.verifiesServer && verifyResult != Int(X509_V_OK) {
                ERR_clear_error()
                let reason = String(cString: X509_verify_cert_error_string(verifyResult))
                throw fail(TLSError("TLS handshake with \(peer): server certificate verification failed for '\(verifyName)': \(reason)"))
            }
            let detail: String
            switch sslError {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                detail = "timed out after \(formatSeconds(connectTimeout)) s"
            case SSL_ERROR_SYSCALL:
                let queue = drainOpenSSLErrors()
                detail = !queue.isEmpty ? queue : code == 0 ? "connection closed by the server" : String(cString: strerror(code))
            default:
                let queue = drainOpenSSLErrors()
                detail = queue.isEmpty ? "SSL error \(sslError)" : queue
            }
            throw fail(TLSError("TLS handshake with \(peer): \(detail)"))
        }
        setTimeout(fd, SO_RCVTIMEO, ioTimeout)
        setTimeout(fd, SO_SNDTIMEO, ioTimeout)
        var alpn: UnsafePointer<UInt8>? = nil
        var alpnLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &alpn, &alpnLength)
        let negotiated = alpn.flatMap { alpnLength > 0 ? String(decoding: UnsafeBufferPointer(start: $0, count: Int(alpnLength)), as: UTF8.self) : nil }
        if let negotiated, negotiated != "http/1.1" {
            throw fail(TLSError("TLS handshake with \(peer): server chose ALPN protocol '\(negotiated)', only http/1.1 was offered"))
        }
        ERR_clear_error()
        return TLSClientConnection(fd: fd, ssl: ssl, receiveTimeout: ioTimeout, negotiatedProtocol: negotiated, peer: peer)
    }

    /// Changes the receive timeout of later reads (a watch waits longer than an ordinary answer).
    package func setReceiveTimeout(_ seconds: Double) {
        receiveTimeout = seconds
        Self.setTimeout(fd, SO_RCVTIMEO, seconds)
    }

    /// Writes all of `bytes` or throws.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let chunk = Int32(clamping: bytes.count &- offset)
            let n = SSL_write(ssl, base.advanced(by: offset), chunk)
            if n > 0 {
                offset &+= Int(n)
                continue
            }
            throw failure(n, "write")
        }
    }

    package func write(_ bytes: [UInt8]) throws(TLSError) {
        let result: TLSError? = bytes.withUnsafeBytes { buffer in
            do throws(TLSError) {
                try write(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    /// Reads what is available (blocking until something is, or the receive timeout passes).
    /// Answers the number of bytes read; 0 means the server closed the connection.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let n = SSL_read(ssl, base, Int32(clamping: buffer.count))
        if n > 0 { return Int(n) }
        if SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN {
            ERR_clear_error()
            return 0
        }
        throw failure(n, "read")
    }

    /// Whether the connection is known to be unusable for another request: the server closed it
    /// (or sent something unasked) while it sat idle. Checked before an idle connection is reused.
    package var isClosedOrHasUnexpectedInput: Bool {
        if !healthy || interrupted.load(ordering: .relaxed) { return true }
        if SSL_pending(ssl) > 0 { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready != 0
    }

    /// Unblocks a read or write in progress on another thread and makes every later call fail.
    /// Safe from any thread, any number of times.
    package func interrupt() {
        interrupted.store(true, ordering: .sequentiallyConsistent)
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    package var wasInterrupted: Bool { interrupted.load(ordering: .relaxed) }

    private func failure(_ rc: Int32, _ what: String) -> TLSError {
        let sslError = SSL_get_error(ssl, rc)
        let code = errno
        healthy = false
        if interrupted.load(ordering: .relaxed) {
            ERR_clear_error()
            return TLSError("\(what) on \(peer): connection closed by the client")
        }
        switch sslError {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            ERR_clear_error()
            return TLSError("\(what) on \(peer): timed out after \(formatSeconds(receiveTimeout)) s")
        case SSL_ERROR_ZERO_RETURN:
            ERR_clear_error()
            return TLSError("\(what) on \(peer): connection closed by the server")
        case SSL_ERROR_SYSCALL:
            let queue = drainOpenSSLErrors()
            if code == EAGAIN || code == EWOULDBLOCK {
                return TLSError("\(what) on \(peer): timed out after \(formatSeconds(receiveTimeout)) s")
            }
            if !queue.isEmpty { return TLSError("\(what) on \(peer): \(queue)") }
            return TLSError("\(what) on \(peer): " + (code == 0 ? "connection closed by the server" : String(cString: strerror(code))))
        default:
            let queue = drainOpenSSLErrors()
            return TLSError("\(what) on \(peer): " + (queue.isEmpty ? "SSL error \(sslError)" : queue))
        }
    }

    // MARK: - sockets

    /// Resolves `host` and connects to the first address that answers within `timeout`.
    private static func connectTCP(host: String, port: Int, timeout: Double) throws(TLSError) -> (Int32, String) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw TLSError("cannot resolve '\(host)': \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        var tried = 0
        while let info = cursor, tried < maxAddressesTried {
            cursor = info.pointee.ai_next
            tried &+= 1
            guard let address = info.pointee.ai_addr else { continue }
            let peer = describe(address, port: port)
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                            info.pointee.ai_protocol)
            guard fd >= 0 else {
                lastError = "socket: \(String(cString: strerror(errno)))"
                continue
            }
            if let problem = finishConnect(fd, address, info.pointee.ai_addrlen, timeout: timeout) {
                _ = Glibc.close(fd)
                lastError = "\(peer): \(problem)"
                continue
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
            return (fd, peer)
        }
        throw TLSError("cannot connect to \(host):\(port): \(lastError)")
    }

    /// OpenSSL's socket BIO writes with write(2), without MSG_NOSIGNAL: a server that resets the
    /// connection must not kill the process with SIGPIPE. Done once, before the first connection.
    private static let ignoreBrokenPipe: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Most addresses of one name tried before giving up (each costs up to the connect timeout).
    static let maxAddressesTried = 8

    /// Non-blocking connect, then poll for writability up to `timeout`; nil on success, else why not.
    private static func finishConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t, timeout: Double) -> String? {
        if Glibc.connect(fd, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        // a timeout that is not a usable number waits a day at most rather than trapping below
        let bounded = timeout.isFinite ? min(max(timeout, 0.001), 86_400) : 86_400
        let deadline = monotonicSeconds() + bounded
        while true {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { return "connect timed out after \(formatSeconds(timeout)) s" }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let milliseconds = Int32(clamping: Int((remaining * 1000).rounded(.up)))
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return "poll: \(String(cString: strerror(errno)))"
            }
            if ready == 0 { continue }
            var socketError: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &size) == 0 else { return String(cString: strerror(errno)) }
            return socketError == 0 ? nil : String(cString: strerror(socketError))
        }
    }

    private static func configureSocket(_ fd: Int32) {
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        // requests are written whole; waiting for an ACK before the next segment only adds latency
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size)
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, size)
        var idle = keepAliveIdle, interval = keepAliveInterval, probes = keepAliveProbes
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, size)
    }

    /// Sets SO_RCVTIMEO or SO_SNDTIMEO; values are clamped to [1 ms, 1 day] (0 would mean "forever").
    private static func setTimeout(_ fd: Int32, _ option: Int32, _ seconds: Double) {
        let clamped = seconds.isFinite ? min(max(seconds, 0.001), 86_400) : 86_400
        let whole = clamped.rounded(.down)
        var value = timeval(tv_sec: Int(whole), tv_usec: Int((clamped - whole) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func describe(_ address: UnsafeMutablePointer<sockaddr>, port: Int) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(address.pointee.sa_family)
        let ok: Bool = text.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return false }
            if family == AF_INET {
                return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var raw = v4.pointee.sin_addr
                    return inet_ntop(AF_INET, &raw, out, socklen_t(buffer.count)) != nil
                }
            } else if family == AF_INET6 {
                return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var raw = v6.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &raw, out, socklen_t(buffer.count)) != nil
                }
            }
            return false
        }
        guard ok else { return "?:\(port)" }
        let host = text.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { String(cString: $0) } ?? "?" }
        return family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Whether `text` is an IPv4 or IPv6 address literal (no brackets).
package func isIPAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
}

private func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// "0.5", "10", "2.25": seconds for error messages.
func formatSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "\(seconds)" }
    if seconds == seconds.rounded(), abs(seconds) < 1e12 { return String(Int(seconds)) }
    return String((seconds * 1000).rounded() / 1000)
}
