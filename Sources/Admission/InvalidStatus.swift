import Conversion
import JSON
import RayAPI

/// The metav1.Status that apimachinery's `apierrors.NewInvalid(GroupKind{ray.io, RayCluster},
/// name, errs)` builds, so a denial reads exactly like KubeRay's:
/// `status: Failure`, `code: 422`, `reason: Invalid`, the message
/// `RayCluster.ray.io "<name>" is invalid: <e1>` or `… is invalid: [<e1>, <e2>]`, and
/// `details {name, group, kind, causes[{reason, message, field}]}` with one cause per error.
package enum InvalidStatus {
    package static let group = "ray.io"
    package static let kind = "RayCluster"

    /// The aggregate message. As `field.ErrorList.ToAggregate()`, errors with the same message are
    /// listed once; one distinct error is printed bare, several in brackets.
    package static func message(name: String, errors: [FieldError]) -> String {
        var seen = Set<String>()
        var distinct: [String] = []
        for error in errors {
            let text = error.message
            if seen.insert(text).inserted { distinct.append(text) }
        }
        let list = distinct.count == 1 ? distinct[0] : "[" + distinct.joined(separator: ", ") + "]"
        return "\(kind).\(group) \"\(name)\" is invalid: \(list)"
    }

    /// The full Status value (Go field order: metadata, status, message, reason, details, code).
    package static func status(name: String, errors: [FieldError]) -> JSONValue {
        var causes: [JSONValue] = []
        causes.reserveCapacity(errors.count)
        for error in errors {
            var cause = JSONObject()
            cause["reason"] = .string(error.kind.rawValue)
            cause["message"] = .string(error.body)
            cause["field"] = .string(error.field)
            causes.append(.object(cause))
        }
        var details = JSONObject()
        if !name.isEmpty { details["name"] = .string(name) }  // Go: omitempty
        details["group"] = .string(group)
        details["kind"] = .string(kind)
        if !causes.isEmpty { details["causes"] = .array(causes) }
        var status = JSONObject()
        status["metadata"] = .object(JSONObject())
        status["status"] = .string("Failure")
        status["message"] = .string(message(name: name, errors: errors))
        status["reason"] = .string("Invalid")
        status["details"] = .object(details)
        status["code"] = .integer(422)
        return .object(status)
    }
}
