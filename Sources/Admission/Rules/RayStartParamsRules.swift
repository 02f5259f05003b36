import JSON

/// S2/S10 and S3/S11: what a group's `rayStartParams` must not say when the group's top-level
/// `resources`/`labels` fields exist to say it.
enum RayStartParamsRules {
    /// The rayStartParams keys that describe logical resources (S2/S10).
    static let resourceKeys = ["num-cpus", "num-gpus", "memory", "resources"]

    /// `groupLabel` is "Head" or the worker group's name, as in KubeRay's messages.
    static func check(_ group: GroupCommonFacts, groupPath: String, groupLabel: String, into errors: inout [FieldError]) {
        // S2 / S10
        if !group.resources.isEmpty,
           resourceKeys.contains(where: { group.rayStartParams.nonEmptyValue(for: $0) != nil })
        {
            errors.append(.forbidden(groupPath + ".resources",
                "resource fields should not be set in both rayStartParams and Resources for \(groupLabel) group; please use only one"))
        }
        // S3 / S11: the key alone is enough, whatever its value.
        if group.rayStartParams.value(for: "labels") != nil {
            errors.append(.forbidden(RulePaths.key(groupPath + ".rayStartParams", "labels"),
                "rayStartParams['labels'] is not supported for \(groupLabel) group; please use the top-level Labels field instead"))
        }
    }
}
