// Multi-document YAML → JSON values, through libyaml's event parser.
//
// libyaml does the syntax (and rejects invalid UTF-8 and control characters); this file turns its
// events into JSONValues with kubectl's semantics (YAMLScalarResolver), anchors and aliases
// (including `<<` merge keys), duplicate-key errors, and limits. The builder keeps its own stack of
// open nodes, so depth costs heap rather than call stack.
//
// Alias expansion is bounded by counting nodes as if every alias were copied out: an alias adds the
// size of its anchored node. A "billion laughs" document therefore fails after a handful of events,
// and memory stays small because aliased values share storage (copy-on-write).

import CLibYAML

/// Limits for YAML input.
package struct YAMLLimits: Sendable, Equatable {
    /// Deepest nesting of mappings and sequences, aliases expanded.
    package var maxDepth: Int
    /// Most nodes in one document, counting every alias as a full copy of what it names.
    package var maxNodes: Int
    /// Largest input accepted.
    package var maxBytes: Int
    /// Most scalar text in one document, counting every alias as a full copy (a long string
    /// aliased many times is a billion-laughs attack too, even with few nodes).
    package var maxExpandedBytes: Int
    package init(maxDepth: Int = 512, maxNodes: Int = 1_000_000, maxBytes: Int = 64 << 20,
                maxExpandedBytes: Int = 256 << 20) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxBytes = maxBytes
        self.maxExpandedBytes = maxExpandedBytes
    }
}

/// A YAML error at a 1-based line and column.
package struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var column: Int
    package var reason: String
    package init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }
    package var description: String { "line \(line), column \(column): \(reason)" }
}

enum YAMLLoader {
    /// Every document of the stream, in order (a document that is empty or only comments is null).
    static func load(_ bytes: [UInt8], limits: YAMLLimits = YAMLLimits()) throws(YAMLError) -> [JSONValue] {
        guard bytes.count <= limits.maxBytes else {
            throw YAMLError(line: 1, column: 1, reason: "input larger than the limit of \(limits.maxBytes) bytes")
        }
        let result: Result<[JSONValue], YAMLError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) != 0 else {
                return .failure(YAMLError(line: 1, column: 1, reason: "libyaml could not initialize"))
            }
            defer { yaml_parser_delete(&parser) }
            // libyaml reads from the pointer only; an empty input still needs a valid pointer.
            let empty: [UInt8] = [0]
            return empty.withUnsafeBufferPointer { fallback in
                guard let base = buffer.baseAddress ?? fallback.baseAddress else {
                    return .failure(YAMLError(line: 1, column: 1, reason: "no input buffer"))
                }
                yaml_parser_set_input_string(&parser, base, buffer.count)
                var builder = YAMLDocumentBuilder(limits: limits)
                do throws(YAMLError) {
                    return .success(try builder.run(&parser, input: UnsafeBufferPointer(start: base, count: buffer.count)))
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }
}

/// Turns the event stream into documents.
struct YAMLDocumentBuilder {
    let limits: YAMLLimits

    private struct Anchored {
        var value: JSONValue
        var size: Int
        var bytes: Int
        var height: Int
    }

    /// A mapping entry in document order; merges are resolved when the mapping ends.
    private enum Entry {
        case pair(key: String, value: JSONValue)
        case merge(JSONValue, line: Int, column: Int)
    }

    private struct PendingKey {
        var key: String
        var isMerge: Bool
        var line: Int
        var column: Int
    }

    private struct OpenNode {
        var isMapping: Bool
        var anchor: String?
        var line: Int
        var column: Int
        var nodesAtStart: Int
        var bytesAtStart: Int
        var maxChildHeight = 0
        var elements: [JSONValue] = []
        var entries: [Entry] = []
        /// Explicit keys seen so far → line of first occurrence, for duplicate errors.
        var explicitKeys: [String: Int] = [:]
        var pendingKey: PendingKey?
    }

    private var stack: [OpenNode] = []
    private var anchors: [String: Anchored] = [:]
    private var nodeCount = 0
    private var scalarBytes = 0
    private var documents: [JSONValue] = []
    private var root: JSONValue?

    init(limits: YAMLLimits) { self.limits = limits }

