import JSON
import KubeClient
import Metrics
import Synchronization

/// controller-runtime's reconcile metrics, under its names, so dashboards carry over.
package struct ControllerMetrics: Sendable {
    package static let controllerName = "raycluster"
    package let registry: MetricsRegistry
    let success: Counter
    let failure: Counter
    let requeueAfter: Counter
    let errors: Counter
    let duration: Histogram
    let activeWorkers: Gauge

    package init(registry: MetricsRegistry, maxConcurrentReconciles: Int) {
        self.registry = registry
        let controller = ["controller": Self.controllerName]
        let total = "controller_runtime_reconcile_total"
        let totalHelp = "Total number of reconciliations per controller"
        success = registry.counter(total, help: totalHelp, labels: ["controller": Self.controllerName, "result": "success"])
        failure = registry.counter(total, help: totalHelp, labels: ["controller": Self.controllerName, "result": "error"])
        requeueAfter = registry.counter(total, help: totalHelp, labels: ["controller": Self.controllerName, "result": "requeue_after"])
        errors = registry.counter("controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller", labels: controller)
        duration = registry.histogram("controller_runtime_reconcile_time_seconds", help: "Length of time per reconciliation per controller",
                                      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60],
                                      labels: controller)
        activeWorkers = registry.gauge("controller_runtime_active_workers", help: "Number of currently used workers per controller", labels: controller)
        registry.gauge("controller_runtime_max_concurrent_reconciles", help: "Maximum number of concurrent reconciles per controller",
                       labels: controller).set(Double(maxConcurrentReconciles))
    }

    func record(_ result: ReconcileResult, seconds: Double) {
        duration.observe(seconds)
        switch result {
        case .done, .forgotten: success.increment()
        case .requeueAfter: requeueAfter.increment()
        case .failed:
            failure.increment()
            errors.increment()
        }
    }
}

/// What one pass asks of the queue.
package enum ReconcileResult: Sendable, Equatable {
    /// Converged (or nothing to do): forget the key's failures; look again after the periodic interval.
    case done
    /// Nothing to do until the object changes (gone, deleting, managed elsewhere, invalid spec):
    /// forget the key, no periodic requeue.
    case forgotten
    /// Not done yet, nothing failed: look again after this many seconds.
    case requeueAfter(Double)
    /// Something failed: retry with the queue's per-key backoff.
    case failed(String)
}

/// KubeRay's per-cluster metrics: `kuberay_cluster_info`, `kuberay_cluster_condition_provisioned`
/// and `kuberay_cluster_provisioned_duration_seconds`. Every series a cluster got is remembered, so
/// the cluster's series go with it, whatever labels they carried.
final class ClusterMetrics: Sendable {
    let registry: MetricsRegistry
    private let series = Mutex<[ObjectKey: Set<SeriesName>]>([:])

    private struct SeriesName: Hashable, Sendable {
        var name: String
        var labels: [String: String]
    }

    init(registry: MetricsRegistry) { self.registry = registry }

    private func labels(_ key: ObjectKey) -> [String: String] { ["name": key.name, "namespace": key.namespace] }

    private func gauge(_ key: ObjectKey, _ name: String, help: String, labels: [String: String]) -> Gauge {
        series.withLock { _ = $0[key, default: []].insert(SeriesName(name: name, labels: labels)) }
        return registry.gauge(name, help: help, labels: labels)
    }

    func observe(key: ObjectKey, cluster: JSONValue) {
        var info = labels(key)
        info["owner_kind"] = cluster["metadata"]?["labels"]?["ray.io/originated-from-crd"]?.stringValue ?? "None"
        gauge(key, "kuberay_cluster_info", help: "Metadata information about RayCluster custom resources", labels: info).set(1)
    }

    func observeStatus(key: ObjectKey, cluster: JSONValue, status: JSONValue) {
        let provisioned = (status["conditions"]?.arrayValue ?? []).first { $0["type"]?.stringValue == "RayClusterProvisioned" }
        let isTrue = provisioned?["status"]?.stringValue == "True"
        for value in ["true", "false"] {
            var l = labels(key)
            l["condition"] = value
            gauge(key, "kuberay_cluster_condition_provisioned", help: "Indicates whether the RayCluster is provisioned",
                  labels: l).set((value == "true") == isTrue ? 1 : 0)
        }
        if isTrue, let created = cluster["metadata"]?["creationTimestamp"]?.stringValue,
           let since = provisioned?["lastTransitionTime"]?.stringValue,
           let start = MicroTime.parse(created), let end = MicroTime.parse(since) {
            var l = labels(key)
            l["uid"] = cluster["metadata"]?["uid"]?.stringValue ?? ""
            gauge(key, "kuberay_cluster_provisioned_duration_seconds",
                  help: "The time, in seconds, when a RayCluster's RayClusterProvisioned status transitions from false to true",
                  labels: l).set(Double(end - start) / 1e6)
        }
    }

    func forget(_ key: ObjectKey) {
        let gone = series.withLock { $0.removeValue(forKey: key) } ?? []
        for entry in gone { registry.remove(entry.name, labels: entry.labels) }
    }
}
