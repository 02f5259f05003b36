// The entry point of validation: every rule family in Rules/ run over one object.
import JSON
import RayAPI

/// The verdict on one object: every failure (stable order) and every warning.
package struct ValidationOutcome: Sendable, Equatable {
    package var errors: [FieldError]
    package var warnings: [String]
    package init(errors: [FieldError] = [], warnings: [String] = []) {
        self.errors = errors
        self.warnings = warnings
    }
    package var isValid: Bool { errors.isEmpty }
}

/// All RayCluster rules, as one pure function.
///
/// The object is read once into `ClusterFacts`; each rule family (one file each under `Rules/`)
/// then appends its failures. Unlike KubeRay, which stops at the first failure, every failure is
/// reported, in a fixed order: schema (wrong JSON types, enums, CEL), the rule table order
/// (W1–W2, W3 and our group-name rules, S1–S67, U1–U2, ST1; list order inside a family), then the
/// UPDATE-only immutability rules. See docs/validation.md for the full table.
package enum RayClusterValidator {
    static let managedByValues = ["ray.io/kuberay-operator", "kueue.x-k8s.io/multikueue"]

    /// Judges a `ray.io/v1` RayCluster. `oldObject` is given on UPDATE (immutability rules,
    /// status-only updates); nil on CREATE and offline.
    package static func validate(_ object: JSONValue, oldObject: JSONValue? = nil, gates: FeatureGates = FeatureGates()) -> ValidationOutcome {
        if let oldObject, StatusOnlyUpdate.isStatusOnly(new: object, old: oldObject) {
            return ValidationOutcome()
        }

        var reader = SchemaReader()
        let facts = ClusterFacts(reading: object, reader: &reader)
        var errors = reader.errors
        errors.reserveCapacity(errors.count &+ 4)

        // CRD CEL rule on managedBy's value (its immutability is judged below, on UPDATE).
        if let managedBy = facts.managedBy, !managedByValues.contains(managedBy) {
            errors.append(.invalid("spec.managedBy", .string(managedBy),
                "the managedBy field value must be either 'ray.io/kuberay-operator' or 'kueue.x-k8s.io/multikueue'"))
        }

        MetadataRules.check(facts, into: &errors)                           // W1–W2 (M1–M2)
        WorkerGroupNameRules.check(facts, into: &errors)                    // W3 + ours
        HeadGroupRules.check(facts, into: &errors)                          // S1–S4
        WorkerGroupRules.check(facts, into: &errors)                        // S5–S18
        GcsFaultToleranceRules.check(facts, gates: gates, into: &errors)    // S19–S35
        AutoscalerRules.check(facts, gates: gates, into: &errors)           // S36–S43
        HistoryServerRules.check(facts, gates: gates, into: &errors)        // S44–S54
        AuthRules.check(facts, into: &errors)                               // S55–S60
        NetworkPolicyRules.check(facts, gates: gates, into: &errors)        // S61–S65
        TLSRules.check(facts, gates: gates, into: &errors)                  // S66–S67
        UpgradeStrategyRules.check(facts, into: &errors)                    // U1–U2
        StatusRules.check(object, into: &errors)                            // ST1
        if let oldObject {
            ImmutableFieldRules.check(new: object, old: oldObject, into: &errors)
        }

        var warnings: [String] = []
        Warnings.collect(facts, into: &warnings)
        return ValidationOutcome(errors: errors, warnings: warnings)
    }
}
