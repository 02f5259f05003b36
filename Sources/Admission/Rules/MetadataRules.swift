import JSON
import RayAPI

/// W1–W2 (= M1–M2): the RayCluster's own name, which prefixes every Service and pod it makes.
enum MetadataRules {
    static func check(_ facts: ClusterFacts, into errors: inout [FieldError]) {
        // The API server requires a name (or generateName) before admission; offline an absent
        // name is judged as "" so the DNS rule reports it.
        let name = facts.name ?? ""
        // W1
        if name.utf8.count > NameLimits.rayClusterName {
            errors.append(.invalid("metadata.name", .string(name), "RayCluster name should be no more than 53 characters"))
        }
        // W2
        let problems = NameChecks.dns1035Label(name)
        if !problems.isEmpty {
            errors.append(.invalid("metadata.name", .string(name),
                                   "RayCluster name should be a valid DNS1035 label: " + GoRendering.list(problems)))
        }
    }
}
