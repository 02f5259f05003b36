import Synchronization
import TLS
#if canImport(Glibc)
import Glibc
#endif

/// The bearer token for the next request. A token file is checked before every request (one
/// `stat`): when its inode, size or modification time changed, it is read again. The kubelet
/// rotates projected service-account tokens by swapping a symlink (new inode), `kubectl` users
/// rewrite files in place (new mtime/size); both are seen by the very next request.
package final class BearerTokenSource: Sendable {
    /// Largest token file read.
    package static let maxTokenFileBytes = 64 * 1024

    private let fixedToken: String?
    private let path: String?

    private struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }
    private struct Cache {
        var identity: FileIdentity?
        var token: String?
    }
    private let cache = Mutex(Cache())

    /// A token file wins over a fixed token; neither means no Authorization header.
    package init(token: String?, tokenFile: String?) {
        self.fixedToken = token.flatMap { $0.isEmpty ? nil : $0 }
        self.path = tokenFile.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The token to send now, or nil when there is none.
    package func current() throws(KubeError) -> String? {
        guard let path else { return fixedToken }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KubeError.configuration("token file \(path): \(String(cString: strerror(errno)))")
        }
        let identity = FileIdentity(device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino),
                                    size: Int64(truncatingIfNeeded: info.st_size),
                                    modifiedSeconds: Int(truncatingIfNeeded: info.st_mtim.tv_sec),
                                    modifiedNanoseconds: Int(truncatingIfNeeded: info.st_mtim.tv_nsec))
        if let token = cache.withLock({ $0.identity == identity ? $0.token : nil }) { return token }
        let bytes: [UInt8]
        do {
            bytes = try readFileCapped(path, maxBytes: Self.maxTokenFileBytes)
        } catch {
            throw KubeError.configuration("token file \(path): \(error.message)")
        }
        let token = Self.trimmed(bytes)
        guard !token.isEmpty else { throw KubeError.configuration("token file \(path) is empty") }
        guard token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw KubeError.configuration("token file \(path) holds characters that cannot be sent in a header")
        }
        // The identity was taken before the read: a change during the read is seen next time.
        cache.withLock { $0 = Cache(identity: identity, token: token) }
        return token
    }

    /// The text without surrounding whitespace (token files usually end with a newline).
    static func trimmed(_ bytes: [UInt8]) -> String {
        var start = 0
        var end = bytes.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while start < end && isSpace(bytes[start]) { start &+= 1 }
        while end > start && isSpace(bytes[end &- 1]) { end &-= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
