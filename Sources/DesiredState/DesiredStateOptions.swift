// The operator-level switches KubeRay reads from its environment, gathered in one value with their
// defaults written once. Every builder and the planner read them from here.

/// Operator settings that change what is built (not per cluster).
package struct DesiredStateOptions: Sendable, Equatable {
    /// DNS suffix of in-cluster names: the head's address is `<service>.<namespace>.svc.<domain>`
    /// (KubeRay reads `CLUSTER_DOMAIN`).
    package var clusterDomain: String
    /// Add liveness and readiness probes to Ray containers that have none (KubeRay's
    /// `ENABLE_PROBES_INJECTION`, on by default).
    package var injectProbes: Bool
    /// Give worker pods of `ray.io/v1` clusters the `wait-gcs-ready` init container (KubeRay's
    /// `ENABLE_INIT_CONTAINER_INJECTION`, on by default).
    package var injectWaitGCSReady: Bool
    /// Make a ClusterIP head Service with a cluster IP instead of headless (KubeRay's
    /// `ENABLE_RAY_HEAD_CLUSTER_IP_SERVICE`, off by default).
    package var headServiceWithClusterIP: Bool
    /// Most pods one pass creates for one worker group. A group may ask for up to 2^31-1 replicas;
    /// the plan holds the full objects it creates, so each pass is bounded and the next pass (the
    /// plan says it is incomplete) continues. 500 is the ReplicaSet controller's burst per sync.
    package var maxPodCreatesPerGroup: Int
    /// Values of `spec.managedBy` that mean "this operator" (absent always does).
    package var managedByValues: [String]

    package init(clusterDomain: String = "cluster.local", injectProbes: Bool = true, injectWaitGCSReady: Bool = true,
                headServiceWithClusterIP: Bool = false, maxPodCreatesPerGroup: Int = 500,
                managedByValues: [String] = [DesiredStateOptions.kuberayManagedBy]) {
        self.clusterDomain = clusterDomain
        self.injectProbes = injectProbes
        self.injectWaitGCSReady = injectWaitGCSReady
        self.headServiceWithClusterIP = headServiceWithClusterIP
        self.maxPodCreatesPerGroup = maxPodCreatesPerGroup
        self.managedByValues = managedByValues
    }

    /// The `spec.managedBy` value KubeRay's operator answers to (the CRD allows only it and
    /// MultiKueue's); we serve the same API, so we answer to it too.
    package static let kuberayManagedBy = "ray.io/kuberay-operator"
}
