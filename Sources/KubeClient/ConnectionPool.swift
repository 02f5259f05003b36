import Synchronization

/// Idle keep-alive connections for ordinary calls, at most `maxIdle` of them. The most recently
/// used connection is handed out first (its TLS state is warm, and the older ones age out).
/// A connection idle longer than `idleTimeout`, or one the server closed or wrote to while it sat
/// idle, is discarded instead of being handed out. Watches never come from here.
final class ConnectionPool: Sendable {
    let maxIdle: Int
    let idleTimeout: Double
    private let idle = Mutex<[KubeConnection]>([])

    init(maxIdle: Int, idleTimeout: Double) {
        self.maxIdle = maxIdle
        self.idleTimeout = idleTimeout
    }

    /// A reusable idle connection, or nil when there is none.
    func take() -> KubeConnection? {
        while true {
            guard let connection = idle.withLock({ $0.popLast() }) else { return nil }
            // checked outside the lock: discarding closes a socket
            if monotonicNow() - connection.idleSince > idleTimeout { continue }
            if connection.tls.isClosedOrHasUnexpectedInput { continue }
            return connection
        }
    }

    /// Keeps `connection` for reuse, or closes it when the pool is full.
    func put(_ connection: KubeConnection) {
        let now = monotonicNow()
        connection.idleSince = now
        // Connections released here are closed after the lock is dropped (their deinit writes a
        // close_notify).
        var released: [KubeConnection] = []
        idle.withLock { connections in
            if let firstFresh = connections.firstIndex(where: { now - $0.idleSince <= idleTimeout }), firstFresh > 0 {
                released.append(contentsOf: connections[0..<firstFresh])
                connections.removeSubrange(0..<firstFresh)
            } else if let last = connections.last, now - last.idleSince > idleTimeout {
                released.append(contentsOf: connections)
                connections.removeAll()
            }
            if connections.count < maxIdle {
                connections.append(connection)
            } else {
                released.append(connection)
            }
        }
        released.removeAll()
    }

    var idleCount: Int { idle.withLock { $0.count } }

    /// Closes every idle connection.
    func removeAll() {
        var released = idle.withLock { connections -> [KubeConnection] in
            let all = connections
            connections.removeAll()
            return all
        }
        released.removeAll()
    }
}
