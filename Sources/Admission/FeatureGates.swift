// OWNER: admission helper. Stub: the feature gates of kuberay-raycluster.md §2.3.

/// Feature gates that change validation, parsed from `--feature-gates A=true,B=false`.
public struct FeatureGates: Sendable, Equatable {
    public var enabled: [String: Bool]

    public init(enabled: [String: Bool] = [:]) { self.enabled = enabled }

    /// Parses `A=true,B=false`; throws on an unknown gate or a value other than true/false.
    public init(parsing text: String) throws {
        self.init()
    }
}
