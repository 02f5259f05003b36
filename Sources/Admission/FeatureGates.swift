// The KubeRay feature gates that change what validation accepts.
import JSON

/// The KubeRay feature gates that change validation, with KubeRay's defaults at the reference commit.
package enum FeatureGate: String, Sendable, CaseIterable {
    case rayClusterStatusConditions = "RayClusterStatusConditions"
    case rayJobDeletionPolicy = "RayJobDeletionPolicy"
    case rayMultiHostIndexing = "RayMultiHostIndexing"
    case rayClusterNetworkPolicy = "RayClusterNetworkPolicy"
    case gcsFaultToleranceEmbeddedStorage = "GCSFaultToleranceEmbeddedStorage"
    case rayClusterMTLS = "RayClusterMTLS"
    case rayClusterHistoryServer = "RayClusterHistoryServer"

    /// Beta gates are on, alpha gates off (KubeRay `pkg/features`).
    package var defaultValue: Bool {
        switch self {
        case .rayClusterStatusConditions, .rayJobDeletionPolicy, .rayMultiHostIndexing: return true
        case .rayClusterNetworkPolicy, .gcsFaultToleranceEmbeddedStorage, .rayClusterMTLS, .rayClusterHistoryServer:
            return false
        }
    }
}

/// Why `--feature-gates` could not be parsed.
package struct FeatureGateError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Feature gates that change validation, parsed from `--feature-gates A=true,B=false`.
package struct FeatureGates: Sendable, Equatable {
    /// Explicit settings by gate name; gates not listed take their default.
    package var enabled: [String: Bool]

    package init(enabled: [String: Bool] = [:]) { self.enabled = enabled }

    /// Parses `A=true,B=false`; throws on an unknown gate or a value other than true/false.
    /// Like Kubernetes' `--feature-gates`: entries separated by commas, spaces around them ignored,
    /// empty entries skipped, values as Go's `strconv.ParseBool`; a later entry wins.
    package init(parsing text: String) throws {
        self.init()
        for rawEntry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = Self.trimmed(rawEntry)
            if entry.isEmpty { continue }
            guard let eq = entry.firstIndex(of: "=") else {
                throw FeatureGateError("missing bool value for feature gate \"\(entry)\" (expected NAME=true or NAME=false)")
            }
            let name = Self.trimmed(entry[entry.startIndex..<eq])
            let valueText = Self.trimmed(entry[entry.index(after: eq)...])
            guard let gate = FeatureGate(rawValue: name) else {
                let known = FeatureGate.allCases.map(\.rawValue).joined(separator: ", ")
                throw FeatureGateError("unrecognized feature gate \"\(name)\" (known gates: \(known))")
            }
            guard let value = Self.parseBool(valueText) else {
                throw FeatureGateError("invalid value \"\(valueText)\" for feature gate \(gate.rawValue): expected true or false")
            }
            enabled[gate.rawValue] = value
        }
    }

    package func isEnabled(_ gate: FeatureGate) -> Bool {
        enabled[gate.rawValue] ?? gate.defaultValue
    }

    /// A copy with one gate set (tests, callers that build gates in code).
    package func with(_ gate: FeatureGate, _ value: Bool) -> FeatureGates {
        var copy = self
        copy.enabled[gate.rawValue] = value
        return copy
    }

    /// Go's `strconv.ParseBool` spellings.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }

    private static func trimmed(_ s: Substring) -> String {
        var slice = s
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
