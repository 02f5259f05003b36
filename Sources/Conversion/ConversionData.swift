// The annotation `ray.io/conversion-data`: JSON of what the other version cannot express,
// so converting back gives the object exactly. Its members:
// - "apiVersion": the version this data restores (data meant for the other version is ignored);
// - "spec": the residual of that version's spec (ConversionResidual.swift), absent when the plain
//   conversion already gives it back;
// - "annotation": a guard on that version's own `ray.io/conversion-data` annotation, when it had one
//   that is not conversion data for the other version (a foreign or malformed value), so that it
//   comes back too. Valid data is never guarded: it is regenerated, so guards cannot nest and grow;
// - "keepEmptyAnnotations" / "keepEmptyMetadata": the object had an empty map there, which must not
//   vanish when this annotation is removed.
import JSON
import RayAPI

struct ConversionData {
    var apiVersion: String
    var spec: JSONValue?
    /// Guard on the restored version's own conversion-data annotation.
    var annotation: JSONValue?
    var keepEmptyAnnotations = false
    var keepEmptyMetadata = false

    /// True when there is something to restore (flags alone restore nothing).
    var carriesData: Bool { spec != nil || annotation != nil }

    init(apiVersion: String, spec: JSONValue?) {
        self.apiVersion = apiVersion
        self.spec = spec
    }

    /// Reads the annotation value when it is data for `apiVersion`; nil otherwise (absent, not a
    /// string, not JSON, or meant for the other version).
    init?(annotation value: JSONValue?, restoring apiVersion: String) {
        guard let text = value?.stringValue,
              let parsed = try? JSONValue.parse(text),
              case .object(let object) = parsed,
              object["apiVersion"]?.stringValue == apiVersion else { return nil }
        self.apiVersion = apiVersion
        spec = object["spec"]
        annotation = object["annotation"]
        keepEmptyAnnotations = object["keepEmptyAnnotations"] == .bool(true)
        keepEmptyMetadata = object["keepEmptyMetadata"] == .bool(true)
    }

    /// Same members, same order, same literals: what serializes to the same text. `sameSpec`: the
    /// caller knows both specs are the very same residual, which spares walking it.
    func isIdentical(to other: ConversionData, sameSpec: Bool = false) -> Bool {
        apiVersion == other.apiVersion && keepEmptyAnnotations == other.keepEmptyAnnotations
            && keepEmptyMetadata == other.keepEmptyMetadata
            && (sameSpec || ConversionEquality.identical(spec, other.spec))
            && ConversionEquality.identical(annotation, other.annotation)
    }

    /// The annotation value, or nil when there is nothing to restore.
    func encoded() -> String? {
        guard carriesData else { return nil }
        var members: [JSONObject.Member] = [.init(key: "apiVersion", value: .string(apiVersion))]
        if let spec { members.append(.init(key: "spec", value: spec)) }
        if let annotation { members.append(.init(key: "annotation", value: annotation)) }
        if keepEmptyAnnotations { members.append(.init(key: "keepEmptyAnnotations", value: true)) }
        if keepEmptyMetadata { members.append(.init(key: "keepEmptyMetadata", value: true)) }
        return JSONValue.object(JSONObject(uniqueMembers: members)).jsonString
    }
}

/// Reading and writing the annotation on an object's metadata.
enum ConversionAnnotation {
    static let key = RayAnnotation.conversionData

    /// The object's own conversion-data annotation value, as it is (any JSON type).
    static func value(in root: JSONObject) -> JSONValue? {
        root["metadata"]?["annotations"]?[key]
    }

    /// Total bytes of the annotation keys and string values, as apimachinery counts them.
    static func totalSize(of root: JSONObject) -> Int? {
        guard case .object(let annotations)? = root["metadata"]?["annotations"] else { return nil }
        var total = 0
        for member in annotations {
            total = total &+ member.key.utf8.count &+ (member.value.stringValue?.utf8.count ?? 0)
        }
        return total
    }

    /// The keep-empty flags describing an object's metadata: it has an empty annotations map, or
    /// empty metadata. (A map holding only our annotation gets its annotation back, so never ends
    /// up empty on the way back.)
    static func flags(of root: JSONObject) -> (annotations: Bool, metadata: Bool) {
        guard case .object(let metadata)? = root["metadata"] else { return (false, false) }
        var annotations = false
        if case .object(let map)? = metadata["annotations"] { annotations = map.isEmpty }
        return (annotations, metadata.isEmpty)
    }

    /// Replaces the annotation with `value` (nil removes it). A map emptied by the removal goes
    /// away unless `keep` says the object had it empty.
    static func set(_ value: JSONValue?, in root: inout JSONObject,
                    keepEmptyAnnotations: Bool, keepEmptyMetadata: Bool) throws(ConversionError) {
        guard let metadataValue = root["metadata"] else {
            guard let value else { return }
            root["metadata"] = .object(JSONObject([("annotations", .object(JSONObject([(key, value)])))]))
            return
        }
        guard case .object(var metadata) = metadataValue else {
            if value == nil { return }
            throw ConversionError("metadata is not an object, so the conversion data cannot be stored")
        }
        switch metadata["annotations"] {
        case nil:
            guard let value else { return }
            metadata["annotations"] = .object(JSONObject([(key, value)]))
        case .object(var annotations)?:
            guard annotations[key] != nil || value != nil else { return }
            annotations[key] = value
            if annotations.isEmpty && !keepEmptyAnnotations {
                metadata["annotations"] = nil
            } else {
                metadata["annotations"] = .object(annotations)
            }
        case .some:
            if value == nil { return }
            throw ConversionError("metadata.annotations is not an object, so the conversion data cannot be stored")
        }
        if metadata.isEmpty && !keepEmptyMetadata {
            root["metadata"] = nil
        } else {
            root["metadata"] = .object(metadata)
        }
    }
}
