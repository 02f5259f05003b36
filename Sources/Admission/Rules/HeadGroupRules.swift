import JSON

/// S1–S4: the head group.
enum HeadGroupRules {
    static func check(_ facts: ClusterFacts, into errors: inout [FieldError]) {
        guard facts.headPresent else {
            // The CRD requires spec.headGroupSpec (and `spec` only exists to hold it).
            errors.append(.required(RulePaths.head))
            return
        }
        let head = facts.head
        if !head.template.present {
            errors.append(.required(RulePaths.head + ".template"))
        } else if head.template.containers.isEmpty {
            // S1
            errors.append(.required(RulePaths.headPodSpec + ".containers",
                                    "headGroupSpec should have at least one container"))
        }
        // S2, S3
        RayStartParamsRules.check(head, groupPath: RulePaths.head, groupLabel: "Head", into: &errors)
        // S4
        GroupLabelRules.check(head.labels, groupPath: RulePaths.head, isHead: true, groupName: "Head", into: &errors)
    }
}
