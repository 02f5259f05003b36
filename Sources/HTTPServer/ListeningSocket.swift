import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A bound, listening, non-blocking TCP socket.
struct ListeningSocket: Sendable {
    let fd: Int32
    /// The port actually bound (differs from the requested one when that was 0).
    let port: Int
    let address: ListenAddress

    static func open(_ address: ListenAddress, backlog: Int32) throws(SocketError) -> ListeningSocket {
        if address.host.isEmpty {
            // All interfaces: dual-stack IPv6 socket, or IPv4 where the kernel has no IPv6.
            if let socket = try? bind(host: "::", port: address.port, dualStack: true, backlog: backlog) {
                return ListeningSocket(fd: socket.fd, port: socket.port, address: address)
            }
            let socket = try bind(host: "0.0.0.0", port: address.port, dualStack: false, backlog: backlog)
            return ListeningSocket(fd: socket.fd, port: socket.port, address: address)
        }
        let socket = try bind(host: address.host, port: address.port, dualStack: address.host == "::", backlog: backlog)
        return ListeningSocket(fd: socket.fd, port: socket.port, address: address)
    }

    private static func bind(host: String, port: Int, dualStack: Bool, backlog: Int32) throws(SocketError) -> (fd: Int32, port: Int) {
        guard let port16 = UInt16(exactly: port) else { throw SocketError("port \(port) out of range", errno: EINVAL) }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let isV6: Bool
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            isV6 = false
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port16.bigEndian
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            isV6 = true
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port16.bigEndian
        } else {
            throw SocketError("bad listen address \(host)", errno: EINVAL)
        }
        let fd = socket(isV6 ? AF_INET6 : AF_INET,
                        Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if isV6 {
            var v6only: Int32 = dualStack ? 0 : 1
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, socklen_t(MemoryLayout<Int32>.size))
        }
        let rc: Int32 = isV6
            ? withUnsafePointer(to: &v6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
            : withUnsafePointer(to: &v4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            let error = SocketError("bind \(host.contains(":") ? "[\(host)]" : host):\(port)")
            close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = SocketError("listen")
            close(fd)
            throw error
        }
        return (fd, boundPort(fd) ?? port)
    }

    private static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> Int? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                return nil
            }
        }
    }
}
