// OWNER: rules helper. Stub with the fixed signature the envelope and the CLI call.
import RayAPI

/// The verdict on one object: every failure (stable order) and every warning.
public struct ValidationOutcome: Sendable, Equatable {
    public var errors: [FieldError]
    public var warnings: [String]
    public init(errors: [FieldError] = [], warnings: [String] = []) {
        self.errors = errors
        self.warnings = warnings
    }
    public var isValid: Bool { errors.isEmpty }
}

/// All RayCluster rules (kuberay-raycluster.md §2.2 and ours), as one pure function.
public enum RayClusterValidator {
    /// Judges a `ray.io/v1` RayCluster. `oldObject` is given on UPDATE (immutability rules,
    /// status-only updates); nil on CREATE and offline.
    public static func validate(_ object: JSONValue, oldObject: JSONValue? = nil, gates: FeatureGates = FeatureGates()) -> ValidationOutcome {
        ValidationOutcome()
    }
}
