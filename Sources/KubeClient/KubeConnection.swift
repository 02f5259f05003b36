import TLS
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 connection to the API server: the TLS connection and the response reader with
/// whatever it has buffered. Used by one thread at a time (a call, or a watch stream's reader);
/// it moves between threads through the pool, hence `@unchecked Sendable`.
final class KubeConnection: HTTPByteSource, @unchecked Sendable {
    let tls: TLSClientConnection
    var reader: HTTPResponseReader
    /// Monotonic seconds when it was put back into the pool.
    var idleSince: Double = 0
    /// Monotonic deadline of the current call; nil while a watch streams (the socket's receive
    /// timeout is then the watch's idle timeout).
    private(set) var deadline: Double?
    private var timeoutForMessages: Double = 0

    init(tls: TLSClientConnection, limits: HTTPClientLimits) {
        self.tls = tls
        self.reader = HTTPResponseReader(limits: limits)
    }

    /// Bounds everything until `clearDeadline()` to `seconds` from now.
    func setDeadline(seconds: Double) {
        deadline = monotonicNow() + seconds
        timeoutForMessages = seconds
    }

    /// No overall deadline; each read waits up to `idleSeconds` for a byte.
    func clearDeadline(idleSeconds: Double) {
        deadline = nil
        tls.setReceiveTimeout(idleSeconds)
    }

    func send(_ bytes: [UInt8]) throws(KubeError) {
        if let deadline, deadline - monotonicNow() <= 0 {
            throw KubeError.transport("request to \(tls.peer) timed out after \(formatDuration(timeoutForMessages)) s")
        }
        do {
            try tls.write(bytes)
        } catch {
            throw KubeError.transport(error.message)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(KubeError) -> Int {
        if let deadline {
            let remaining = deadline - monotonicNow()
            guard remaining > 0 else {
                throw KubeError.transport("request to \(tls.peer) timed out after \(formatDuration(timeoutForMessages)) s")
            }
            // the kernel's receive timeout enforces the deadline inside a blocked read
            tls.setReceiveTimeout(remaining)
        }
        do {
            return try tls.read(into: buffer)
        } catch {
            throw KubeError.transport(error.message)
        }
    }
}

func monotonicNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// "0.5", "10": seconds for messages.
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "\(seconds)" }
    if seconds == seconds.rounded(), abs(seconds) < 1e12 { return String(Int(seconds)) }
    return String((seconds * 1000).rounded() / 1000)
}
