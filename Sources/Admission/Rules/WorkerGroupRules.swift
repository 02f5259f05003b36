import JSON

/// S5–S18: each worker group, in list order (all the rules of one group before the next group).
enum WorkerGroupRules {
    static func check(_ facts: ClusterFacts, into errors: inout [FieldError]) {
        let v2 = facts.autoscalerV2Enabled
        // Indices, not `for w in`: passing the element borrows it instead of copying each group.
        for i in facts.workers.indices where facts.workers[i].isObject {
            check(facts.workers[i], facts: facts, autoscalerV2: v2, into: &errors)
        }
    }

    static func check(_ w: WorkerGroupFacts, facts: ClusterFacts, autoscalerV2: Bool, into errors: inout [FieldError]) {
        let path = w.path
        let name = w.groupName
        // Required by the CRD.
        if w.groupNameMissing { errors.append(.required(path + ".groupName")) }
        if !w.common.template.present {
            errors.append(.required(path + ".template"))
        } else if w.common.template.containers.isEmpty {
            // S5
            errors.append(.required(path + ".template.spec.containers",
                                    "workerGroupSpec should have at least one container"))
        }
        // S6 cannot fire: the CRD defaults minReplicas to 0 and maxReplicas to 2147483647 (and
        // prunes explicit nulls first), and ClusterFacts applies the same defaults, so the rules
        // see what the stored object holds. (KubeRay only asks for both when autoscaling is off.)
        do {
            if w.minReplicas < 0 {
                errors.append(.invalid(path + ".minReplicas", .integer(w.minReplicas),
                                       "worker group \(name) has negative minReplicas \(w.minReplicas)"))
            }
            if w.maxReplicas < 0 {
                errors.append(.invalid(path + ".maxReplicas", .integer(w.maxReplicas),
                                       "worker group \(name) has negative maxReplicas \(w.maxReplicas)"))
            }
            if w.minReplicas > w.maxReplicas {
                errors.append(.invalid(path + ".minReplicas", .integer(w.minReplicas),
                                       "worker group \(name) has minReplicas \(w.minReplicas) greater than maxReplicas \(w.maxReplicas)"))
            }
        }
        // S10, S11
        RayStartParamsRules.check(w.common, groupPath: path, groupLabel: name, into: &errors)
        // S12
        GroupLabelRules.check(w.common.labels, groupPath: path, isHead: false, groupName: name, into: &errors)
        // S13, S14
        if let idle = w.idleTimeoutSeconds {
            if idle < 0 {
                errors.append(.invalid(path + ".idleTimeoutSeconds", .integer(idle),
                                       "worker group \(name): idleTimeoutSeconds must be non-negative, got \(idle)"))
            } else if !autoscalerV2 {
                errors.append(.forbidden(path + ".idleTimeoutSeconds",
                    "worker group \(name): idleTimeoutSeconds is set, but autoscaler v2 is not enabled. Please set .spec.autoscalerOptions.version to 'v2' (or set RAY_enable_autoscaler_v2 environment variable to 'true' in the head pod if using KubeRay < 1.4.0)"))
            }
        }
        // S15–S18
        if let priority = w.priority, priority != 0 {
            if facts.rayVersion.isEmpty {
                errors.append(.required("spec.rayVersion",
                    "worker group \(name): priority is set, but RayVersion was not specified. Ray version 2.56.0 or later is required"))
            } else {
                switch RayVersionGate.parse(facts.rayVersion) {
                case .failure(let error):
                    errors.append(.invalid("spec.rayVersion", .string(facts.rayVersion),
                        "worker group \(name): priority is set, but RayVersion format is invalid: \(facts.rayVersion), \(error.message)"))
                case .success(let version):
                    if !version.isAtLeast(.priorityMinimum) {
                        errors.append(.invalid("spec.rayVersion", .string(facts.rayVersion),
                            "worker group \(name): priority is set, but minimum Ray version is 2.56.0, got \(facts.rayVersion)"))
                    } else if !autoscalerV2 {
                        errors.append(.forbidden(path + ".priority",
                            "worker group \(name): priority is set to \(priority), but autoscaler v2 is not enabled. Priority is only supported with autoscaler v2 enabled"))
                    }
                }
            }
        }
    }
}
