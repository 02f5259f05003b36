// Lossless conversion of one RayCluster between ray.io/v1alpha1 and ray.io/v1.
// The plain mappings are in ConversionV1Alpha1ToV1.swift / ConversionV1ToV1Alpha1.swift, what they
// cannot express travels in the annotation of ConversionData.swift as the residual of
// ConversionResidual.swift. Only `apiVersion`, `spec` and that annotation change; metadata, status
// and every other member pass through untouched and in place.
import JSON
import RayAPI

package struct ConversionError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Lossless conversion between `ray.io/v1alpha1` and `ray.io/v1`.
package enum RayClusterConverter {
    /// Largest own annotation value kept (guarded) across a conversion: annotations of an object
    /// total at most 256 KiB, so nested guards must not grow without end.
    static let maxGuardedAnnotationBytes = 64 << 10

    /// Kubernetes' limit on the total size of an object's annotations (keys and values), which the
    /// API server checks on converted objects too (apimachinery TotalAnnotationSizeLimitB).
    package static let maxTotalAnnotationBytes = 256 << 10

    /// Converts one RayCluster object to `apiVersion` (`ray.io/v1` or `ray.io/v1alpha1`). An object
    /// already at that version is returned unchanged.
    package static func convert(_ object: JSONValue, to apiVersion: String) throws(ConversionError) -> JSONValue {
        guard case .object(var root) = object else {
            throw ConversionError("expected a RayCluster object, got a JSON \(object.typeName)")
        }
        guard RayAPIGroup.servedAPIVersions.contains(apiVersion) else {
            throw ConversionError("cannot convert to \(quoted(apiVersion)): RayCluster is served as ray.io/v1 and ray.io/v1alpha1")
        }
        guard let kind = root["kind"]?.stringValue, kind == RayAPIGroup.kind else {
            throw ConversionError("kind is \(describe(root["kind"])), expected RayCluster")
        }
        guard let from = root["apiVersion"]?.stringValue, RayAPIGroup.servedAPIVersions.contains(from) else {
            throw ConversionError("apiVersion is \(describe(root["apiVersion"])), expected ray.io/v1 or ray.io/v1alpha1")
        }
        if from == apiVersion { return object }

        let name = root["metadata"]?["name"]
        let ownAnnotation = ConversionAnnotation.value(in: root)
        let restoring = ConversionData(annotation: ownAnnotation, restoring: apiVersion)

        // The target spec: the plain conversion, with what the annotation kept for this version.
        let source = root["spec"]
        let fresh = plain(source, to: apiVersion, name: name)
        var target = fresh
        var clean = true
        if let residual = restoring?.spec {
            target = ConversionResidual.fill(residual, fresh, ConversionShapes.spec(forAPIVersion: apiVersion), clean: &clean)
        }

        // What converting the target straight back would miss of the source.
        let back = plain(target, to: from, name: name)
        var data = ConversionData(apiVersion: from, spec: nil)
        if !ConversionEquality.same(source, back) {
            data.spec = ConversionResidual.build(source, back, ConversionShapes.spec(forAPIVersion: from))
        }
        let flags = ConversionAnnotation.flags(of: root)
        data.keepEmptyAnnotations = flags.annotations
        data.keepEmptyMetadata = flags.metadata

        let core = data.encoded().map(JSONValue.string)

        // The target's own annotation: the data above, unless the source's data guarded the
        // target's own value and what that guard projected is still what we would write.
        let ownGuardOfTarget = restoring?.annotation.flatMap(ConversionResidual.asGuard)
        func targetAnnotation(_ data: ConversionData) -> JSONValue? {
            if let guarded = ownGuardOfTarget, ConversionEquality.same(core, guarded.projected) { return guarded.value }
            return data.annotation == nil ? core : data.encoded().map(JSONValue.string)
        }

        // The source's own annotation comes back as the data that restores this target, which the
        // way back regenerates; anything else it held (a foreign value, data describing fields
        // edited since) is guarded so that it comes back as it was. What is regenerated depends on
        // the target's final metadata, which depends on the guard: settle it in two rounds.
        var regenerated = ConversionData(apiVersion: apiVersion, spec: nil)
        if let residual = restoring?.spec {
            if clean {
                regenerated.spec = residual  // what building it again would give, without the work
            } else if !ConversionEquality.same(target, fresh) {
                regenerated.spec = ConversionResidual.build(target, fresh, ConversionShapes.spec(forAPIVersion: apiVersion))
            }
        }
        let keepAnnotations = restoring?.keepEmptyAnnotations ?? false
        let keepMetadata = restoring?.keepEmptyMetadata ?? false
        var annotation = targetAnnotation(data)
        // With no own annotation nothing is regenerated, so no guard is needed.
        for _ in 0..<(ownAnnotation == nil ? 0 : 2) {
            var final = root
            try ConversionAnnotation.set(annotation, in: &final, keepEmptyAnnotations: keepAnnotations, keepEmptyMetadata: keepMetadata)
            let targetFlags = ConversionAnnotation.flags(of: final)
            regenerated.keepEmptyAnnotations = targetFlags.annotations
            regenerated.keepEmptyMetadata = targetFlags.metadata
            var ownGuard: JSONValue?
            // Our own data, as we would write it again, needs no guard (compared as parsed, which
            // spares serializing it; our serializer is deterministic).
            if let restoring, restoring.annotation == nil, regenerated.carriesData,
               restoring.isIdentical(to: regenerated, sameSpec: clean) {
                ownGuard = nil
            } else if let expected = Optional(regenerated.encoded().map(JSONValue.string)),
                      !ConversionEquality.same(ownAnnotation, expected) {
                let guarded = ConversionResidual.guardValue(value: ownAnnotation, projected: expected)
                // Guards only nest when both sides keep being edited; past this size the source's
                // annotation is left to be regenerated instead.
                if guarded.serialized().count <= maxGuardedAnnotationBytes { ownGuard = guarded }
            }
            if ConversionEquality.same(ownGuard, data.annotation) { break }
            data.annotation = ownGuard
            annotation = targetAnnotation(data)
        }

        root["apiVersion"] = .string(apiVersion)
        root["spec"] = target
        try ConversionAnnotation.set(annotation, in: &root, keepEmptyAnnotations: keepAnnotations, keepEmptyMetadata: keepMetadata)
        // The API server rejects a converted object whose annotations exceed its limit; say why here.
        if annotation != nil, let total = ConversionAnnotation.totalSize(of: root), total > maxTotalAnnotationBytes {
            throw ConversionError("the \(RayAnnotation.conversionData) annotation needed to convert this object losslessly would bring its annotations to \(total) bytes, over the \(maxTotalAnnotationBytes)-byte limit of Kubernetes; keep the object in \(from)")
        }
        return .object(root)
    }

    /// The plain conversion of a spec, without residual.
    static func plain(_ spec: JSONValue?, to apiVersion: String, name: JSONValue?) -> JSONValue? {
        apiVersion == RayAPIGroup.v1
            ? ConversionV1Alpha1ToV1.spec(spec)
            : ConversionV1ToV1Alpha1.spec(spec, name: name)
    }

    private static func describe(_ value: JSONValue?) -> String {
        guard let value else { return "missing" }
        if let text = value.stringValue { return quoted(text) }
        return "a JSON \(value.typeName)"
    }

    private static func quoted(_ text: String) -> String {
        JSONValue.string(text).jsonString
    }
}
