// The residual: what converting X → Y → X needs, beyond Y, to give X back exactly, and how edits
// made to Y win over it.
//
// `build(x, fresh)` compares the source spec X with `fresh`, the spec that converting Y straight
// back would give (no residual), along the shared-structure tree (ConversionShape.swift):
// - a mapped member equal in both is stored as the marker `true` (it only holds the member's place,
//   so key order survives);
// - a mapped member that differs is stored as a guard `{"$": {"value": X's, "projected": fresh's}}`
//   (either side may be absent);
// - members only X's version has are stored verbatim;
// - pod groups are stored as `{"keys": [...], "items": [...]}`, matched back by identity.
// `fill(residual, fresh)` undoes it against a new fresh spec: markers take the fresh value, a guard
// restores X's value only while the fresh value still equals the one projected at conversion time
// (otherwise someone edited that field through the other version, and the edit wins), verbatim
// members come back as they were, groups deleted through the other version stay deleted and new
// ones come in as converted.
import JSON
import RayAPI

enum ConversionResidual {
    static let marker: JSONValue = .bool(true)
    static let guardKey = "$"

    // MARK: Guards

    static func guardValue(value: JSONValue?, projected: JSONValue?) -> JSONValue {
        var members: [JSONObject.Member] = []
        if let value { members.append(.init(key: "value", value: value)) }
        if let projected { members.append(.init(key: "projected", value: projected)) }
        return .object(JSONObject(uniqueMembers: [.init(key: guardKey, value: .object(JSONObject(uniqueMembers: members)))]))
    }

    /// The guard's two sides when `residual` is a guard.
    static func asGuard(_ residual: JSONValue) -> (value: JSONValue?, projected: JSONValue?)? {
        guard case .object(let outer) = residual, outer.count == 1,
              case .object(let inner)? = outer[guardKey] else { return nil }
        return (inner["value"], inner["projected"])
    }

    private static func leaf(_ x: JSONValue?, _ fresh: JSONValue?) -> JSONValue? {
        if ConversionEquality.same(x, fresh) { return x == nil ? nil : marker }
        return guardValue(value: x, projected: fresh)
    }

    // MARK: Build

    /// The residual of `x` against `fresh` at a node of the given shape; nil when nothing is stored.
    static func build(_ x: JSONValue?, _ fresh: JSONValue?, _ shape: ConversionShape) -> JSONValue? {
        switch shape {
        case .mapped:
            return leaf(x, fresh)
        case .object(let members), .group(let members):
            guard case .object(let object)? = x else { return leaf(x, fresh) }
            let residual = buildObject(object, fresh?.objectValue, members)
            // An object that happens to look like a guard is kept whole, so reading is unambiguous.
            if asGuard(residual) != nil { return guardValue(value: x, projected: fresh) }
            return residual
        case .firstElement(let members):
            guard case .array(let elements)? = x, case .object(let first)? = elements.first else { return leaf(x, fresh) }
            var out: [JSONValue] = []
            out.reserveCapacity(elements.count)
            out.append(buildObject(first, fresh?[0]?.objectValue, members))
            out.append(contentsOf: elements.dropFirst())
            return .array(out)
        case .groups(let element, let pinsHead):
            guard case .array(let elements)? = x, let freshElements = fresh?.arrayValue,
                  freshElements.count == elements.count,
                  let objects = allObjects(elements) else { return leaf(x, fresh) }
            // Where each source group landed in `fresh`: in order, except that converting through v1
            // moves the head group (the first `type: head` extension) to the end.
            let head = pinsHead ? ConversionV1Alpha1ToV1.headIndex(objects) : nil
            var keys: [JSONValue] = []
            var items: [JSONValue] = []
            keys.reserveCapacity(objects.count)
            items.reserveCapacity(objects.count)
            for (i, object) in objects.enumerated() {
                let target: Int
                if let head {
                    target = i == head ? objects.count &- 1 : (i < head ? i : i &- 1)
                } else {
                    target = i
                }
                let freshGroup = freshElements[target]
                keys.append(.string(ConversionGroupKey.of(freshGroup)))
                items.append(buildObject(object, freshGroup.objectValue, element))
            }
            return .object(JSONObject(uniqueMembers: [.init(key: "keys", value: .array(keys)),
                                                      .init(key: "items", value: .array(items))]))
        }
    }

