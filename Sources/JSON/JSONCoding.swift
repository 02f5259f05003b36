// The public JSON entry points; the work is in JSONParser.swift and
// JSONSerializer.swift.

/// A JSON syntax or limit error, with the byte offset where it was found.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var offset: Int
    package var reason: String
    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
    package var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Limits that keep a hostile document from costing unbounded time or memory.
package struct JSONParseLimits: Sendable, Equatable {
    package var maxDepth: Int
    package var maxBytes: Int
    package init(maxDepth: Int = 512, maxBytes: Int = 64 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }
}

extension JSONValue {
    /// Parses one RFC 8259 document (UTF-8 bytes).
    ///
    /// Strict: no trailing data, no byte order mark, no comments, no NaN/Infinity, no leading zeros,
    /// no unescaped control characters, well-formed UTF-8 only, no lone surrogate escapes. Duplicate
    /// member names: the last value wins, kept at the first one's position (as Go's encoding/json).
    /// Errors carry the byte offset where the problem was found.
    package static func parse(_ bytes: some Collection<UInt8>, limits: JSONParseLimits = JSONParseLimits()) throws(JSONParseError) -> JSONValue {
        var report = JSONSkipReport()
        return try parse(bytes, limits: limits, skipping: .none, report: &report)
    }

    /// Parses like `parse(_:limits:)`, but leaves out the members named by `skipping`: their
    /// values are checked exactly as usual (a document is accepted or rejected, with the same error
    /// at the same offset, whatever the skip paths) and not built. The result equals the full
    /// parse with those members removed.
    package static func parse(_ bytes: some Collection<UInt8>, limits: JSONParseLimits = JSONParseLimits(),
                             skipping: JSONSkipPaths) throws(JSONParseError) -> JSONValue {
        var report = JSONSkipReport()
        return try parse(bytes, limits: limits, skipping: skipping, report: &report)
    }

    /// `parse(_:limits:skipping:)`, also telling what was skipped (path and bytes of each skipped
    /// value) and whether the document had duplicate keys, for callers that must decide whether
    /// leaving those members out can change what they compute.
    package static func parse(_ bytes: some Collection<UInt8>, limits: JSONParseLimits = JSONParseLimits(),
                             skipping: JSONSkipPaths, report: inout JSONSkipReport) throws(JSONParseError) -> JSONValue {
        let count = bytes.count
        if count > limits.maxBytes {
            throw JSONParseError(offset: limits.maxBytes, reason: "document larger than the limit of \(limits.maxBytes) bytes")
        }
        if let result = bytes.withContiguousStorageIfAvailable({ parseContiguous($0, limits: limits, skipping: skipping) }) {
            let (value, found) = try result.get()
            report = found
            return value
        }
        let (value, found) = try Array(bytes).withUnsafeBufferPointer { parseContiguous($0, limits: limits, skipping: skipping) }.get()
        report = found
        return value
    }

    private static func parseContiguous(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParseLimits,
                                        skipping: JSONSkipPaths = .none) -> Result<(JSONValue, JSONSkipReport), JSONParseError> {
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            return .failure(JSONParseError(offset: 0, reason: "empty input, expected a value"))
        }
        if buffer.count > limits.maxBytes {
            return .failure(JSONParseError(offset: limits.maxBytes, reason: "document larger than the limit of \(limits.maxBytes) bytes"))
        }
        let storage = JSONParserStorage.take()
        defer { JSONParserStorage.give(storage) }
        var parser = JSONParser(base: base, count: buffer.count, maxDepth: max(limits.maxDepth, 0), skipping: skipping, storage: storage)
        do {
            let value = try parser.parseDocument()
            return .success((value, parser.report))
        } catch {
            return .failure(error)
        }
    }

    /// Parses a stream of whitespace-separated documents; `offsets` gets where each one starts.
    static func parseStream(_ bytes: [UInt8], limits: JSONParseLimits, offsets: inout [Int]) throws(JSONParseError) -> [JSONValue] {
        if bytes.count > limits.maxBytes {
            throw JSONParseError(offset: limits.maxBytes, reason: "document larger than the limit of \(limits.maxBytes) bytes")
        }
        var found: [Int] = []
        let result: Result<[JSONValue], JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return .success([]) }
            let storage = JSONParserStorage.take()
            defer { JSONParserStorage.give(storage) }
            var parser = JSONParser(base: base, count: buffer.count, maxDepth: max(limits.maxDepth, 0), storage: storage)
            do throws(JSONParseError) {
                return .success(try parser.parseStream(offsets: &found))
            } catch {
                return .failure(error)
            }
        }
        offsets = found
        return try result.get()
    }

    /// Parses one document from a string.
    package static func parse(_ text: String, limits: JSONParseLimits = JSONParseLimits()) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseContiguous($0, limits: limits) }.get().0
    }

    /// Compact, deterministic serialization (document key order, no spaces).
    package func serialized() -> [UInt8] {
        var serializer = JSONSerializer(capacity: 256)
        serializer.write(self)
        return serializer.out
    }

    /// `serialized()` as a String.
    package var jsonString: String { String(decoding: serialized(), as: UTF8.self) }
}
