import JSON
import Synchronization

/// A watch over its own connection: reads the chunked body as it arrives, splits it into JSON
/// lines and decodes each into a `WatchEvent`.
///
/// `next()` answers nil when the server ended the stream normally (its last chunk: timeoutSeconds
/// passed, or an ERROR event was the last word), throws `.transport` when the connection broke or
/// stayed silent past the idle timeout, `.protocolViolation` for a stream that cannot be decoded,
/// and `.cancelled` once `close()` was called. A stream that failed keeps answering its failure.
/// The informer owns the reconnect loop; this type only reports faithfully.
final class HTTPWatchStream: WatchStream, @unchecked Sendable {
    private struct ReadState {
        var connection: KubeConnection
        var body: HTTPBodyDecoder
        var lines: JSONLineSplitter
        var decoded: [UInt8] = []
        var ended = false
        var failure: KubeError?
    }

    private let state: Mutex<ReadState>
    /// Set by `close()`; read without the lock by a `next()` that is blocked holding it.
    private let closed = Atomic<Bool>(false)
    /// The same connection as in the state, reachable without the lock so `close()` can interrupt a
    /// read in progress.
    private let connection: KubeConnection
    private let limits: HTTPClientLimits
    private let idleTimeout: Double
    private let what: String

    init(connection: KubeConnection, head: HTTPResponseHead, limits: HTTPClientLimits, idleTimeout: Double, description: String) {
        self.connection = connection
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.what = description
        state = Mutex(ReadState(connection: connection, body: HTTPBodyDecoder(framing: head.framing, limits: limits),
                                lines: JSONLineSplitter(maxLineBytes: limits.maxWatchEventBytes)))
    }

    func next() throws(KubeError) -> WatchEvent? {
        let limits = self.limits
        let what = self.what
        let idleTimeout = self.idleTimeout
        return try state.withLock { (s: inout ReadState) throws(KubeError) -> WatchEvent? in
            while true {
                if self.closed.load(ordering: .relaxed) { throw KubeError.cancelled }
                if let failure = s.failure { throw failure }
                do throws(KubeError) {
                    if let line = try s.lines.nextLine() {
                        return try WatchEvent.decode(line: line, limits: limits)
                    }
                    if s.ended {
                        if s.lines.hasPartialLine { throw KubeError.protocolViolation("\(what): stream ended inside an event") }
                        return nil
                    }
                    s.decoded.removeAll(keepingCapacity: true)
                    let more = try s.connection.reader.readBodyPart(&s.body, from: s.connection, into: &s.decoded)
                    s.decoded.withUnsafeBytes { s.lines.append($0) }
                    if !more { s.ended = true }
                } catch {
                    if self.closed.load(ordering: .relaxed) { throw KubeError.cancelled }
                    let failure: KubeError
                    switch error {
                    case .transport(let message):
                        failure = .transport("\(what): \(message)" + (message.contains("timed out") ? " (no event or bookmark within the idle timeout of \(formatDuration(idleTimeout)) s)" : ""))
                    case .protocolViolation(let message):
                        failure = .protocolViolation("\(what): \(message)")
                    default:
                        failure = error
                    }
                    s.failure = failure
                    throw failure
                }
            }
        }
    }

    func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        connection.tls.interrupt()
    }
}
