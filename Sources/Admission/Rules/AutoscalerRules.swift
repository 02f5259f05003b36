import JSON

/// What the autoscaler rules read of `spec.autoscalerOptions`.
struct AutoscalerFacts {
    var present = false
    var version: String?
    var idleTimeoutSeconds: Int64?
    var env: [EnvFact] = []
    var mounts: [MountFact] = []
}

/// S36–S43: worker group suspension and the in-tree autoscaler (v1/v2 selection, restart
/// policies, options).
enum AutoscalerRules {
    static let v2EnvName = "RAY_enable_autoscaler_v2"

    static func check(_ facts: ClusterFacts, gates: FeatureGates, into errors: inout [FieldError]) {
        // S36
        if !gates.isEnabled(.rayJobDeletionPolicy) {
            for w in facts.workers where w.suspend {
                errors.append(.forbidden(w.path + ".suspend",
                    "worker group \(w.groupName) can be suspended only when the RayJobDeletionPolicy feature gate is enabled"))
            }
        }
        let headEnv = facts.head.template.rayContainer?.envVar(v2EnvName)
        if !facts.enableInTreeAutoscaling {
            // S37
            if let e = headEnv, e.value == "1" || e.value == "true" {
                errors.append(.invalid(RulePaths.headEnv(e.index) + ".value", .string(e.value),
                    "environment variable RAY_enable_autoscaler_v2 cannot be set to '\(e.value)' when enableInTreeAutoscaling is false. Please set enableInTreeAutoscaling: true to use autoscaler v2"))
            }
        } else {
            // S38
            for w in facts.workers where w.suspend {
                errors.append(.forbidden(w.path + ".suspend", "worker group \(w.groupName) cannot be suspended with Autoscaler enabled"))
            }
            // S39
            if facts.autoscaler.version != nil, let e = headEnv {
                errors.append(.forbidden(RulePaths.headEnv(e.index),
                    "both .spec.autoscalerOptions.version and head Pod env var RAY_enable_autoscaler_v2 are set, please only use the former"))
            }
            if facts.autoscalerV2Enabled {
                // S40
                if let policy = facts.head.template.restartPolicy, !policy.isEmpty, policy != "Never" {
                    errors.append(.invalid(RulePaths.headPodSpec + ".restartPolicy", .string(policy),
                                           "restartPolicy for head Pod should be Never or unset when using autoscaler V2"))
                }
                // S41
                for w in facts.workers {
                    if let policy = w.common.template.restartPolicy, !policy.isEmpty, policy != "Never" {
                        errors.append(.invalid(RulePaths.workerPodSpec(w.index) + ".restartPolicy", .string(policy),
                            "restartPolicy for worker group \(w.groupName) should be Never or unset when using autoscaler V2"))
                    }
                }
            }
        }
        // S42 (any autoscaler version)
        if let idle = facts.autoscaler.idleTimeoutSeconds, idle < 0 {
            errors.append(.invalid("spec.autoscalerOptions.idleTimeoutSeconds", .integer(idle),
                                   "autoscalerOptions.idleTimeoutSeconds must be non-negative, got \(idle)"))
        }
        // S43
        for e in facts.autoscaler.env where e.name == "KUBERAY_GEN_AUTOSCALER_START_CMD" {
            errors.append(.forbidden("spec.autoscalerOptions.env[\(e.index)]",
                "autoscalerOptions.env must not contain KUBERAY_GEN_AUTOSCALER_START_CMD: it is managed by KubeRay and injected automatically into the autoscaler container"))
        }
    }

    /// KubeRay's V1 warning: worker groups with a restart policy other than Never under autoscaler v1.
    static func v1RestartPolicyGroups(_ facts: ClusterFacts) -> [String] {
        guard facts.enableInTreeAutoscaling, facts.autoscaler.version == "v1" else { return [] }
        var names: [String] = []
        for w in facts.workers {
            if let policy = w.common.template.restartPolicy, !policy.isEmpty, policy != "Never" {
                names.append(w.groupName)
            }
        }
        return names
    }
}
