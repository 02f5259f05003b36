import JSON
import RayAPI

/// The two AdmissionReview versions kube-apiserver speaks; we answer in the one received.
package enum AdmissionReviewVersion: String, Sendable, Equatable, CaseIterable {
    case v1 = "admission.k8s.io/v1"
    case v1beta1 = "admission.k8s.io/v1beta1"
}

/// `{group, version, kind}` as the review carries it in `kind` and `requestKind`.
package struct GroupVersionKind: Sendable, Equatable, CustomStringConvertible {
    package var group: String
    package var version: String
    package var kind: String
    package init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// Reads `{group, version, kind}`; a missing group or version is "" (the core group has none).
    init?(_ value: JSONValue?) {
        guard case .object(let object)? = value, let kind = object["kind"]?.stringValue else { return nil }
        self.init(group: object["group"]?.stringValue ?? "", version: object["version"]?.stringValue ?? "", kind: kind)
    }

    /// The group and kind we judge (any version; the version decides how).
    package var isRayCluster: Bool { group == "ray.io" && kind == "RayCluster" }

    /// `ray.io/v1, Kind=RayCluster`, as apimachinery prints a GVK.
    package var description: String {
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return "\(groupVersion), Kind=\(kind)"
    }
}

/// The admission operations the apiserver sends.
package enum AdmissionOperation: String, Sendable, Equatable {
    case create = "CREATE"
    case update = "UPDATE"
    case delete = "DELETE"
    case connect = "CONNECT"
}

/// The parts of `request` we use. Everything else is ignored.
package struct AdmissionRequest: Sendable, Equatable {
    package var uid: String
    package var kind: GroupVersionKind
    /// The GVK of the original request (differs from `kind` when the apiserver converted).
    package var requestKind: GroupVersionKind?
    package var subResource: String
    package var name: String
    package var namespace: String
    package var operation: AdmissionOperation
    /// The new object; nil for DELETE (sent as `null`).
    package var object: JSONValue?
    /// The old object; nil for CREATE and CONNECT.
    package var oldObject: JSONValue?
    package var dryRun: Bool
}

/// A parsed AdmissionReview request envelope.
package struct AdmissionReview: Sendable, Equatable {
    package var version: AdmissionReviewVersion
    package var request: AdmissionRequest
}

