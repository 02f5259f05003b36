// The fixed signatures the Webhook module calls are `validate` and
// `mutate`; `validateReview`/`mutateReview` return the same reply plus facts worth logging.
import Conversion
import JSON
import RayAPI

/// What one admission call decided, for the HTTP layer's log and metrics. `reply` is what to send.
package struct AdmissionOutcome: Sendable, Equatable {
    package var reply: WebhookReply
    /// The request's uid, once the review parsed.
    package var uid: String?
    package var operation: AdmissionOperation?
    /// nil when the body was not a review (HTTP 400/415).
    package var allowed: Bool?
    /// Set when the object is not one we judge (another kind, or an unknown RayCluster version):
    /// it was allowed untouched, and the HTTP layer should log this, e.g. `apps/v1, Kind=Deployment`.
    package var unhandledKind: String?
    /// Number of patch operations sent (mutating only).
    package var patchOperations: Int
    /// Why the body was refused (HTTP 400/415), for the log.
    package var problem: String?

    package init(reply: WebhookReply, uid: String? = nil, operation: AdmissionOperation? = nil, allowed: Bool? = nil,
                unhandledKind: String? = nil, patchOperations: Int = 0, problem: String? = nil) {
        self.reply = reply
        self.uid = uid
        self.operation = operation
        self.allowed = allowed
        self.unhandledKind = unhandledKind
        self.patchOperations = patchOperations
        self.problem = problem
    }
}

