import Admission
import KubeClient

/// Everything `ray-operator controller` is configured with. The command's flags read their
/// defaults from `ControllerOptions()`, so there is one place for each default.
package struct ControllerOptions: Sendable {
    /// A kubeconfig file; nil = in-cluster, then `$KUBECONFIG`, then `~/.kube/config`.
    package var kubeconfig: String?
    /// Namespaces to watch; empty = all.
    package var namespaces: [String] = []

    package var leaderElect = false
    package var leaderElectionID = "ray-operator-leader"
    /// nil = the namespace the controller runs in (in-cluster), else `default`.
    package var leaderElectionNamespace: String?
    package var leaseDuration: Double = 15
    package var renewDeadline: Double = 10
    package var retryPeriod: Double = 2

    /// Plain-HTTP `/metrics` and probes. They differ from the webhook's :8080/:8081 because both
    /// containers share the pod's network namespace.
    package var metricsBindAddress = ":8082"
    package var healthProbeBindAddress = ":8083"

    /// Reconciles running at once (different clusters; one cluster is never reconciled twice at
    /// once). More than one, so a big scale-up of one cluster does not hold the others back.
    package var maxConcurrentReconciles = 4
    /// Client-side rate limit of API calls; qps ≤ 0 turns it off (the API server's priority and
    /// fairness then decides). The limit is a backstop against a runaway loop, not the pacing of
    /// normal work: at 500/1000 a hundred clusters of ten workers (1,200 creates) are not held back
    /// by it, while 100/200 alone took ten seconds for them (docs/benchmarks.md).
    package var kubeAPIQPS: Double = 500
    package var kubeAPIBurst = 1000
    package var gates = FeatureGates()
    /// A converged cluster is looked at again after this long (seconds), events aside.
    package var requeueAfter: Double = 300

    /// Pod creates or deletes one reconcile of one cluster makes at most; the rest follow in the
    /// next pass, after the other clusters waiting in the queue had their turn.
    package var maxPodWritesPerPass = 100
    /// How long a create or delete the cache has not shown yet is trusted (seconds), after which
    /// the cache is believed again.
    package var expectationTimeout: Double = 30

    package init() {}

    /// The elector's options from these settings; `validate()` on them is the one check of the
    /// durations (lease > renew deadline > jitter × retry period).
    package func leaderElection(identity: String) -> LeaderElectionOptions {
        var election = LeaderElectionOptions(leaseName: leaderElectionID, leaseNamespace: leaderElectionNamespace ?? "default",
                                             identity: identity)
        election.leaseDuration = leaseDuration
        election.renewDeadline = renewDeadline
        election.retryPeriod = retryPeriod
        return election
    }

    /// `--namespace a, b` → ["a", "b"]; empty entries dropped (none = all namespaces).
    package static func namespaces(parsing list: String) -> [String] {
        list.split(separator: ",").map { String($0).trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }
    }
}
