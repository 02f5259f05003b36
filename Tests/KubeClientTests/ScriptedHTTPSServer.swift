import COpenSSL
import Foundation
import TLS
#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTPS server for client tests: every request is recorded and answered as the
/// test's handler says (including answers a real API server gives rarely: throttling, closing a
/// kept-alive connection, hanging, cutting a body short). One thread per connection.
final class ScriptedHTTPSServer: @unchecked Sendable {
    struct Request {
        var connection: Int
        var head: String
        var body: [UInt8]
        var requestLine: String { String(head.split(separator: "\r\n").first ?? "") }
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    enum Reply {
        /// Writes these bytes; closes the connection afterwards when `close`.
        case send(String, close: Bool)
        /// Closes the connection without answering.
        case closeWithoutAnswer
        /// Answers nothing and waits for the client to give up.
        case hang
    }

    let port: Int
    let certificateAuthorityPEM: [UInt8]
    private let context: TLSContext
    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private var connectionCount = 0
    private var stopped = false
    private let handler: @Sendable (Request, Int) -> Reply

    /// `handler(request, index)`: `index` counts requests over all connections, from 0.
    /// With `clientCAPath`, clients must present a certificate signed by that CA.
    init(directory: String, clientCAPath: String? = nil, handler: @escaping @Sendable (Request, Int) -> Reply) throws {
        let files = try DevelopmentCertificate.generate(hosts: ["127.0.0.1"], into: directory)
        context = try TLSContext.load(TLSFiles(certificatePath: files.certPath, keyPath: files.keyPath, clientCAPath: clientCAPath))
        certificateAuthorityPEM = Array(try String(contentsOfFile: files.caPath, encoding: .utf8).utf8)
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw NSError(domain: "ScriptedHTTPSServer", code: Int(errno)) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var requests: [Request] { lock.lock(); defer { lock.unlock() }; return recorded }
    var connections: Int { lock.lock(); defer { lock.unlock() }; return connectionCount }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
        _ = Glibc.close(listener)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            lock.lock()
            let done = stopped
            let index = connectionCount
            if fd >= 0 && !done { connectionCount += 1 }
            lock.unlock()
            if done {
                if fd >= 0 { _ = Glibc.close(fd) }
                return
            }
            if fd < 0 { continue }
            Thread { [self] in serve(fd, connection: index) }.start()
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer { _ = Glibc.close(fd) }
        guard let ssl = SSL_new(context.context) else { return }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, fd)
        guard SSL_accept(ssl) == 1 else { return }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        func readMore() -> Bool {
            let n = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n <= 0 { return false }
            buffer += chunk[0..<Int(n)]
            return true
        }
        while true {
            var headEnd: Int? = nil
            while headEnd == nil {
                if let range = Self.find([13, 10, 13, 10], in: buffer) { headEnd = range } else if !readMore() { return }
            }
            guard let end = headEnd else { return }
            let head = String(decoding: buffer[0..<end], as: UTF8.self)
            buffer.removeFirst(end + 4)
            var request = Request(connection: connection, head: head, body: [])
            let length = Int(request.header("content-length") ?? "0") ?? 0
            while buffer.count < length { if !readMore() { return } }
            request.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            lock.lock()
            let index = recorded.count
            recorded.append(request)
            lock.unlock()
            switch handler(request, index) {
            case .send(let text, let close):
                let bytes = Array(text.utf8)
                _ = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
                if close { return }
            case .closeWithoutAnswer:
                return
            case .hang:
                while readMore() {}
                return
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle { return start }
        return nil
    }

    /// An HTTP/1.1 answer with a JSON body and Content-Length.
    static func json(_ status: String, _ body: String, extra: String = "") -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
    }
}
