import JSON

/// What the upgrade-strategy rules read of `spec.upgradeStrategy`.
struct UpgradeStrategyFacts {
    var present = false
    var type: String?
}

/// U1–U2: `spec.upgradeStrategy`.
enum UpgradeStrategyRules {
    static let originLabel = "ray.io/originated-from-crd"

    static func check(_ facts: ClusterFacts, into errors: inout [FieldError]) {
        guard let type = facts.upgradeStrategy.type else { return }
        let path = "spec.upgradeStrategy.type"
        // U1 (the CRD enum says the same; KubeRay's text is the one users know)
        if type != "Recreate" && type != "None" {
            errors.append(.invalid(path, .string(type),
                "Spec.UpgradeStrategy.Type value \(type) is invalid, valid options are Recreate or None"))
        }
        // U2
        if let origin = facts.labels.value(for: originLabel), origin == "RayJob" || origin == "RayService" {
            errors.append(.forbidden(path, "upgradeStrategy cannot be set when RayCluster is created by \(origin)"))
        }
    }
}