/// Why a body is not an AdmissionReview we can answer: the endpoint sends it as HTTP 400.
package struct AdmissionReviewError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension AdmissionReview {
    /// Limits for the review body's JSON: Kubernetes objects nest far less than 100 deep (a pod
    /// template with affinity terms is ~15); a review carries up to two objects of at most 3 MiB.
    package static let parseLimits = JSONParseLimits(maxDepth: 100, maxBytes: 7 << 20)

    /// Parses and checks a review body. The members of `unreadMembers` are checked as JSON but
    /// left out of `request.object` / `request.oldObject` whenever that cannot change a verdict or
    /// a patch (see `skipIsExact`); otherwise the body is parsed again in full.
    package static func parse(_ body: [UInt8]) throws(AdmissionReviewError) -> AdmissionReview {
        try parse(body, skippingUnreadMembers: true)
    }

    /// `parse(_:)`, choosing whether unread members may be left out (`false`: every member kept).
    package static func parse(_ body: [UInt8], skippingUnreadMembers: Bool) throws(AdmissionReviewError) -> AdmissionReview {
        if body.isEmpty { throw AdmissionReviewError("request body is empty; expected an AdmissionReview") }
        if skippingUnreadMembers {
            var report = JSONSkipReport()
            let document: JSONValue
            do {
                document = try JSONValue.parse(body, limits: parseLimits, skipping: unreadMembers, report: &report)
            } catch {
                // The skipping parse checks skipped values fully: the same error as a full parse.
                throw AdmissionReviewError("request body is not valid JSON: \(error)")
            }
            // The envelope checks below read no skipped member (nor anything that skipping changes:
            // `object` stays an object), so they pass or fail exactly as on the full document.
            let review = try parse(document)
            if skipIsExact(review, report: report, body: body) { return review }
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(body, limits: parseLimits)
        } catch {
            throw AdmissionReviewError("request body is not valid JSON: \(error)")
        }
        return try parse(document)
    }

    /// Checks an already parsed review document.
    package static func parse(_ document: JSONValue) throws(AdmissionReviewError) -> AdmissionReview {
        guard case .object(let root) = document else {
            throw AdmissionReviewError("expected an AdmissionReview object, got a JSON \(document.typeName)")
        }
        guard let apiVersionText = root["apiVersion"]?.stringValue else {
            throw AdmissionReviewError("apiVersion is missing; expected admission.k8s.io/v1 or admission.k8s.io/v1beta1")
        }
        guard let version = AdmissionReviewVersion(rawValue: apiVersionText) else {
            throw AdmissionReviewError("unsupported apiVersion \"\(apiVersionText)\"; expected admission.k8s.io/v1 or admission.k8s.io/v1beta1")
        }
        guard let kind = root["kind"]?.stringValue else {
            throw AdmissionReviewError("kind is missing; expected AdmissionReview")
        }
        guard kind == "AdmissionReview" else {
            throw AdmissionReviewError("unexpected kind \"\(kind)\"; expected AdmissionReview")
        }
        guard case .object(let request)? = root["request"] else {
            throw AdmissionReviewError(root["request"] == nil || root["request"]?.isNull == true
                ? "request is missing: an AdmissionReview sent to a webhook must carry a request"
                : "request must be an object")
        }
        guard let uid = request["uid"]?.stringValue, !uid.isEmpty else {
            throw AdmissionReviewError("request.uid is missing or empty")
        }
        guard let gvk = GroupVersionKind(request["kind"]) else {
            throw AdmissionReviewError("request.kind is missing or has no kind")
        }
        guard let operationText = request["operation"]?.stringValue else {
            throw AdmissionReviewError("request.operation is missing")
        }
        guard let operation = AdmissionOperation(rawValue: operationText) else {
            throw AdmissionReviewError("request.operation \"\(operationText)\" is not one of CREATE, UPDATE, DELETE, CONNECT")
        }
        let object = nonNull(request["object"])
        let oldObject = nonNull(request["oldObject"])
        switch operation {
        case .create, .update:
            guard case .object? = object else {
                throw AdmissionReviewError("request.object must be an object for \(operationText)")
            }
            if operation == .update, let oldObject, oldObject.objectValue == nil {
                throw AdmissionReviewError("request.oldObject must be an object for UPDATE")
            }
        case .delete, .connect:
            break
        }
        let dryRun: Bool
        switch request["dryRun"] {
        case nil, .null?: dryRun = false
        case .bool(let value)?: dryRun = value
        default: throw AdmissionReviewError("request.dryRun must be a boolean")
        }
        return AdmissionReview(version: version, request: AdmissionRequest(
            uid: uid,
            kind: gvk,
            requestKind: GroupVersionKind(request["requestKind"]),
            subResource: request["subResource"]?.stringValue ?? "",
            name: request["name"]?.stringValue ?? "",
            namespace: request["namespace"]?.stringValue ?? "",
            operation: operation,
            object: object,
            oldObject: oldObject,
            dryRun: dryRun))
    }

    private static func nonNull(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}

// MARK: - Members nobody reads

extension AdmissionReview {
    /// kubectl's copy of the applied object, as a JSON string in an annotation: about the size of
    /// the object itself, and one escaped quote after another.
    static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// Review members the webhook never reads, so `parse` checks them as JSON without building
    /// them (half of a `kubectl apply` review, and far more with server-side apply's managedFields).
    /// Why each is safe to leave out — every reader of a parsed review is `AdmissionEndpoint`
    /// (envelope fields, then `RayClusterValidator` / `RayClusterDefaulter` on `object` and
    /// `oldObject`); the Webhook module only logs the `AdmissionOutcome` (uid, operation, verdict):
    /// - `request.userInfo`, `request.options`, `request.resource`, `request.requestResource`,
    ///   `request.requestSubResource`: not read by anything (not kept in `AdmissionRequest`); who
    ///   asked, with which options, through which resource never changes a RayCluster verdict.
    /// - `metadata.managedFields` of both objects, and the other bookkeeping the apiserver writes
    ///   (`uid`, `resourceVersion`, `generation`, `creationTimestamp`): no rule and no default reads
    ///   them; the only code that names them, `StatusOnlyUpdate`, lists them among the bookkeeping
    ///   members it ignores. The defaulting patch only adds under `spec`, and the apiserver
    ///   validates metadata itself.
    /// - the last-applied annotation of both objects: rules read annotations only through
    ///   `ClusterFacts.annotations`, looked up by other keys (`ray.io/ft-enabled`, the external
    ///   storage namespace); reading the map also type-checks its values, which the apiserver
    ///   already did (metadata.annotations is a map of strings) — `skipIsExact` still checks the
    ///   skipped value is a string. The one place comparing annotations between objects,
    ///   `StatusOnlyUpdate`, is covered by `skipIsExact` too.
    /// Conversion from `ray.io/v1alpha1` does read whole annotation maps (their total size, an
    /// empty map): reviews whose objects are not `ray.io/v1` are parsed again in full.
    static let unreadMembers = JSONSkipPaths(unreadPaths)

    private static let objectLastAppliedPath = ["request", "object", "metadata", "annotations", lastAppliedAnnotation]
    private static let oldObjectLastAppliedPath = ["request", "oldObject", "metadata", "annotations", lastAppliedAnnotation]
    private static let unreadPaths: [[String]] = [
        ["request", "userInfo"],
        ["request", "options"],
        ["request", "object", "metadata", "managedFields"],
        ["request", "oldObject", "metadata", "managedFields"],
        objectLastAppliedPath,
        oldObjectLastAppliedPath,
        ["request", "resource"], ["request", "requestResource"], ["request", "requestSubResource"],
    ] + ["uid", "resourceVersion", "generation", "creationTimestamp"].flatMap { key in
        [["request", "object", "metadata", key], ["request", "oldObject", "metadata", key]]
    }
    /// Positions of the two last-applied paths in `unreadPaths`: what `JSONSkipReport` names them by.
    private static let objectLastApplied = unreadPaths.firstIndex(of: objectLastAppliedPath) ?? -1
    private static let oldObjectLastApplied = unreadPaths.firstIndex(of: oldObjectLastAppliedPath) ?? -1

    /// Whether the review parsed without `unreadMembers` gets the very verdict, warnings and patch
    /// the full review would. When not (rare: never for what an apiserver sends for ray.io/v1
    /// objects, except the UPDATE below), the caller parses the body again in full.
    static func skipIsExact(_ review: AdmissionReview, report: JSONSkipReport, body: [UInt8]) -> Bool {
        // Duplicate keys (which the apiserver never sends): whichever occurrence won, the skipped
        // bytes below might belong to one that lost. Not worth reasoning about.
        if report.hadDuplicateKeys { return false }
        var objectLastApplied: Range<Int>?
        var oldObjectLastApplied: Range<Int>?
        var seen = 0  // bit per path index
        for skipped in report.skipped {
            guard skipped.path >= 0 && skipped.path < Int.bitWidth else { return false }
            let bit = 1 << skipped.path
            if seen & bit != 0 { return false }  // a duplicated key on the path
            seen |= bit
            if skipped.path == Self.objectLastApplied || skipped.path == Self.oldObjectLastApplied {
                // `ClusterFacts` reports an annotation value that is not a string (or null).
                guard skipped.bytes.lowerBound < body.count, body[skipped.bytes.lowerBound] == 0x22 else { return false }
                if skipped.path == Self.objectLastApplied {
                    objectLastApplied = skipped.bytes
                } else {
                    oldObjectLastApplied = skipped.bytes
                }
            }
        }
        let request = review.request
        if request.kind.isRayCluster {
            // Only ray.io/v1 objects are judged as they are; others are converted (which reads
            // whole annotation maps) or not judged at all.
            for object in [request.object, request.oldObject] {
                guard let object else { continue }
                let apiVersion = object["apiVersion"]?.stringValue
                    ?? (request.kind.version.isEmpty ? nil : "ray.io/\(request.kind.version)")
                if apiVersion != "ray.io/v1" { return false }
            }
        }
        // UPDATE: `StatusOnlyUpdate` compares user metadata (annotations included) when the specs
        // are equal. Leaving the same member out of both objects can make unequal metadata equal,
        // never equal metadata unequal; so the verdict can only change when the skipped
        // annotations differ and the skipped objects look status-only.
        if let object = request.object, let oldObject = request.oldObject,
           !sameBytes(objectLastApplied, oldObjectLastApplied, in: body),
           StatusOnlyUpdate.isStatusOnly(new: object, old: oldObject) {
            return false
        }
        return true
    }

    /// Whether two skipped values are both absent or byte for byte the same.
    private static func sameBytes(_ a: Range<Int>?, _ b: Range<Int>?, in body: [UInt8]) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        guard a.count == b.count, a.upperBound <= body.count, b.upperBound <= body.count else { return false }
        return body[a].elementsEqual(body[b])
    }
}