/// The `/validate-ray-io-v1-raycluster` and `/mutate-ray-io-v1-raycluster` endpoints: an
/// AdmissionReview body in, an AdmissionReview body out.
///
/// - The answer is in the review version received (`admission.k8s.io/v1` or `v1beta1`), `uid` echoed.
/// - CREATE and UPDATE are judged; DELETE and CONNECT are allowed. `dryRun` changes nothing (we
///   have no side effects, so a dry run gets the very answer a real request would).
/// - Objects of another kind are allowed untouched (`AdmissionOutcome.unhandledKind`).
/// - A denial is HTTP 200, `allowed: false` and the Status of `InvalidStatus`.
/// - A body that is not a review is HTTP 400 with a Status saying why; a Content-Type other
///   than `application/json` is HTTP 415.
package enum AdmissionEndpoint {
    /// Sent when the original request went through `ray.io/v1alpha1` (`request.requestKind`).
    package static let deprecationWarning = "ray.io/v1alpha1 RayCluster is deprecated; use ray.io/v1 RayCluster"

    package static func validate(body: [UInt8], contentType: String?, gates: FeatureGates) -> WebhookReply {
        validateReview(body: body, contentType: contentType, gates: gates).reply
    }

    package static func mutate(body: [UInt8], contentType: String?, gates: FeatureGates) -> WebhookReply {
        mutateReview(body: body, contentType: contentType, gates: gates).reply
    }

    // MARK: - Validating

    package static func validateReview(body: [UInt8], contentType: String?, gates: FeatureGates) -> AdmissionOutcome {
        let review: AdmissionReview
        switch envelope(body: body, contentType: contentType) {
        case .failure(let failed): return failed.outcome
        case .success(let parsed): review = parsed
        }
        let request = review.request
        func answer(_ response: AdmissionResponse, unhandled: String? = nil) -> AdmissionOutcome {
            AdmissionOutcome(reply: WebhookReply(status: 200, body: response.review(review.version).serialized()),
                             uid: request.uid, operation: request.operation, allowed: response.allowed,
                             unhandledKind: unhandled)
        }
        guard request.kind.isRayCluster else {
            return answer(AdmissionResponse(uid: request.uid, allowed: true), unhandled: request.kind.description)
        }
        guard request.operation == .create || request.operation == .update, let sent = request.object else {
            return answer(AdmissionResponse(uid: request.uid, allowed: true))
        }

        var warnings: [String] = []
        if request.requestKind?.group == "ray.io", request.requestKind?.version == "v1alpha1" {
            warnings.append(deprecationWarning)
        }
        let object: JSONValue
        switch asV1(sent, kindVersion: request.kind.version) {
        case .judge(let converted):
            object = converted
        case .unknownVersion(let apiVersion):
            return answer(AdmissionResponse(uid: request.uid, allowed: true, warnings: warnings),
                          unhandled: "\(apiVersion), Kind=RayCluster")
        case .conversionFailed(let message):
            let name = objectName(sent, request: request)
            let error = FieldError(.invalid, field: "apiVersion", value: sent["apiVersion"],
                                   detail: "cannot convert to ray.io/v1: \(message)")
            return answer(AdmissionResponse(uid: request.uid, allowed: false,
                                            status: InvalidStatus.status(name: name, errors: [error]), warnings: warnings))
        }
        let oldObject: JSONValue?
        if let sentOld = request.oldObject, case .judge(let convertedOld) = asV1(sentOld, kindVersion: request.kind.version) {
            oldObject = convertedOld
        } else {
            oldObject = nil
        }

        let outcome = RayClusterValidator.validate(object, oldObject: oldObject, gates: gates)
        warnings.append(contentsOf: outcome.warnings)
        if outcome.isValid {
            return answer(AdmissionResponse(uid: request.uid, allowed: true, warnings: warnings))
        }
        let status = InvalidStatus.status(name: objectName(object, request: request), errors: outcome.errors)
        return answer(AdmissionResponse(uid: request.uid, allowed: false, status: status, warnings: warnings))
    }

    // MARK: - Mutating

    package static func mutateReview(body: [UInt8], contentType: String?, gates: FeatureGates) -> AdmissionOutcome {
        let review: AdmissionReview
        switch envelope(body: body, contentType: contentType) {
        case .failure(let failed): return failed.outcome
        case .success(let parsed): review = parsed
        }
        let request = review.request
        var response = AdmissionResponse(uid: request.uid, allowed: true)
        var unhandled: String?
        var count = 0
        if !request.kind.isRayCluster {
            unhandled = request.kind.description
        } else if (request.operation == .create || request.operation == .update),
                  request.subResource.isEmpty,  // status/scale writes cannot change the spec
                  let object = request.object {
            let version = apiVersion(of: object, kindVersion: request.kind.version)
            if version == "ray.io/v1" {
                let operations = RayClusterDefaulter.patch(for: object)
                count = operations.count
                if !operations.isEmpty { response.patch = JSONPatch.serialize(operations) }
            } else {
                // Our patch paths are v1 paths; the apiserver sends the registered version (v1).
                unhandled = "\(version ?? "(no apiVersion)"), Kind=RayCluster"
            }
        }
        return AdmissionOutcome(reply: WebhookReply(status: 200, body: response.review(review.version).serialized()),
                                uid: request.uid, operation: request.operation, allowed: true,
                                unhandledKind: unhandled, patchOperations: count)
    }

    // MARK: - Shared

    private static func envelope(body: [UInt8], contentType: String?) -> Result<AdmissionReview, FailedEnvelope> {
        guard WebhookMediaType.isJSON(contentType) else {
            let reply = WebhookMediaType.refusal(contentType)
            return .failure(FailedEnvelope(AdmissionOutcome(reply: reply, problem: "unsupported Content-Type \(contentType ?? "(none)")")))
        }
        do {
            return .success(try AdmissionReview.parse(body))
        } catch {
            return .failure(FailedEnvelope(AdmissionOutcome(reply: WebhookReply.badRequest(error.message), problem: error.message)))
        }
    }

    private struct FailedEnvelope: Error {
        var outcome: AdmissionOutcome
        init(_ outcome: AdmissionOutcome) { self.outcome = outcome }
    }

    private enum V1Object {
        case judge(JSONValue)
        case unknownVersion(String)
        case conversionFailed(String)
    }

    /// The object as `ray.io/v1`: as is, converted from `ray.io/v1alpha1`, or not judgeable.
    /// An object without `apiVersion` is taken to be of the review's `request.kind` version.
    private static func asV1(_ object: JSONValue, kindVersion: String) -> V1Object {
        switch apiVersion(of: object, kindVersion: kindVersion) {
        case "ray.io/v1"?:
            return .judge(object)
        case "ray.io/v1alpha1"?:
            do {
                return .judge(try RayClusterConverter.convert(object, to: "ray.io/v1"))
            } catch {
                return .conversionFailed(error.message)
            }
        case let other:
            return .unknownVersion(other ?? "(no apiVersion)")
        }
    }

    private static func apiVersion(of object: JSONValue, kindVersion: String) -> String? {
        if let apiVersion = object["apiVersion"]?.stringValue { return apiVersion }
        return kindVersion.isEmpty ? nil : "ray.io/\(kindVersion)"
    }

    /// `metadata.name` of the object; the request's name when the object has none.
    static func objectName(_ object: JSONValue, request: AdmissionRequest) -> String {
        object["metadata"]?["name"]?.stringValue ?? request.name
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
