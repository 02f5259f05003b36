// The resources a RayCluster asks for in total (status desiredCPU, desiredMemory, desiredGPU,
// desiredTPU), as KubeRay sums them: the head template's pod plus, for every group that is not
// suspended, its template's pod × replicas × numOfHosts. A pod's resources are the sum over its
// containers of each container's requests, its limits filling the names it does not request.
// GPU is the sum of every resource whose name ends in `gpu`; TPU is `google.com/tpu`.
//
// `replicas` is taken as written (not clamped to [min, max]), as KubeRay does; the arithmetic is
// exact (Quantity sums and multiples), so even 2^31-1 replicas cost nothing.
import JSON
import RayAPI

enum DesiredResources {
    struct Totals {
        var cpu = Quantity.zero
        var memory = Quantity.zero
        var gpu = Quantity.zero
        var tpu = Quantity.zero
    }

    static func compute(_ spec: RayClusterSpec?) -> Totals {
        var total: [String: Quantity] = [:]
        func add(_ resources: [String: Quantity], times factor: Int64) {
            for (name, quantity) in resources {
                total[name] = (total[name] ?? .zero) + quantity.multiplied(by: factor)
            }
        }
        add(podResources(spec?.headGroupSpec?.template?.spec), times: 1)
        for group in spec?.workerGroupSpecs ?? [] where group.suspend != true {
            let replicas = max(group.replicas ?? 0, 0)
            let (count, overflow) = replicas.multipliedReportingOverflow(by: WorkerGroupPlan.hosts(group))
            add(podResources(group.template?.spec), times: overflow ? Int64.max : count)
        }
        var totals = Totals()
        totals.cpu = total["cpu"] ?? .zero
        totals.memory = total["memory"] ?? .zero
        totals.tpu = total["google.com/tpu"] ?? .zero
        for name in total.keys.sorted() where name.hasSuffix("gpu") {
            if let quantity = total[name], !quantity.isZero { totals.gpu = totals.gpu + quantity }
        }
        return totals
    }

    /// Requests, limits filling missing names, summed over the containers (not init containers).
    static func podResources(_ spec: PodSpec?) -> [String: Quantity] {
        var pod: [String: Quantity] = [:]
        for container in spec?.containers ?? [] {
            var merged = container.resources?.requests ?? [:]
            for (name, limit) in container.resources?.limits ?? [:] where merged[name] == nil { merged[name] = limit }
            for (name, text) in merged {
                guard let quantity = try? Quantity(parsing: text) else { continue }
                pod[name] = (pod[name] ?? .zero) + quantity
            }
        }
        return pod
    }
}
