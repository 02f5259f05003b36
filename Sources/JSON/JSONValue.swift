/// A JSON document as a value that keeps everything: object key order, integers exactly (Int64),
/// and every other number as its literal text, so a decode → encode round trip is lossless.
///
/// Kubernetes objects carry fields our types do not know (newer API versions, managedFields,
/// status…). Everything travels as a `JSONValue`; typed views read from it, conversion and
/// defaulting edit it.
package enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// An integer that fits in Int64 (written without fraction or exponent).
    case integer(Int64)
    /// Any other RFC 8259 number, kept as its exact literal text (fractions, exponents, integers
    /// beyond Int64), so it re-serializes to the same digits.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

// MARK: - Reading

extension JSONValue {
    /// The member `key` of an object; nil when absent or when this is not an object.
    package subscript(key: String) -> JSONValue? {
        get {
            if case .object(let object) = self { return object[key] }
            return nil
        }
        set {
            guard case .object(var object) = self else { return }
            self = .null  // release the storage so the edit below does not copy it
            object[key] = newValue
            self = .object(object)
        }
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    package subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    package var isNull: Bool { if case .null = self { return true } else { return false } }
    package var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    package var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    package var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    package var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// The value as Int64 when it is an integer (or a number literal that is an exact integer
    /// within Int64, such as `3.0` or `1e3`).
    package var int64Value: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let literal):
            guard let d = Double(literal) else { return nil }
            return Int64(exactly: d)
        default: return nil
        }
    }

    /// The value as Int when it is an integer that fits.
    package var intValue: Int? {
        guard let i = int64Value else { return nil }
        return Int(exactly: i)
    }

    /// The value as Double when it is a number.
    package var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let literal): return Double(literal)
        default: return nil
        }
    }

    /// A short name of the JSON type, for error messages ("string", "object", …).
    package var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// MARK: - Equality

/// Equality is JSON's: objects compare by their members regardless of order; numbers compare by
/// kind and value (`1` and `1.0` differ, as they serialize differently).
extension JSONValue: Equatable {
    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b || (Double(a).map { $0 == Double(b) } ?? false)
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    package init(nilLiteral: ()) { self = .null }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int64) { self = .integer(value) }
    package init(floatLiteral value: Double) { self = .number(String(value)) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

/// A JSON object: members in insertion order (the order of the document), unique keys.
///
/// Kubernetes objects have few keys per level, so members live in one array and small objects are
/// looked up by scanning it: faster than hashing at those sizes, and the document order is free.
/// Objects beyond `JSONObject.indexThreshold` members also keep a key → position index, so lookups
/// and inserts stay O(1) for big (or hostile) objects.
package struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    package struct Member: Sendable, Equatable {
        package var key: String
        package var value: JSONValue
        package init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    package private(set) var members: [Member]

    /// Key → position in `members`; present only while the object has more than
    /// `indexThreshold` members.
    private var positions: [String: Int]?

    /// Member count above which the object keeps a hash index.
    static let indexThreshold = 24

    package init() {
        members = []
        positions = nil
    }

    /// Builds an object from members; a later duplicate key replaces the earlier value in place.
    package init(_ pairs: [(String, JSONValue)]) {
        self.init()
        members.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Builds an object from members that the caller guarantees to have unique keys (parsers that
    /// already rejected duplicates), without re-checking.
    package init(uniqueMembers: [Member]) {
        members = uniqueMembers
        positions = nil
        if members.count > JSONObject.indexThreshold { rebuildIndex() }
    }

    package init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }

    package var count: Int { members.count }
    package var isEmpty: Bool { members.isEmpty }
    package var keys: [String] { members.map(\.key) }

    package func index(forKey key: String) -> Int? {
        if let positions { return positions[key] }
        return scan(for: key)
    }

    /// Linear search by index: reading `members[i].key` in place borrows it, where iterating the
    /// members would copy each one (a retain and release of its key and value per step).
    /// Keys of another length are told apart by their stored UTF-8 count, without a string comparison.
    @inline(__always) private func scan(for key: String) -> Int? {
        var i = 0
        let count = members.count
        let length = key.utf8.count
        while i < count {
            let candidate = members[i].key
            if candidate.utf8.count == length && candidate == key { return i }
            i &+= 1
        }
        return nil
    }

    private mutating func rebuildIndex() {
        var index: [String: Int] = [:]
        index.reserveCapacity(members.count)
        for (i, member) in members.enumerated() where index[member.key] == nil { index[member.key] = i }
        positions = index
    }

    /// Reads a member; setting nil removes it; setting a new key appends it at the end.
    package subscript(key: String) -> JSONValue? {
        get {
            if let positions {
                guard let i = positions[key] else { return nil }
                return members[i].value
            }
            guard let i = scan(for: key) else { return nil }
            return members[i].value
        }
        set {
            if let i = index(forKey: key) {
                if let newValue {
                    members[i].value = newValue
                } else {
                    members.remove(at: i)
                    if members.count > JSONObject.indexThreshold { rebuildIndex() } else { positions = nil }
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
                if positions != nil {
                    positions?[key] = members.count - 1
                } else if members.count > JSONObject.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    package func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    /// Order-insensitive: two objects are equal when they have the same keys with equal values.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        // One and the same storage (a copy of the same object): equal without looking inside.
        let same = lhs.members.withUnsafeBufferPointer { l in rhs.members.withUnsafeBufferPointer { r in l.baseAddress == r.baseAddress } }
        if same && !lhs.members.isEmpty { return true }
        for (i, member) in lhs.members.enumerated() {
            // Fast path: same position, same key.
            if rhs.members[i].key == member.key {
                if rhs.members[i].value != member.value { return false }
            } else if rhs[member.key] != member.value {
                return false
            }
        }
        return true
    }
}
