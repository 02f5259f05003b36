#if canImport(Glibc)
import JSON
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to standard error.
enum FileHandleStderr {
    static func write(_ string: String) {
        var bytes = Array(string.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                Glibc.write(2, raw.baseAddress.map { $0.advanced(by: offset) }, raw.count - offset)
            }
            if n <= 0 { return }
            offset += n
        }
    }
}
