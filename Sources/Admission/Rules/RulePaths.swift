import JSON

/// Field paths the rules report, built only when a rule fails (string building is the costly
/// part of a failure, and valid objects build none).
enum RulePaths {
    static let head = "spec.headGroupSpec"
    static let headPodSpec = "spec.headGroupSpec.template.spec"
    static let headRayContainer = "spec.headGroupSpec.template.spec.containers[0]"

    static func worker(_ i: Int) -> String { "spec.workerGroupSpecs[\(i)]" }
    static func workerPodSpec(_ i: Int) -> String { "spec.workerGroupSpecs[\(i)].template.spec" }
    static func workerRayContainer(_ i: Int) -> String { "spec.workerGroupSpecs[\(i)].template.spec.containers[0]" }

    static func headEnv(_ k: Int) -> String { headRayContainer + ".env[\(k)]" }
    static func headMount(_ k: Int) -> String { headRayContainer + ".volumeMounts[\(k)]" }

    /// apimachinery's `Key()` rendering of a map member: `path[key]`.
    static func key(_ path: String, _ key: String) -> String { path + "[" + key + "]" }
    static func annotation(_ key: String) -> String { "metadata.annotations[" + key + "]" }
}
