// Reading and writing manifest files as kubectl does.

/// A manifest could not be read: names the source and, for YAML, the line and column.
package struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Reading and writing manifest files as kubectl does.
package enum Manifest {
    /// Every document of a YAML (multi-document) or JSON input, in order. Empty documents are
    /// skipped; a `kind: List` is flattened into its items. `source` names the input in errors.
    ///
    /// Input whose first non-blank byte is `{` or `[` is JSON (one document, or several separated
    /// by whitespace, as kubectl reads a JSON stream); anything else is YAML. A leading UTF-8 byte order mark is
    /// ignored. JSON errors name the byte offset (and line/column); YAML errors the line and column.
    package static func decode(_ bytes: [UInt8], source: String) throws(ManifestError) -> [JSONValue] {
        try decode(bytes, source: source, jsonLimits: JSONParseLimits(), yamlLimits: YAMLLimits())
    }

    /// `decode` with explicit limits.
    package static func decode(_ bytes: [UInt8], source: String, jsonLimits: JSONParseLimits,
                              yamlLimits: YAMLLimits) throws(ManifestError) -> [JSONValue] {
        var input = bytes
        if input.count >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
            input.removeFirst(3)
        }
        let documents: [JSONValue]
        if looksLikeJSON(input) {
            var offsets: [Int] = []
            do {
                documents = try JSONValue.parseStream(input, limits: jsonLimits, offsets: &offsets)
            } catch {
                let (line, column) = lineAndColumn(of: error.offset, in: input)
                throw ManifestError("\(source): invalid JSON at byte \(error.offset) (line \(line), column \(column)): \(error.reason)")
            }
        } else {
            do {
                documents = try YAMLLoader.load(input, limits: yamlLimits)
            } catch {
                throw ManifestError("\(source): \(error)")
            }
        }
        var flattened: [JSONValue] = []
        flattened.reserveCapacity(documents.count)
        for document in documents { flatten(document, into: &flattened, depth: 0) }
        return flattened
    }

    /// Block-style YAML for one document (as `kubectl get -o yaml` prints).
    package static func yaml(_ value: JSONValue) -> String {
        var emitter = YAMLEmitter()
        emitter.emitDocument(value)
        return emitter.output
    }

    // MARK: - Helpers

    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        for b in bytes {
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case 0x7B, 0x5B: return true
            default: return false
            }
        }
        return false
    }

    /// Lists nest at most this deep (a List of Lists of …); deeper ones stay as they are.
    static let maxListNesting = 16

    /// Skips null (empty) documents; replaces a List (`kind: List`, or any `…List` kind with an
    /// `items` array, as the API server returns) by its items.
    static func flatten(_ value: JSONValue, into out: inout [JSONValue], depth: Int) {
        if value.isNull { return }
        if depth < maxListNesting, case .object(let object) = value,
           let kind = object["kind"]?.stringValue, kind.hasSuffix("List"),
           case .array(let items)? = object["items"] {
            for item in items { flatten(item, into: &out, depth: depth &+ 1) }
            return
        }
        out.append(value)
    }

    /// 1-based line and column (in bytes) of a byte offset.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        var i = 0
        let limit = min(max(offset, 0), bytes.count)
        while i < limit {
            if bytes[i] == 0x0A {
                line &+= 1
                lineStart = i &+ 1
            }
            i &+= 1
        }
        return (line, limit &- lineStart &+ 1)
    }
}

/// One input of `ray-operator validate`: its name (a path or `-`) and its bytes, or why it could
/// not be read (the CLI does the reading, so validation and conversion stay pure).
package struct ManifestSource: Sendable {
    package var name: String
    package var content: Result<[UInt8], ManifestError>
    package init(name: String, content: Result<[UInt8], ManifestError>) {
        self.name = name
        self.content = content
    }
    package init(name: String, bytes: [UInt8]) { self.init(name: name, content: .success(bytes)) }
}
