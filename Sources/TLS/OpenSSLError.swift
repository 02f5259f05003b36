// OpenSSL reports failures through a thread-local error queue; these helpers turn it into text for
// TLSError so that a log line says *why* a certificate or key was refused.
import COpenSSL

package struct TLSError: Error, Sendable, CustomStringConvertible {
    /// What failed, followed by OpenSSL's error queue text when there was any.
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }

    /// `what` plus the drained OpenSSL error queue ("what: error:0480006C:PEM routines::no start line").
    static func openssl(_ what: String) -> TLSError {
        let queue = drainOpenSSLErrors()
        return TLSError(queue.isEmpty ? what : "\(what): \(queue)")
    }
}

/// Empties this thread's OpenSSL error queue and returns its entries, "; "-separated.
func drainOpenSSLErrors() -> String {
    var buffer = [CChar](repeating: 0, count: 1024)
    return buffer.withUnsafeMutableBufferPointer { pointer -> String in
        guard let base = pointer.baseAddress else { return "" }
        shim_err_drain(base, pointer.count)
        base[pointer.count - 1] = 0
        return String(cString: base)
    }
}
