import JSON
import RayAPI

/// W3 (KubeRay's webhook) and ours: worker group names. Our pod names contain the group name
/// lower-cased (`<cluster>-<group>-worker-<i>`), so the lower-cased name must be a DNS-1123
/// label and no two groups may share it, whatever their case.
enum WorkerGroupNameRules {
    static func check(_ facts: ClusterFacts, into errors: inout [FieldError]) {
        let workers = facts.workers
        guard !workers.isEmpty else { return }

        // W3 exactly as KubeRay: the first entry whose groupName appeared earlier, whole entry as
        // the value. Then ours: format of the lower-cased name, and collisions after lower-casing.
        // A few groups are compared pairwise (no hashing); many go through a dictionary.
        var w3Index: Int?
        var lowered: [String] = []
        lowered.reserveCapacity(workers.count)
        var firstByLowercased: [String: Int] = [:]
        var exactNames = Set<String>()
        let useDictionary = workers.count > 16
        for i in workers.indices {
            guard workers[i].groupNamePresent else {
                lowered.append("")
                continue
            }
            let name = workers[i].groupName
            if w3Index == nil {
                let repeated = useDictionary
                    ? !exactNames.insert(name).inserted
                    : (0..<i).contains { workers[$0].groupNamePresent && workers[$0].groupName == name }
                if repeated {
                    w3Index = i
                    errors.append(.invalid(workers[i].path, goFieldOrder(workers[i].raw), "worker group names must be unique"))
                }
            }
            let lower = name.utf8.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }) ? name.lowercased() : name
            lowered.append(lower)
            let problems = NameChecks.dns1123Label(lower)
            if !problems.isEmpty {
                errors.append(.invalid(workers[i].path + ".groupName", .string(name),
                    "worker group name, lower-cased, must be a valid DNS-1123 label because pod names contain it: "
                        + problems.joined(separator: "; ")))
            }
            var earlier: Int?
            if useDictionary {
                earlier = firstByLowercased[lower]
                if earlier == nil { firstByLowercased[lower] = i }
            } else {
                earlier = (0..<i).first { workers[$0].groupNamePresent && lowered[$0] == lower }
            }
            guard let earlier, i != w3Index else { continue }
            let other = workers[earlier].groupName
            if other == name {
                errors.append(.duplicate(workers[i].path + ".groupName", .string(name)))
            } else {
                errors.append(.invalid(workers[i].path + ".groupName", .string(name),
                    "worker group name collides with \(GoRendering.quote(other)) (spec.workerGroupSpecs[\(earlier)]) once lower-cased; pod names would clash"))
            }
        }
    }
}

extension WorkerGroupNameRules {
    /// KubeRay's WorkerGroupSpec fields in Go struct order: its webhook prints the BadValue by
    /// marshalling the Go struct, so the members come in this order (others keep theirs, after).
    static let goStructOrder = ["suspend", "groupName", "replicas", "minReplicas", "maxReplicas", "idleTimeoutSeconds",
                                "priority", "resources", "labels", "rayStartParams", "template", "scaleStrategy", "numOfHosts"]

    static func goFieldOrder(_ entry: JSONValue) -> JSONValue {
        guard case .object(let object) = entry else { return entry }
        var members: [JSONObject.Member] = []
        members.reserveCapacity(object.count)
        for key in goStructOrder {
            if let value = object[key] { members.append(JSONObject.Member(key: key, value: value)) }
        }
        for member in object.members where !goStructOrder.contains(member.key) { members.append(member) }
        return .object(JSONObject(uniqueMembers: members))
    }
}

/// Pod names a spec produces.
///
/// Why no error here: with the cluster name a DNS-1035 label of at most 53 characters (W1/W2) and
/// the lower-cased group name a DNS-1123 label (above), every pod name is a valid DNS-1123
/// subdomain, which is all the API server asks of a pod name. A name longer than 63 characters
/// is still a valid pod; only its hostname is cut to 63 by Kubernetes, and KubeRay accepts such
/// clusters (a 53-character cluster name gives a 70-character head pod name), so that case is a
/// warning (Warnings.hostnames), not a rejection.
enum PodNameRules {
    /// The index of the last pod the group asks for now: clamp(replicas, min, max) × numOfHosts − 1
    /// (0 when it asks for none: the first scale-up uses index 0).
    static func highestIndex(_ w: WorkerGroupFacts) -> Int {
        guard w.minReplicas >= 0, w.minReplicas <= w.maxReplicas else { return 0 }
        let replicas = min(max(w.replicas ?? 0, w.minReplicas), w.maxReplicas)
        let hosts = max(w.numOfHosts, 1)
        // Both factors are at most Int32.max, so the product fits in Int64.
        let (pods, overflow) = replicas.multipliedReportingOverflow(by: hosts)
        guard !overflow, pods > 0, let last = Int(exactly: pods &- 1) else { return 0 }
        return last
    }
}