    private static func buildObject(_ x: JSONObject, _ fresh: JSONObject?, _ members: ConversionShapeMembers) -> JSONValue {
        var out: [JSONObject.Member] = []
        out.reserveCapacity(x.count)
        for member in x {
            if let shape = members[member.key] {
                if let residual = build(member.value, fresh?[member.key], shape) {
                    out.append(.init(key: member.key, value: residual))
                }
            } else {
                out.append(member)
            }
        }
        // Shared members X lacks but the way back would produce: guards that remove them again.
        if let fresh {
            for member in fresh where x[member.key] == nil {
                if let shape = members[member.key], let residual = build(nil, member.value, shape) {
                    out.append(.init(key: member.key, value: residual))
                }
            }
        }
        return .object(JSONObject(uniqueMembers: out))
    }

    private static func allObjects(_ elements: [JSONValue]) -> [JSONObject]? {
        var objects: [JSONObject] = []
        objects.reserveCapacity(elements.count)
        for element in elements {
            guard case .object(let object) = element else { return nil }
            objects.append(object)
        }
        return objects
    }

    // MARK: Fill

    /// Applies a residual to a freshly converted spec; nil when the result is absent. `clean`
    /// turns false when anything was edited on the other side (a guard that no longer holds, a
    /// shared member or group that is new or gone): while it stays true, building the residual
    /// of the result against the same fresh spec gives back this very residual.
    static func fill(_ residual: JSONValue?, _ fresh: JSONValue?, _ shape: ConversionShape, clean: inout Bool) -> JSONValue? {
        guard let residual else {
            if fresh != nil { clean = false }
            return fresh
        }
        if residual == marker {
            if fresh == nil { clean = false }
            return fresh
        }
        if let guarded = asGuard(residual) {
            if ConversionEquality.same(fresh, guarded.projected) { return guarded.value }
            clean = false
            return fresh
        }
        switch shape {
        case .mapped:
            clean = false
            return fresh  // not a residual we wrote: the fresh value
        case .object(let members):
            guard case .object(let stored) = residual else {
                clean = false
                return fresh
            }
            return fillObject(stored, fresh?.objectValue, members, clean: &clean)
        case .group(let members):
            guard case .object(let stored) = residual else {
                clean = false
                return fresh
            }
            // A group removed through the other version stays removed.
            guard let freshGroup = fresh?.objectValue else {
                clean = false
                return nil
            }
            return fillObject(stored, freshGroup, members, clean: &clean)
        case .firstElement(let members):
            guard case .array(let stored) = residual, case .object(let first)? = stored.first else {
                clean = false
                return fresh
            }
            var out: [JSONValue] = []
            out.reserveCapacity(stored.count)
            out.append(fillObject(first, fresh?[0]?.objectValue, members, clean: &clean))
            out.append(contentsOf: stored.dropFirst())
            return .array(out)
        case .groups(let element, let pinsHead):
            guard case .array(let keys)? = residual["keys"], case .array(let items)? = residual["items"],
                  keys.count == items.count else {
                clean = false
                return fresh
            }
            return .array(fillGroups(keys: keys, items: items, fresh: fresh?.arrayValue ?? [], element: element,
                                     pinsHead: pinsHead, clean: &clean))
        }
    }

