/// Which connections make room when the connection cap is reached.
///
/// Why: with a fixed cap, whoever opens connections fastest (a flood of bare TCP connections, a
/// slowloris) fills it and every later client, the API server included, is turned away. Instead,
/// a new connection at the cap evicts the connection least likely to be a good client:
///
/// 1. one that has sent nothing since it was accepted (no TLS session yet), or is lingering
///    after its final response;
/// 2. one still in its TLS handshake;
/// 3. one in the middle of sending a request's head or body (the slowest to send has been at it
///    the longest);
/// 4. an idle keep-alive connection;
///
/// the oldest first within each class. A connection whose request is being handled or answered
/// is never evicted. A new connection is itself young and sends its ClientHello at once, so it
/// outlives the flood that surrounds it.
enum ConnectionEviction {
    /// Eviction class of a connection (lower goes first), nil when it must stay.
    static func rank(_ connection: Connection) -> (rank: Int, since: UInt64)? {
        switch connection.state {
        case .handshaking:
            return connection.transport.hasReceivedBytes ? (1, connection.acceptedAt) : (0, connection.acceptedAt)
        case .lingering:
            return (0, connection.acceptedAt)
        case .readingHead, .readingBody:
            return (2, connection.requestStartedAt)
        case .idle:
            return (3, connection.idleSince)
        case .dispatched, .writing, .closed:
            return nil
        }
    }

    /// How many connections one eviction round closes when the loop holds `count`: one in 32
    /// (at most 64), so that a flood pays for the ranking once per batch, not once per accept.
    static func batchSize(forConnections count: Int) -> Int {
        max(1, min(64, count / 32))
    }
}

extension EventLoop {
    /// The cap is reached and a connection was just accepted: close this loop's best candidates
    /// (a batch). False when none may go; the new connection is then refused.
    func evictForNewConnection() -> Bool {
        var candidates: [(rank: Int, since: UInt64, fd: Int32)] = []
        candidates.reserveCapacity(connections.count)
        for (fd, connection) in connections {
            if let ranked = ConnectionEviction.rank(connection) {
                candidates.append((ranked.rank, ranked.since, fd))
            }
        }
        guard !candidates.isEmpty else { return false }
        let batch = min(candidates.count, ConnectionEviction.batchSize(forConnections: connections.count))
        candidates.sort { ($0.rank, $0.since) < ($1.rank, $1.since) }
        for candidate in candidates.prefix(batch) {
            guard let connection = connections[candidate.fd] else { continue }
            core.stats.connectionsEvicted.add(1, ordering: .relaxed)
            connection.close()
        }
        return true
    }
}
