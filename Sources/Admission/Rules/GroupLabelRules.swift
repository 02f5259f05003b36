import JSON

/// S4/S12: a group's `labels` (Ray node labels, also put on its pods) must be valid Kubernetes
/// labels. KubeRay joins all problems into one message in random map order; we report one error
/// per problem in document order.
enum GroupLabelRules {
    static func check(_ labels: [(key: String, value: String)], groupPath: String, isHead: Bool, groupName: String,
                      into errors: inout [FieldError])
    {
        let place = isHead ? "Head group" : "\(groupName) group"
        for (key, value) in labels {
            let keyProblems = NameChecks.qualifiedName(key)
            if !keyProblems.isEmpty {
                errors.append(.invalid(groupPath + ".labels", .string(key),
                    "invalid label key for \(place): '\(key)', error: " + keyProblems.joined(separator: "; ")))
            }
            let valueProblems = NameChecks.labelValue(value)
            if !valueProblems.isEmpty {
                errors.append(.invalid(RulePaths.key(groupPath + ".labels", key), .string(value),
                    "invalid label value for key '\(key)' in \(place): '\(value)', error: " + valueProblems.joined(separator: "; ")))
            }
        }
    }
}