    private static func fillGroups(keys: [JSONValue], items: [JSONValue], fresh: [JSONValue],
                                   element: ConversionShapeMembers, pinsHead: Bool, clean: inout Bool) -> [JSONValue] {
        // Stored groups by identity, each key's occurrences in order (linear overall).
        var slots: [String: [Int]] = [:]
        let count = min(keys.count, items.count)
        for i in 0..<count {
            if let key = keys[i].stringValue { slots[key, default: []].append(i) }
        }
        var taken: [String: Int] = [:]
        var out: [JSONValue] = []
        out.reserveCapacity(fresh.count)
        var headAt: Int?
        for group in fresh {
            let key = ConversionGroupKey.of(group)
            if key == ConversionGroupKey.head { headAt = out.count }
            let next = taken[key, default: 0]
            if let indices = slots[key], next < indices.count, case .object(let stored) = items[indices[next]] {
                taken[key] = next &+ 1
                out.append(fillObject(stored, group.objectValue, element, clean: &clean))
            } else {
                clean = false
                out.append(group)
            }
        }
        if out.count != count { clean = false }
        // The head extension goes back to where it was among the extensions.
        if pinsHead, let from = headAt,
           let storedHead = keys.prefix(count).firstIndex(of: .string(ConversionGroupKey.head)) {
            let to = min(storedHead, out.count &- 1)
            if to != from {
                let head = out.remove(at: from)
                out.insert(head, at: to)
            }
        }
        return out
    }

    private static func fillObject(_ stored: JSONObject, _ fresh: JSONObject?, _ members: ConversionShapeMembers,
                                   clean: inout Bool) -> JSONValue {
        var out: [JSONObject.Member] = []
        out.reserveCapacity(stored.count)
        for member in stored {
            if let shape = members[member.key] {
                if let value = fill(member.value, fresh?[member.key], shape, clean: &clean) {
                    out.append(.init(key: member.key, value: value))
                }
            } else {
                out.append(member)
            }
        }
        // Shared members that are new on the other side (edits there) come in at the end.
        if let fresh {
            for member in fresh where members[member.key] != nil && stored[member.key] == nil {
                clean = false
                out.append(member)
            }
        }
        return .object(JSONObject(uniqueMembers: out))
    }
}

/// Equality for conversion decisions: JSON equality (object members in any order, as the API
/// server reorders keys), except that numbers must be the same literal, since a literal is what
/// the round trip has to give back.
enum ConversionEquality {
    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return same(a, b)
        default: return false
        }
    }

    /// Whether two arrays are one and the same storage, so equal without looking inside. The
    /// mappings pass most values through untouched, so converting there and back again often
    /// returns the very subtrees it started from.
    @inline(__always) static func sharesStorage<T>(_ a: [T], _ b: [T]) -> Bool {
        guard !a.isEmpty, a.count == b.count else { return false }
        let left = a.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
        let right = b.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
        return left != nil && left == right
    }

    /// Order-sensitive too: equal values that serialize to the same bytes.
    static func identical(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (.object(let x)?, .object(let y)?):
            guard x.count == y.count else { return false }
            let xm = x.members, ym = y.members
            if sharesStorage(xm, ym) { return true }
            for i in xm.indices where xm[i].key != ym[i].key || !identical(xm[i].value, ym[i].value) { return false }
            return true
        case (.array(let x)?, .array(let y)?):
            guard x.count == y.count else { return false }
            if sharesStorage(x, y) { return true }
            for i in x.indices where !identical(x[i], y[i]) { return false }
            return true
        case (let x?, let y?):
            if case .object = x { return false }
            if case .array = x { return false }
            return same(x, y)
        default:
            return false
        }
    }

    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            if sharesStorage(x, y) { return true }
            for i in x.indices where !same(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            let xm = x.members, ym = y.members
            if sharesStorage(xm, ym) { return true }
            for i in xm.indices {
                if ym[i].key == xm[i].key {
                    if !same(xm[i].value, ym[i].value) { return false }
                } else {
                    guard let other = y[xm[i].key], same(xm[i].value, other) else { return false }
                }
            }
            return true
        default:
            return false
        }
    }
}
