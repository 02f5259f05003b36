import JSON

/// What the network-policy rules read of `spec.networkPolicy`.
struct NetworkPolicyFacts {
    var present = false
    /// nil means the CRD default, DenyAll.
    var mode: String?
    var head = NetworkPolicyRulesFacts()
    var worker = NetworkPolicyRulesFacts()
    var groups: [NetworkPolicyGroupFacts] = []
}

struct NetworkPolicyRulesFacts {
    var hasIngressRules = false
    var hasEgressRules = false
}

struct NetworkPolicyGroupFacts {
    var index: Int
    var groupName: String
    var rules: NetworkPolicyRulesFacts
}

/// S61–S65: `spec.networkPolicy` (gate, mode conflicts, group names it refers to).
enum NetworkPolicyRules {
    static let path = "spec.networkPolicy"

    static func check(_ facts: ClusterFacts, gates: FeatureGates, into errors: inout [FieldError]) {
        guard facts.networkPolicy.present else { return }
        // S61: with the gate off, only this is reported.
        guard gates.isEnabled(.rayClusterNetworkPolicy) else {
            errors.append(.forbidden(path, "spec.networkPolicy requires the RayClusterNetworkPolicy feature gate to be enabled"))
            return
        }
        let mode = facts.networkPolicy.mode ?? "DenyAll"
        // S62, S63
        checkMode(mode, facts.networkPolicy.head, name: "head", into: &errors)
        checkMode(mode, facts.networkPolicy.worker, name: "worker", into: &errors)
        // S64
        for w in facts.workers where w.groupNamePresent {
            let problems = NameChecks.dns1123Label(w.groupName)
            if !problems.isEmpty {
                errors.append(.invalid(w.path + ".groupName", .string(w.groupName),
                    "worker group name \"\(w.groupName)\" must be a valid DNS1123 label when networkPolicy is enabled (it is embedded in the NetworkPolicy name): "
                        + GoRendering.list(problems)))
            }
        }
        // S65, and the CRD's list-map key uniqueness.
        var seen = Set<String>()
        for g in facts.networkPolicy.groups {
            let entryPath = path + ".workerGroups[\(g.index)]"
            if !seen.insert(g.groupName).inserted {
                errors.append(.duplicate(entryPath, ["groupName": .string(g.groupName)]))
                continue
            }
            let quoted = "networkPolicy.workerGroups[\"\(g.groupName)\"]"
            if mode == "DenyAllEgress" && g.rules.hasIngressRules {
                errors.append(.forbidden(entryPath + ".ingressRules",
                    "\(quoted).ingressRules cannot be set when mode is \"\(mode)\" (ingress is not restricted)"))
            }
            if mode == "DenyAllIngress" && g.rules.hasEgressRules {
                errors.append(.forbidden(entryPath + ".egressRules",
                    "\(quoted).egressRules cannot be set when mode is \"\(mode)\" (egress is not restricted)"))
            }
            if !facts.workers.contains(where: { $0.groupNamePresent && $0.groupName == g.groupName }) {
                errors.append(.invalid(entryPath + ".groupName", .string(g.groupName),
                    "\(quoted) does not match any group name in workerGroupSpecs"))
            }
        }
    }

    private static func checkMode(_ mode: String, _ rules: NetworkPolicyRulesFacts, name: String, into errors: inout [FieldError]) {
        if mode == "DenyAllEgress" && rules.hasIngressRules {
            errors.append(.forbidden(path + ".\(name).ingressRules",
                "networkPolicy.\(name).ingressRules cannot be set when mode is \"DenyAllEgress\" (ingress is not restricted)"))
        }
        if mode == "DenyAllIngress" && rules.hasEgressRules {
            errors.append(.forbidden(path + ".\(name).egressRules",
                "networkPolicy.\(name).egressRules cannot be set when mode is \"DenyAllIngress\" (egress is not restricted)"))
        }
    }
}
