import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with errno's text.
package struct SocketError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package var code: Int32

    init(_ what: String, errno code: Int32 = errno) {
        self.code = code
        self.description = "\(what): \(String(cString: strerror(code)))"
    }
}
