// Read-only typed views of the original Ray operator's `ray.io/v1alpha1` RayCluster
//: `clusterName`, `images.defaultImage`, `imagePullPolicy` and one
// `extensions[]` entry per pod group. As every view, they wrap the JSON they read and never drop
// a field; nil means absent, null or wrong-typed.
import JSON

/// The original operator's API version, namespaced so its names cannot clash with v1's views.
package enum V1Alpha1 {
    /// A `ray.io/v1alpha1` RayCluster.
    package struct RayCluster: JSONView {
        package let json: JSONValue
        package init(_ json: JSONValue) { self.json = json }

        package var apiVersion: String? { json.string("apiVersion") }
        package var kind: String? { json.string("kind") }
        package var metadata: ObjectMeta? { json.view("metadata") }
        package var spec: Spec? { json.view("spec") }

        /// True for `apiVersion: ray.io/v1alpha1`, `kind: RayCluster`.
        package var isV1Alpha1: Bool { apiVersion == RayAPIGroup.v1alpha1 && kind == RayAPIGroup.kind }
    }

    /// `RayClusterSpec` of the original operator.
    package struct Spec: JSONView {
        package let json: JSONValue
        package init(_ json: JSONValue) { self.json = json }

        /// Required by its CRD but never read by the original controller (it used metadata.name).
        package var clusterName: String? { json.string("clusterName") }
        /// `images.defaultImage`: the image of every extension that names none.
        package var defaultImage: String? { json.objectMember("images")?.string("defaultImage") }
        /// Copied to every container.
        package var imagePullPolicy: String? { json.string("imagePullPolicy") }
        package var extensions: [Extension]? { json.views("extensions") }

        /// The head group as the original operator saw it: the first extension whose type is
        /// `head` (case-insensitively, as its Service logic compared).
        package var headExtension: Extension? { extensions?.first { $0.isHead } }
    }

    /// One pod group (`extensions[]` entry).
    package struct Extension: JSONView {
        package let json: JSONValue
        package init(_ json: JSONValue) { self.json = json }

        package var replicas: Int64? { json.int64("replicas") }
        /// `head` or `worker` (no enum in the original CRD).
        package var type: String? { json.string("type") }
        package var image: String? { json.string("image") }
        package var groupName: String? { json.string("groupName") }
        /// Run as `/bin/bash -c -- <command>`.
        package var command: String? { json.string("command") }
        package var labels: [String: String]? { json.stringMap("labels") }
        package var serviceAccountName: String? { json.string("serviceAccountName") }
        package var nodeSelector: [String: String]? { json.stringMap("nodeSelector") }
        package var affinity: JSONValue? { json.objectMember("affinity") }
        package var resources: JSONValue? { json.objectMember("resources") }
        package var tolerations: [JSONValue]? { json["tolerations"]?.arrayValue }
        package var containerEnv: [JSONValue]? { json["containerEnv"]?.arrayValue }
        /// Never used by the original controller.
        package var headServiceSuffix: String? { json.string("headServiceSuffix") }
        package var annotations: [String: String]? { json.stringMap("annotations") }
        package var volumes: [JSONValue]? { json["volumes"]?.arrayValue }
        package var volumeMounts: [JSONValue]? { json["volumeMounts"]?.arrayValue }

        /// `type` equals `head` ignoring ASCII case.
        package var isHead: Bool { type.map { V1Alpha1.isHeadType($0) } ?? false }
    }

    /// `head` ignoring ASCII case (Go's strings.EqualFold over the ASCII letters that matter here).
    package static func isHeadType(_ type: String) -> Bool {
        let bytes = Array(type.utf8)
        let head = Array("head".utf8)
        guard bytes.count == head.count else { return false }
        for (a, b) in zip(bytes, head) where a != b && a != b &- 0x20 { return false }
        return true
    }
}

/// What the conversion data (annotation `ray.io/conversion-data`, written by the conversion in
/// module Admission) of a `ray.io/v1` object records about its v1alpha1 form, for readers of v1.
package enum RayClusterConversion {
    /// The head group's name: `headgroup` (KubeRay's) unless the object was written as v1alpha1
    /// with another `groupName` on its head extension.
    package static func headGroupName(of object: JSONValue) -> String {
        recordedHeadGroupName(of: object) ?? RayNaming.defaultHeadGroupName
    }

    /// The head extension's `groupName` recorded in the conversion data, when it differs from the
    /// default and is a string.
    package static func recordedHeadGroupName(of object: JSONValue) -> String? {
        guard let text = object["metadata"]?["annotations"]?[RayAnnotation.conversionData]?.stringValue,
              let data = try? JSONValue.parse(text),
              data["apiVersion"] == .string(RayAPIGroup.v1alpha1),
              case .array(let keys)? = data["spec"]?["extensions"]?["keys"],
              case .array(let items)? = data["spec"]?["extensions"]?["items"],
              let head = keys.firstIndex(of: .string("head")), head < items.count else { return nil }
        // A guard {"$": {"value": <name as written>, "projected": "headgroup"}}; the marker `true`
        // means the name is the default.
        guard let recorded = items[head]["groupName"]?["$"]?["value"]?.stringValue else { return nil }
        return recorded
    }
}
