/// RFC 7386 JSON merge patches: `diff(from:to:)` makes the patch that turns one value into the
/// other, `apply` applies one. The controller writes a RayCluster's status as such a patch, so it
/// never needs the object's resourceVersion (it is the only writer of status) and never meets a
/// 409 Conflict from a stale cache.
///
/// Merge patches cannot express an explicit `null` member (null means "remove"), and they
/// replace arrays whole; both are fine for status objects.
package enum JSONMergePatch {
    /// The patch from `old` to `new`, or nil when they are equal. Members that vanished become
    /// `null`; objects are diffed member by member; everything else is replaced.
    package static func diff(from old: JSONValue, to new: JSONValue) -> JSONValue? {
        guard case .object(let oldObject) = old, case .object(let newObject) = new else {
            if old == new { return nil }
            return new
        }
        var patch = JSONObject()
        // Members of the old object in their order (changed or removed), then the new ones.
        for member in oldObject {
            guard let replacement = newObject[member.key] else {
                patch[member.key] = JSONValue.null
                continue
            }
            guard let change = diff(from: member.value, to: replacement) else { continue }
            patch[member.key] = change
        }
        for member in newObject where oldObject[member.key] == nil {
            patch[member.key] = member.value
        }
        if patch.isEmpty { return nil }
        return .object(patch)
    }

    /// `patch` applied to `target` (RFC 7386 §2).
    package static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var result: JSONObject
        if case .object(let targetObject) = target { result = targetObject } else { result = JSONObject() }
        for member in patchObject {
            if member.value.isNull {
                result[member.key] = nil
            } else {
                result[member.key] = apply(member.value, to: result[member.key] ?? .null)
            }
        }
        return .object(result)
    }
}
