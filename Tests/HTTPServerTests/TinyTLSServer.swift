import COpenSSL
import Foundation
@testable import HTTPServer
@testable import TLS
@testable import Threads
#if canImport(Glibc)
import Glibc
#endif

extension ServerPartsSupport {
    /// What the test server saw on one connection.
    struct TLSConnectionRecord: Sendable {
        var handshakeOK: Bool
        var protocolVersion: String
        var alpn: String
        var peerCertificate: Bool
        var error: String
    }

    /// A deliberately minimal blocking TLS server for tests of TLSContext and the certificate files:
    /// one thread, one connection at a time, answers any request with `200 ok` and closes. It asks
    /// `context()` for the TLSContext on every accept, so tests can swap contexts under it.
    final class TinyTLSServer: @unchecked Sendable {
        let listenFD: Int32
        let port: UInt16
        private let context: @Sendable () -> TLSContext
        private let lock = NSLock()
        private var records: [TLSConnectionRecord] = []
        private var stopped = false
        private var finished = false

        init(context: @escaping @Sendable () -> TLSContext) throws {
            self.context = context
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TLSError("socket") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw TLSError("bind/listen") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            listenFD = fd
            port = UInt16(bigEndian: address.sin_port)
            let thread = Thread { [self] in self.acceptLoop() }
            thread.start()
        }

        var connections: [TLSConnectionRecord] {
            lock.lock(); defer { lock.unlock() }
            return records
        }

        func stop() {
            lock.lock(); stopped = true; lock.unlock()
            shutdown(listenFD, Int32(SHUT_RDWR))
            for _ in 0..<500 {
                lock.lock(); let done = finished; lock.unlock()
                if done { break }
                usleep(10_000)
            }
            close(listenFD)
        }

        private func acceptLoop() {
            defer { lock.lock(); finished = true; lock.unlock() }
            while true {
                let fd = accept(listenFD, nil, nil)
                lock.lock(); let isStopped = stopped; lock.unlock()
                if fd < 0 || isStopped {
                    if fd >= 0 { close(fd) }
                    return
                }
                let record = serve(fd)
                lock.lock(); records.append(record); lock.unlock()
            }
        }

        private func serve(_ fd: Int32) -> TLSConnectionRecord {
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let tls = context()
            guard let ssl = SSL_new(tls.context) else { return TLSConnectionRecord(handshakeOK: false, protocolVersion: "", alpn: "", peerCertificate: false, error: "SSL_new") }
            defer { SSL_free(ssl) }
            SSL_set_fd(ssl, fd)
            guard SSL_accept(ssl) == 1 else {
                return TLSConnectionRecord(handshakeOK: false, protocolVersion: "", alpn: "", peerCertificate: false, error: drainOpenSSLErrors())
            }
            var alpnData: UnsafePointer<UInt8>? = nil
            var alpnLength: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &alpnData, &alpnLength)
            let alpn = alpnData.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(alpnLength)), as: UTF8.self) } ?? ""
            let version = SSL_get_version(ssl).map { String(cString: $0) } ?? ""
            let peer = SSL_get1_peer_certificate(ssl)
            if let peer { X509_free(peer) }
            // read the request (or the client's EOF) and answer
            var buffer = [UInt8](repeating: 0, count: 4096)
            let read = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            var error = ""
            if read > 0 {
                let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8)
                _ = response.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
                _ = SSL_shutdown(ssl)
            } else {
                error = drainOpenSSLErrors()
            }
            ERR_clear_error()
            return TLSConnectionRecord(handshakeOK: true, protocolVersion: version, alpn: alpn, peerCertificate: peer != nil, error: error)
        }
    }
}
