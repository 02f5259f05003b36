// Reads small files (certificates, keys) whole and size-capped, in one go, so that a file being
// rewritten is never half-read by OpenSSL's own file loaders and a huge file cannot exhaust memory.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Largest certificate, key or CA bundle file accepted (a long chain is a few tens of KB).
package let maxCredentialFileBytes = 1 << 20

/// The bytes of `path` (following symlinks), at most `maxBytes`; TLSError when missing, unreadable,
/// not a regular file or bigger than the cap.
package func readFileCapped(_ path: String, maxBytes: Int = maxCredentialFileBytes) throws(TLSError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TLSError("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw TLSError("cannot stat \(path): \(String(cString: strerror(errno)))") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw TLSError("\(path) is not a regular file") }
    guard info.st_size <= maxBytes else { throw TLSError("\(path) is larger than \(maxBytes) bytes") }
    var result: [UInt8] = []
    result.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw TLSError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if count == 0 { break }
        // the file may grow while we read it: the cap holds regardless of what fstat said
        guard result.count &+ count <= maxBytes else { throw TLSError("\(path) is larger than \(maxBytes) bytes") }
        result.append(contentsOf: chunk[0..<count])
    }
    return result
}
