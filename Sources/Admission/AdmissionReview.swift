import RayAPI

/// The two AdmissionReview versions kube-apiserver speaks; we answer in the one received.
public enum AdmissionReviewVersion: String, Sendable, Equatable, CaseIterable {
    case v1 = "admission.k8s.io/v1"
    case v1beta1 = "admission.k8s.io/v1beta1"
}

/// `{group, version, kind}` as the review carries it in `kind` and `requestKind`.
public struct GroupVersionKind: Sendable, Equatable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String
    public init(group: String, version: String, kind: String) {
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
    public var isRayCluster: Bool { group == "ray.io" && kind == "RayCluster" }

    /// `ray.io/v1, Kind=RayCluster`, as apimachinery prints a GVK.
    public var description: String {
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return "\(groupVersion), Kind=\(kind)"
    }
}

/// The admission operations the apiserver sends.
public enum AdmissionOperation: String, Sendable, Equatable {
    case create = "CREATE"
    case update = "UPDATE"
    case delete = "DELETE"
    case connect = "CONNECT"
}

/// The parts of `request` we use (webhook-protocol.md §1.1). Everything else is ignored.
public struct AdmissionRequest: Sendable, Equatable {
    public var uid: String
    public var kind: GroupVersionKind
    /// The GVK of the original request (differs from `kind` when the apiserver converted).
    public var requestKind: GroupVersionKind?
    public var subResource: String
    public var name: String
    public var namespace: String
    public var operation: AdmissionOperation
    /// The new object; nil for DELETE (sent as `null`).
    public var object: JSONValue?
    /// The old object; nil for CREATE and CONNECT.
    public var oldObject: JSONValue?
    public var dryRun: Bool
}

/// A parsed AdmissionReview request envelope.
public struct AdmissionReview: Sendable, Equatable {
    public var version: AdmissionReviewVersion
    public var request: AdmissionRequest
}

/// Why a body is not an AdmissionReview we can answer: the endpoint sends it as HTTP 400.
public struct AdmissionReviewError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension AdmissionReview {
    /// Limits for the review body's JSON: Kubernetes objects nest far less than 100 deep (a pod
    /// template with affinity terms is ~15); a review carries up to two objects of at most 3 MiB.
    public static let parseLimits = JSONParseLimits(maxDepth: 100, maxBytes: 7 << 20)

    /// Parses and checks a review body.
    public static func parse(_ body: [UInt8]) throws(AdmissionReviewError) -> AdmissionReview {
        if body.isEmpty { throw AdmissionReviewError("request body is empty; expected an AdmissionReview") }
        let document: JSONValue
        do {
            document = try JSONValue.parse(body, limits: parseLimits)
        } catch {
            throw AdmissionReviewError("request body is not valid JSON: \(error)")
        }
        return try parse(document)
    }

    /// Checks an already parsed review document.
    public static func parse(_ document: JSONValue) throws(AdmissionReviewError) -> AdmissionReview {
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

/// The `response` of a review (webhook-protocol.md §1.2).
public struct AdmissionResponse: Sendable, Equatable {
    public var uid: String
    public var allowed: Bool
    /// A metav1.Status, sent only on denial.
    public var status: JSONValue?
    /// JSON Patch bytes (not yet base64); sent only when the patch has operations.
    public var patch: [UInt8]?
    public var warnings: [String]

    public init(uid: String, allowed: Bool, status: JSONValue? = nil, patch: [UInt8]? = nil, warnings: [String] = []) {
        self.uid = uid
        self.allowed = allowed
        self.status = status
        self.patch = patch
        self.warnings = warnings
    }

    /// The whole review answer, in the version of the request. Key order follows Go's
    /// encoding of admission/v1 types (kind, apiVersion, response{uid, allowed, status, patch,
    /// patchType, warnings}).
    public func review(_ version: AdmissionReviewVersion) -> JSONValue {
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