    /// `input` is the text the parser reads, for the position of a byte the reader refuses.
    mutating func run(_ parser: inout yaml_parser_t, input: UnsafeBufferPointer<UInt8>) throws(YAMLError) -> [JSONValue] {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) != 0 else { throw YAMLDocumentBuilder.parserError(parser, input: input) }
            defer { yaml_event_delete(&event) }
            let line = Int(clamping: event.start_mark.line) &+ 1
            let column = Int(clamping: event.start_mark.column) &+ 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                anchors.removeAll()
                nodeCount = 0
                scalarBytes = 0
                root = nil
            case YAML_DOCUMENT_END_EVENT:
                documents.append(root ?? .null)
                root = nil
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = YAMLDocumentBuilder.string(scalar.value, length: scalar.length)
                let tag = YAMLDocumentBuilder.optionalString(scalar.tag)
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE
                try countNode(line: line, column: column)
                try countBytes(scalar.length, line: line, column: column)
                let resolved: YAMLScalarResolver.Resolved
                switch YAMLScalarResolver.resolve(text, tag: tag, plain: plain) {
                case .success(let r): resolved = r
                case .failure(let failure): throw YAMLError(line: line, column: column, reason: failure.reason)
                }
                let value: JSONValue
                let isMergeKey: Bool
                switch resolved {
                case .merge:
                    value = .string("<<")
                    isMergeKey = true
                case .value(let v):
                    value = v
                    isMergeKey = false
                }
                if let anchor = YAMLDocumentBuilder.optionalString(scalar.anchor) {
                    anchors[anchor] = Anchored(value: value, size: 1, bytes: Int(clamping: scalar.length), height: 0)
                }
                try attach(value, height: 0, isMergeKey: isMergeKey, line: line, column: column)
            case YAML_ALIAS_EVENT:
                let name = YAMLDocumentBuilder.optionalString(event.data.alias.anchor) ?? ""
                guard let anchored = anchors[name] else {
                    if stack.contains(where: { $0.anchor == name }) {
                        throw YAMLError(line: line, column: column, reason: "anchor '\(name)' value contains itself")
                    }
                    throw YAMLError(line: line, column: column, reason: "unknown anchor '\(name)' referenced")
                }
                nodeCount = nodeCount &+ anchored.size
                guard nodeCount <= limits.maxNodes else {
                    throw YAMLError(line: line, column: column, reason: "document expands to more than \(limits.maxNodes) nodes (too many aliases: a \"billion laughs\" document?)")
                }
                try countBytes(anchored.bytes, line: line, column: column)
                guard stack.count &+ anchored.height <= limits.maxDepth else {
                    throw YAMLError(line: line, column: column, reason: "alias '\(name)' nests deeper than the limit of \(limits.maxDepth)")
                }
                try attach(anchored.value, height: anchored.height, isMergeKey: false, line: line, column: column)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchorPointer = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                let tagPointer = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
                if let tag = YAMLDocumentBuilder.optionalString(tagPointer).map(YAMLScalarResolver.shortTag) {
                    let fits = isMapping ? ["!!map", "!"] : ["!!seq", "!"]
                    if tag.hasPrefix("!!") && !fits.contains(tag) {
                        throw YAMLError(line: line, column: column, reason: "cannot decode a \(isMapping ? "mapping" : "sequence") as a \(tag)")
                    }
                }
                guard stack.count < limits.maxDepth else {
                    throw YAMLError(line: line, column: column, reason: "nesting deeper than the limit of \(limits.maxDepth)")
                }
                if let top = stack.last, top.isMapping, top.pendingKey == nil {
                    throw YAMLError(line: line, column: column, reason: "a \(isMapping ? "mapping" : "sequence") cannot be a mapping key")
                }
                try countNode(line: line, column: column)
                stack.append(OpenNode(isMapping: isMapping, anchor: YAMLDocumentBuilder.optionalString(anchorPointer),
                                      line: line, column: column, nodesAtStart: nodeCount, bytesAtStart: scalarBytes))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let node = stack.popLast() else {
                    throw YAMLError(line: line, column: column, reason: "unbalanced end of collection")
                }
                let value: JSONValue = node.isMapping ? .object(try finishMapping(node)) : .array(node.elements)
                let height = node.maxChildHeight &+ 1
                if let anchor = node.anchor {
                    // Size counts the node itself and everything in it, aliases expanded.
                    let size = nodeCount &- node.nodesAtStart &+ 1
                    anchors[anchor] = Anchored(value: value, size: size, bytes: scalarBytes &- node.bytesAtStart, height: height)
                }
                try attach(value, height: height, isMergeKey: false, line: node.line, column: node.column)
            default:
                break // STREAM_START, NO_EVENT
            }
        }
    }

    private mutating func countNode(line: Int, column: Int) throws(YAMLError) {
        nodeCount = nodeCount &+ 1
        guard nodeCount <= limits.maxNodes else {
            throw YAMLError(line: line, column: column, reason: "document has more than \(limits.maxNodes) nodes")
        }
    }

    private mutating func countBytes(_ count: some BinaryInteger, line: Int, column: Int) throws(YAMLError) {
        scalarBytes = scalarBytes &+ Int(clamping: count)
        guard scalarBytes <= limits.maxExpandedBytes else {
            throw YAMLError(line: line, column: column, reason: "document expands to more than \(limits.maxExpandedBytes) bytes of text (too many aliases?)")
        }
    }

    /// Hands a finished node to its parent: the document root, a sequence element, a mapping key,
    /// or a mapping value.
    private mutating func attach(_ value: JSONValue, height: Int, isMergeKey: Bool,
                                 line: Int, column: Int) throws(YAMLError) {
        let top = stack.count &- 1
        guard top >= 0 else {
            root = value
            return
        }
        stack[top].maxChildHeight = max(stack[top].maxChildHeight, height)
        guard stack[top].isMapping else {
            stack[top].elements.append(value)
            return
        }
        guard let pending = stack[top].pendingKey else {
            // This node is a key.
            let key: String
            switch value {
            case .string(let s): key = s
            case .integer(let n): key = String(n)
            case .number(let literal): key = literal
            case .bool(let b): key = b ? "true" : "false"
            case .null: key = "null"
            case .array, .object:
                throw YAMLError(line: line, column: column, reason: "a \(value.typeName == "array" ? "sequence" : "mapping") cannot be a mapping key")
            }
            stack[top].pendingKey = PendingKey(key: key, isMerge: isMergeKey, line: line, column: column)
            return
        }
        stack[top].pendingKey = nil
        if pending.isMerge {
            stack[top].entries.append(.merge(value, line: pending.line, column: pending.column))
            return
        }
        if let firstLine = stack[top].explicitKeys[pending.key] {
            throw YAMLError(line: pending.line, column: pending.column,
                            reason: "key \"\(pending.key)\" already set in map (first at line \(firstLine))")
        }
        stack[top].explicitKeys[pending.key] = pending.line
        stack[top].entries.append(.pair(key: pending.key, value: value))
    }

    /// Builds a mapping: explicit keys win over merged ones wherever they appear; among merged
    /// mappings the earlier wins (go-yaml's rule). Merged keys land where the `<<` entry stands.
    private func finishMapping(_ node: OpenNode) throws(YAMLError) -> JSONObject {
        var hasMerge = false
        for entry in node.entries {
            if case .merge = entry { hasMerge = true; break }
        }
        if !hasMerge {
            var members: [JSONObject.Member] = []
            members.reserveCapacity(node.entries.count)
            for case .pair(let key, let value) in node.entries { members.append(JSONObject.Member(key: key, value: value)) }
            return JSONObject(uniqueMembers: members)
        }
        var object = JSONObject()
        for entry in node.entries {
            switch entry {
            case .pair(let key, let value):
                object[key] = value
            case .merge(let source, let line, let column):
                var sources: [JSONObject] = []
                switch source {
                case .object(let o): sources = [o]
                case .array(let items):
                    for item in items {
                        guard case .object(let o) = item else {
                            throw YAMLError(line: line, column: column, reason: "map merge requires map or sequence of maps as the value")
                        }
                        sources.append(o)
                    }
                default:
                    throw YAMLError(line: line, column: column, reason: "map merge requires map or sequence of maps as the value")
                }
                for merged in sources {
                    for member in merged where node.explicitKeys[member.key] == nil && object[member.key] == nil {
                        object[member.key] = member.value
                    }
                }
            }
        }
        return object
    }

    // MARK: - libyaml plumbing

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private static func parserError(_ parser: yaml_parser_t, input: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        if parser.error == YAML_READER_ERROR {
            // The reader (NUL and other control bytes, invalid UTF-8) leaves the marks at the
            // start and reports a byte offset instead: turn that into the line and column.
            return readerError(problem, offset: Int(clamping: parser.problem_offset), value: Int(parser.problem_value), input: input)
        }
        var reason = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            reason = "\(problem) \(context) at line \(Int(clamping: parser.context_mark.line) &+ 1), column \(Int(clamping: parser.context_mark.column) &+ 1)"
        }
        return YAMLError(line: Int(clamping: parser.problem_mark.line) &+ 1,
                         column: Int(clamping: parser.problem_mark.column) &+ 1, reason: reason)
    }

    /// A reader error at byte `offset`: 1-based line, and column in characters (UTF-8 sequences
    /// count once, as libyaml counts its own columns), naming the byte found there.
    static func readerError(_ problem: String, offset: Int, value: Int, input: UnsafeBufferPointer<UInt8>) -> YAMLError {
        let limit = min(max(offset, 0), input.count)
        var line = 1
        var column = 1
        var index = 0
        while index < limit {
            let byte = input[index]
            if byte == 0x0A {
                line &+= 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column &+= 1
            }
            index &+= 1
        }
        var reason = problem
        if limit < input.count {
            let byte = input[limit]
            let hex = String(byte, radix: 16, uppercase: true)
            reason += " (byte 0x\(byte < 0x10 ? "0" : "")\(hex) at offset \(limit))"
        } else if value >= 0 {
            reason += " (at offset \(limit))"
        }
        return YAMLError(line: line, column: column, reason: reason)
    }
}
