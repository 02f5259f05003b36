// Read-only typed views of the original Ray operator's `ray.io/v1alpha1` RayCluster
//: `clusterName`, `images.defaultImage`, `imagePullPolicy` and one
// `extensions[]` entry per pod group. As every view, they wrap the JSON they read and never drop
// a field; nil means absent, null or wrong-typed.
import JSON

/// The original operator's API version, namespaced so its names cannot clash with v1's views.
public enum V1Alpha1 {
    /// A `ray.io/v1alpha1` RayCluster.
    public struct RayCluster: JSONView {
        public let json: JSONValue
        public init(_ json: JSONValue) { self.json = json }

        public var apiVersion: String? { json.string("apiVersion") }
        public var kind: String? { json.string("kind") }
        public var metadata: ObjectMeta? { json.view("metadata") }
        public var spec: Spec? { json.view("spec") }

        /// True for `apiVersion: ray.io/v1alpha1`, `kind: RayCluster`.
        public var isV1Alpha1: Bool { apiVersion == RayAPIGroup.v1alpha1 && kind == RayAPIGroup.kind }
    }

    /// `RayClusterSpec` of the original operator.
    public struct Spec: JSONView {
        public let json: JSONValue
        public init(_ json: JSONValue) { self.json = json }

        /// Required by its CRD but never read by the original controller (it used metadata.name).
        public var clusterName: String? { json.string("clusterName") }
        /// `images.defaultImage`: the image of every extension that names none.
        public var defaultImage: String? { json.objectMember("images")?.string("defaultImage") }
        /// Copied to every container.
        public var imagePullPolicy: String? { json.string("imagePullPolicy") }
        public var extensions: [Extension]? { json.views("extensions") }

        /// The head group as the original operator saw it: the first extension whose type is
        /// `head` (case-insensitively, as its Service logic compared).
        public var headExtension: Extension? { extensions?.first { $0.isHead } }
    }

    /// One pod group (`extensions[]` entry).
    public struct Extension: JSONView {
        public let json: JSONValue
        public init(_ json: JSONValue) { self.json = json }

        public var replicas: Int64? { json.int64("replicas") }
        /// `head` or `worker` (no enum in the original CRD).
        public var type: String? { json.string("type") }
        public var image: String? { json.string("image") }
        public var groupName: String? { json.string("groupName") }
        /// Run as `/bin/bash -c -- <command>`.
        public var command: String? { json.string("command") }
        public var labels: [String: String]? { json.stringMap("labels") }
        public var serviceAccountName: String? { json.string("serviceAccountName") }
        public var nodeSelector: [String: String]? { json.stringMap("nodeSelector") }
        public var affinity: JSONValue? { json.objectMember("affinity") }
        public var resources: JSONValue? { json.objectMember("resources") }
        public var tolerations: [JSONValue]? { json["tolerations"]?.arrayValue }
        public var containerEnv: [JSONValue]? { json["containerEnv"]?.arrayValue }
        /// Never used by the original controller.
        public var headServiceSuffix: String? { json.string("headServiceSuffix") }
        public var annotations: [String: String]? { json.stringMap("annotations") }
        public var volumes: [JSONValue]? { json["volumes"]?.arrayValue }
        public var volumeMounts: [JSONValue]? { json["volumeMounts"]?.arrayValue }

        /// `type` equals `head` ignoring ASCII case.
        public var isHead: Bool { type.map { V1Alpha1.isHeadType($0) } ?? false }
    }

    /// `head` ignoring ASCII case (Go's strings.EqualFold over the ASCII letters that matter here).
    public static func isHeadType(_ type: String) -> Bool {
        let bytes = Array(type.utf8)
        let head = Array("head".utf8)
        guard bytes.count == head.count else { return false }
        for (a, b) in zip(bytes, head) where a != b && a != b &- 0x20 { return false }
        return true
    }
}

/// What the conversion data (annotation `ray.io/conversion-data`, written by the conversion in
/// module Admission) of a `ray.io/v1` object records about its v1alpha1 form, for readers of v1.
public enum RayClusterConversion {
    /// The head group's name: `headgroup` (KubeRay's) unless the object was written as v1alpha1
    /// with another `groupName` on its head extension.
    public static func headGroupName(of object: JSONValue) -> String {
        recordedHeadGroupName(of: object) ?? RayNaming.defaultHeadGroupName
    }

    /// The head extension's `groupName` recorded in the conversion data, when it differs from the
    /// default and is a string.
    public static func recordedHeadGroupName(of object: JSONValue) -> String? {
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
