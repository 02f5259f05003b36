// The YAML loader (libyaml plus our document builder: anchors, merges, limits) on arbitrary
// bytes, with small limits so bombs are cut short: documents or a positioned error.
@testable import JSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = YAMLLimits(maxDepth: 64, maxNodes: 10_000, maxBytes: 1 << 20, maxExpandedBytes: 1 << 20)
    do {
        let documents = try YAMLLoader.load(bytes, limits: limits)
        for document in documents { _ = document.serialized() }
    } catch {
        precondition(error.line >= 1 && error.column >= 1, "error without a position: \(error)")
    }
    return 0
}
