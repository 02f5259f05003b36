import JSON
import RayAPI

/// UPDATE only: fields that must keep their value for the life of the object. KubeRay puts these
/// in CEL `self == oldSelf` rules, which only run on clusters with CRD validation rules; we judge
/// them against `oldObject`, so they hold on every cluster version. Messages are KubeRay's CEL
/// messages, reported as Kubernetes reports immutable fields (`Invalid value: <new>: …`).
enum ImmutableFieldRules {
    static func check(new object: JSONValue, old oldObject: JSONValue, into errors: inout [FieldError]) {
        let newSpec = object["spec"]
        let oldSpec = oldObject["spec"]

        // spec.managedBy: setting, changing and clearing it are all changes of owner.
        let newManagedBy = present(newSpec?["managedBy"])
        let oldManagedBy = present(oldSpec?["managedBy"])
        if newManagedBy != oldManagedBy {
            errors.append(.invalid("spec.managedBy", newManagedBy ?? .null, "the managedBy field is immutable"))
        }

        // spec.gcsFaultToleranceOptions.backend: the stored GCS data lives in that backend. Absent
        // and "" both mean redis. Only judged when both versions have fault tolerance options
        // (turning fault tolerance on or off is not a change of backend).
        if let newOptions = present(newSpec?["gcsFaultToleranceOptions"]),
           let oldOptions = present(oldSpec?["gcsFaultToleranceOptions"])
        {
            let newBackend = backend(newOptions["backend"])
            let oldBackend = backend(oldOptions["backend"])
            if newBackend != oldBackend {
                errors.append(.invalid("spec.gcsFaultToleranceOptions.backend", newOptions["backend"] ?? .string(""),
                                       "gcsFaultToleranceOptions.backend is immutable"))
            }
        }
    }

    private static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }

    private static func backend(_ value: JSONValue?) -> JSONValue {
        guard let value = present(value) else { return .string("redis") }
        if value == .string("") { return .string("redis") }
        return value
    }
}

/// An UPDATE that changes neither the spec nor the metadata users write (only status, or the
/// bookkeeping the API server and controllers keep in metadata) is not judged by the spec rules:
/// blocking it would stop the operator from writing status or removing finalizers of an object
/// that was stored before a rule existed.
enum StatusOnlyUpdate {
    /// Metadata the API server and controllers maintain; changes to them are not user edits.
    static let bookkeepingMetadata: Set<String> = [
        "resourceVersion", "generation", "managedFields", "finalizers", "ownerReferences",
        "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
    ]

    static func isStatusOnly(new object: JSONValue, old oldObject: JSONValue) -> Bool {
        guard object["spec"] == oldObject["spec"] else { return false }
        return userMetadata(object["metadata"]) == userMetadata(oldObject["metadata"])
    }

    private static func userMetadata(_ metadata: JSONValue?) -> JSONObject {
        guard let object = metadata?.objectValue else { return JSONObject() }
        var kept = JSONObject()
        for member in object.members where !bookkeepingMetadata.contains(member.key) {
            kept[member.key] = member.value
        }
        return kept
    }
}
