// The `apiextensions.k8s.io/v1` ConversionReview envelope: reading the
// request, converting every object in order, and the response the API server checks (same uid,
// same count and order, each at the desired apiVersion; a failure is `result.status: Failure` with a
// message that names the object).
import JSON
import RayAPI

/// A ConversionReview request as read from the wire.
package struct ConversionReviewRequest: Sendable, Equatable {
    /// The review's own apiVersion, echoed in the response.
    package var apiVersion: String
    package var uid: JSONValue
    package var desiredAPIVersion: String
    package var objects: [JSONValue]
}

/// Why a body is not a ConversionReview (an HTTP 400).
package struct ConversionReviewError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

package enum ConversionReview {
    /// Review versions we answer: the API server sends `v1` (apiextensions.k8s.io/v1 CRDs require it).
    package static let apiVersions = ["apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"]
    package static let kind = "ConversionReview"

    /// Reads a parsed body as a ConversionReview request.
    package static func request(from body: JSONValue) throws(ConversionReviewError) -> ConversionReviewRequest {
        guard case .object(let review) = body else {
            throw ConversionReviewError("expected a ConversionReview object, got a JSON \(body.typeName)")
        }
        guard let kind = review["kind"]?.stringValue, kind == Self.kind else {
            throw ConversionReviewError("kind must be ConversionReview")
        }
        guard let apiVersion = review["apiVersion"]?.stringValue, apiVersions.contains(apiVersion) else {
            throw ConversionReviewError("apiVersion must be apiextensions.k8s.io/v1")
        }
        guard case .object(let request)? = review["request"] else {
            throw ConversionReviewError("request is missing")
        }
        guard let uid = request["uid"], uid.stringValue != nil else {
            throw ConversionReviewError("request.uid is missing")
        }
        guard let desired = request["desiredAPIVersion"]?.stringValue else {
            throw ConversionReviewError("request.desiredAPIVersion is missing")
        }
        guard case .array(let objects)? = request["objects"] else {
            throw ConversionReviewError("request.objects is missing")
        }
        return ConversionReviewRequest(apiVersion: apiVersion, uid: uid, desiredAPIVersion: desired, objects: objects)
    }

    /// The response review: every object converted, or a Failure naming the first that is not.
    package static func respond(to request: ConversionReviewRequest) -> JSONValue {
        var converted: [JSONValue] = []
        converted.reserveCapacity(request.objects.count)
        for (index, object) in request.objects.enumerated() {
            do {
                converted.append(try RayClusterConverter.convert(object, to: request.desiredAPIVersion))
            } catch {
                return failure(request, objectIndex: index, error)
            }
        }
        return response(request, convertedObjects: converted, result: [("status", "Success")])
    }

    /// The response for a review whose object `objectIndex` (the first in request order that
    /// fails) cannot be converted: no objects, a Failure naming it.
    static func failure(_ request: ConversionReviewRequest, objectIndex index: Int, _ error: ConversionError) -> JSONValue {
        let object = request.objects.indices.contains(index) ? request.objects[index] : .null
        return failure(request, objectIndex: index, objectName: objectName(object), error)
    }

    /// The same, given the failing object's `objectName` (the request need not hold the objects).
    static func failure(_ request: ConversionReviewRequest, objectIndex index: Int, objectName name: String,
                        _ error: ConversionError) -> JSONValue {
        let message = "cannot convert \(name) (objects[\(index)]) to \(request.desiredAPIVersion): \(error.message)"
        return response(request, convertedObjects: [], result: [("status", "Failure"), ("message", .string(message))])
    }

    static func response(_ request: ConversionReviewRequest, convertedObjects: [JSONValue],
                                 result: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(uniqueMembers: [
            .init(key: "apiVersion", value: .string(request.apiVersion)),
            .init(key: "kind", value: .string(kind)),
            .init(key: "response", value: .object(JSONObject(uniqueMembers: [
                .init(key: "uid", value: request.uid),
                .init(key: "convertedObjects", value: .array(convertedObjects)),
                .init(key: "result", value: .object(JSONObject(result))),
            ]))),
        ]))
    }

    /// `Kind namespace/name` of an object for messages (`RayCluster default/raycluster-sample`).
    package static func objectName(_ object: JSONValue) -> String {
        let kind = object["kind"]?.stringValue ?? "object"
        let name = object["metadata"]?["name"]?.stringValue ?? object["metadata"]?["generateName"]?.stringValue ?? "<unnamed>"
        if let namespace = object["metadata"]?["namespace"]?.stringValue, !namespace.isEmpty {
            return "\(kind) \(namespace)/\(name)"
        }
        return "\(kind) \(name)"
    }
}
