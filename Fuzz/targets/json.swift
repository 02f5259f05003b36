// The JSON parser on arbitrary bytes: an error or a value whose serialization parses back to the
// same value; and the skipping parse (members left out by key path) agrees with the full one: the
// same error, or the same value minus those members.
import JSON

/// Root members `s` and `a`'s member `b`: short keys the fuzzer finds, over values of any kind
/// (long strings go through the skipper's 16-byte blocks).
private let skipPaths = [["s"], ["a", "b"]]
private let skip = JSONSkipPaths(skipPaths)

private func parse(_ bytes: UnsafeBufferPointer<UInt8>, skipping: JSONSkipPaths?) -> Result<JSONValue, JSONParseError> {
    do throws(JSONParseError) {
        if let skipping { return .success(try JSONValue.parse(bytes, skipping: skipping)) }
        return .success(try JSONValue.parse(bytes))
    } catch {
        return .failure(error)
    }
}

/// The full parse's value with the skipped members removed.
private func removingSkipped(_ value: JSONValue) -> JSONValue {
    guard case .object(var root) = value else { return value }
    root["s"] = nil
    if case .object(var a)? = root["a"] {
        a["b"] = nil
        root["a"] = .object(a)
    }
    return .object(root)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let full = parse(bytes, skipping: nil)
    switch (full, parse(bytes, skipping: skip)) {
    case (.failure(let a), .failure(let b)):
        precondition(a == b, "the skipping parse failed otherwise: \(a) / \(b)")
    case (.success(let value), .success(let skipped)):
        precondition(removingSkipped(value) == skipped, "the skipping parse built another value")
    default:
        preconditionFailure("the skipping parse and the full parse disagree on validity")
    }
    guard case .success(let value) = full else { return 0 }
    let text = value.serialized()
    guard let again = try? JSONValue.parse(text) else { preconditionFailure("serialized output does not parse") }
    precondition(again == value, "round trip changed the value")
    return 0
}
