// OWNER: json-yaml helper. Stubs with the fixed signatures; replace with the real parser/serializer
// (split into JSONParser.swift / JSONSerializer.swift as you see fit).

/// A JSON syntax or limit error, with the byte offset where it was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Limits that keep a hostile document from costing unbounded time or memory.
public struct JSONParseLimits: Sendable, Equatable {
    public var maxDepth: Int
    public var maxBytes: Int
    public init(maxDepth: Int = 512, maxBytes: Int = 64 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }
}

extension JSONValue {
    /// Parses one RFC 8259 document (UTF-8 bytes).
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONParseLimits = JSONParseLimits()) throws(JSONParseError) -> JSONValue {
        throw JSONParseError(offset: 0, reason: "not implemented yet")
    }

    /// Parses one document from a string.
    public static func parse(_ text: String, limits: JSONParseLimits = JSONParseLimits()) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }

    /// Compact, deterministic serialization (document key order, no spaces).
    public func serialized() -> [UInt8] { [] }

    /// `serialized()` as a String.
    public var jsonString: String { String(decoding: serialized(), as: UTF8.self) }
}
