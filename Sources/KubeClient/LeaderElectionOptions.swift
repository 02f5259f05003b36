import Metrics
#if canImport(Glibc)
import Glibc
#endif

/// Options of a `LeaderElector`, with client-go's defaults and rules.
package struct LeaderElectionOptions: Sendable {
    /// The Lease (`coordination.k8s.io/v1`) the candidates contend for.
    package var leaseName: String
    package var leaseNamespace: String
    /// This candidate's name in `holderIdentity`; unique per process (`hostname_uuid` by default).
    package var identity: String
    /// How long others wait, from the moment they last saw the record change, before taking over.
    package var leaseDuration: Double = 15
    /// How long a leader keeps leading without a successful renewal; then it stops at once.
    package var renewDeadline: Double = 10
    /// Pause between attempts (acquire: stretched by a random factor up to 1 + `jitterFactor`).
    package var retryPeriod: Double = 2
    package var jitterFactor: Double = 1.2
    /// Empty `holderIdentity` on `stop()` so a successor need not wait out the lease.
    package var releaseOnStop = true
    /// `leader_election_master_status{name}` goes here when set.
    package var metrics: MetricsRegistry?

    package init(leaseName: String, leaseNamespace: String, identity: String = LeaderElectionOptions.defaultIdentity()) {
        self.leaseName = leaseName
        self.leaseNamespace = leaseNamespace
        self.identity = identity
    }

    /// The Lease stores whole seconds: what this candidate writes as `leaseDurationSeconds`.
    package var leaseDurationSeconds: Int { Int(min(max(leaseDuration.rounded(.up), 1), 86_400)) }

    /// client-go's rules: lease > renew deadline > jitterFactor × retry period, all positive, and
    /// names present. A leader must stop before others may take over, and must get several
    /// attempts at renewing before it gives up.
    package func validate() throws(LeaderElectionError) {
        func invalid(_ message: String) -> LeaderElectionError { .invalidOptions(message) }
        if leaseName.isEmpty { throw invalid("the lease name is empty") }
        if leaseNamespace.isEmpty { throw invalid("the lease namespace is empty") }
        if identity.isEmpty { throw invalid("the identity is empty") }
        for (name, value) in [("lease duration", leaseDuration), ("renew deadline", renewDeadline), ("retry period", retryPeriod)] {
            guard value.isFinite, value > 0 else { throw invalid("the \(name) must be a positive number of seconds, not \(value)") }
        }
        guard jitterFactor.isFinite, jitterFactor >= 0 else { throw invalid("the jitter factor must be ≥ 0, not \(jitterFactor)") }
        guard leaseDuration > renewDeadline else {
            throw invalid("the lease duration (\(leaseDuration) s) must be greater than the renew deadline (\(renewDeadline) s)")
        }
        guard renewDeadline > jitterFactor * retryPeriod else {
            throw invalid("the renew deadline (\(renewDeadline) s) must be greater than \(jitterFactor) × the retry period (\(retryPeriod) s)")
        }
    }

    /// `hostname_` plus a random UUID: two processes on one host (or a restarted pod reusing its
    /// name) never share an identity.
    package static func defaultIdentity() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host: String
        if gethostname(&buffer, buffer.count &- 1) == 0 {
            host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            host = "unknown"
        }
        return (host.isEmpty ? "unknown" : host) + "_" + randomUUID()
    }

    /// A version 4 UUID in its usual text form.
    static func randomUUID() -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { b -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
        }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
}

package enum LeaderElectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOptions(String)
    case threadStart(ThreadStartError)

    package var description: String {
        switch self {
        case .invalidOptions(let message): return "leader election: \(message)"
        case .threadStart(let error): return error.description
        }
    }
}
