// Request header fields, stored compactly: one byte buffer holding every name and value, plus one
// array of offsets. The parser fills both in a single pass, so a request with 20 headers costs two
// allocations instead of 40 Strings; Strings are made only when a caller asks for a value.

/// Ordered header fields of one HTTP message. Lookup by name is ASCII case-insensitive.
package struct HTTPHeaders: Sendable, Sequence {
    /// Offsets of one field inside `storage` (half-open ranges).
    struct Field: Sendable {
        var nameStart: Int
        var nameEnd: Int
        var valueStart: Int
        var valueEnd: Int
    }

    var storage: [UInt8]
    var fields: [Field]

    /// An empty header list.
    package init() {
        storage = []
        fields = []
    }

    /// Headers from (name, value) pairs, in order (for tests and for building requests by hand).
    package init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { append(name: name, value: value) }
    }

    /// Used by the parser: `storage` already holds the bytes the offsets point into.
    init(storage: [UInt8], fields: [Field]) {
        self.storage = storage
        self.fields = fields
    }

    /// Adds a field at the end.
    package mutating func append(name: String, value: String) {
        let nameStart = storage.count
        storage.append(contentsOf: name.utf8)
        let nameEnd = storage.count
        storage.append(contentsOf: value.utf8)
        fields.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: nameEnd, valueEnd: storage.count))
    }

    /// Number of fields (repeated names count once per line).
    package var count: Int { fields.count }

    /// The value of the first field called `name` (case-insensitive), or nil.
    package subscript(name: String) -> String? {
        guard let index = firstIndex(of: name) else { return nil }
        return value(at: index)
    }

    /// Every value of the fields called `name` (case-insensitive), in order.
    package func values(_ name: String) -> [String] {
        var result: [String] = []
        for index in fields.indices where nameMatches(index, name) {
            result.append(value(at: index))
        }
        return result
    }

    /// Whether a field called `name` is present.
    package func contains(_ name: String) -> Bool { firstIndex(of: name) != nil }

    package func makeIterator() -> Iterator { Iterator(headers: self, index: 0) }

    package struct Iterator: IteratorProtocol {
        let headers: HTTPHeaders
        var index: Int
        package mutating func next() -> (name: String, value: String)? {
            guard index < headers.fields.count else { return nil }
            defer { index &+= 1 }
            return (headers.name(at: index), headers.value(at: index))
        }
    }

    // MARK: - byte-level access (used by the parser and by lookups)

    func name(at index: Int) -> String {
        let field = fields[index]
        return String(decoding: storage[field.nameStart..<field.nameEnd], as: UTF8.self)
    }

    func value(at index: Int) -> String {
        let field = fields[index]
        return String(decoding: storage[field.valueStart..<field.valueEnd], as: UTF8.self)
    }

    func firstIndex(of name: String) -> Int? {
        fields.indices.first { nameMatches($0, name) }
    }

    /// ASCII case-insensitive comparison of field `index`'s name with `name`.
    func nameMatches(_ index: Int, _ name: String) -> Bool {
        let field = fields[index]
        var position = field.nameStart
        for byte in name.utf8 {
            guard position < field.nameEnd, asciiLower(storage[position]) == asciiLower(byte) else { return false }
            position &+= 1
        }
        return position == field.nameEnd
    }

    /// The value bytes of field `index`.
    func valueBytes(_ index: Int) -> ArraySlice<UInt8> {
        let field = fields[index]
        return storage[field.valueStart..<field.valueEnd]
    }
}

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}
