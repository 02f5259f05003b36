import Admission
import KubeClient

/// Everything `ray-operator controller` is configured with. The command's flags read their
/// defaults from `ControllerOptions()`, so there is one place for each default.
public struct ControllerOptions: Sendable {
    /// A kubeconfig file; nil = in-cluster, then `$KUBECONFIG`, then `~/.kube/config`.
    public var kubeconfig: String?
    /// Namespaces to watch; empty = all.
    public var namespaces: [String] = []

    public var leaderElect = false
    public var leaderElectionID = "ray-operator-leader"
    /// nil = the namespace the controller runs in (in-cluster), else `default`.
    public var leaderElectionNamespace: String?
    public var leaseDuration: Double = 15
    public var renewDeadline: Double = 10
    public var retryPeriod: Double = 2

    /// Plain-HTTP `/metrics` and probes. They differ from the webhook's :8080/:8081 because both
    /// containers share the pod's network namespace.
    public var metricsBindAddress = ":8082"
    public var healthProbeBindAddress = ":8083"

    /// Reconciles running at once (different clusters; one cluster is never reconciled twice at
    /// once). More than one, so a big scale-up of one cluster does not hold the others back.
    public var maxConcurrentReconciles = 4
    /// Client-side rate limit of API calls; qps ≤ 0 turns it off (the API server's priority and
    /// fairness then decides). The limit is a backstop against a runaway loop, not the pacing of
    /// normal work: at 500/1000 a hundred clusters of ten workers (1,200 creates) are not held back
    /// by it, while 100/200 alone took ten seconds for them (docs/benchmarks.md).
    public var kubeAPIQPS: Double = 500
    public var kubeAPIBurst = 1000
    public var gates = FeatureGates()
    /// A converged cluster is looked at again after this long (seconds), events aside.
    public var requeueAfter: Double = 300

    /// Pod creates or deletes one reconcile of one cluster makes at most; the rest follow in the
    /// next pass, after the other clusters waiting in the queue had their turn.
    public var maxPodWritesPerPass = 100
    /// How long a create or delete the cache has not shown yet is trusted (seconds), after which
    /// the cache is believed again.
    public var expectationTimeout: Double = 30

    public init() {}

    /// The elector's options from these settings; `validate()` on them is the one check of the
    /// durations (lease > renew deadline > jitter × retry period).
    public func leaderElection(identity: String) -> LeaderElectionOptions {
        var election = LeaderElectionOptions(leaseName: leaderElectionID, leaseNamespace: leaderElectionNamespace ?? "default",
                                             identity: identity)
        election.leaseDuration = leaseDuration
        election.renewDeadline = renewDeadline
        election.retryPeriod = retryPeriod
        return election
    }

    /// `--namespace a, b` → ["a", "b"]; empty entries dropped (none = all namespaces).
    public static func namespaces(parsing list: String) -> [String] {
        list.split(separator: ",").map { String($0).trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }
    }
}