/// The `response` of a review.
package struct AdmissionResponse: Sendable, Equatable {
    package var uid: String
    package var allowed: Bool
    /// A metav1.Status, sent only on denial.
    package var status: JSONValue?
    /// JSON Patch bytes (not yet base64); sent only when the patch has operations.
    package var patch: [UInt8]?
    package var warnings: [String]

    package init(uid: String, allowed: Bool, status: JSONValue? = nil, patch: [UInt8]? = nil, warnings: [String] = []) {
        self.uid = uid
        self.allowed = allowed
        self.status = status
        self.patch = patch
        self.warnings = warnings
    }

    /// The whole review answer, in the version of the request. Key order follows Go's
    /// encoding of admission/v1 types (kind, apiVersion, response{uid, allowed, status, patch,
    /// patchType, warnings}).
    package func review(_ version: AdmissionReviewVersion) -> JSONValue {
        var response = JSONObject()
        response["uid"] = .string(uid)
        response["allowed"] = .bool(allowed)
        if let status { response["status"] = status }
        if let patch {
            response["patch"] = .string(Base64.encode(patch))
            response["patchType"] = .string("JSONPatch")
        }
        if !warnings.isEmpty { response["warnings"] = .array(warnings.map { .string($0) }) }
        var review = JSONObject()
        review["kind"] = .string("AdmissionReview")
        review["apiVersion"] = .string(version.rawValue)
        review["response"] = .object(response)
        return .object(review)
    }
}
