// The JSON parser on arbitrary bytes: an error or a value whose serialization parses back to the
// same value.
import JSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let text = value.serialized()
    guard let again = try? JSONValue.parse(text) else { preconditionFailure("serialized output does not parse") }
    precondition(again == value, "round trip changed the value")
    return 0
}
