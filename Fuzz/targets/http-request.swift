// The HTTP/1.1 request-head parser on arbitrary bytes: every result must be complete, incomplete
// or a clean error, with a consumed length inside the input.
import HTTPServer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for limits in [HTTPLimits(), HTTPLimits(maxHeaderBytes: 256, maxHeaderCount: 4)] {
        switch HTTPParser.parseRequestHead(bytes, limits: limits) {
        case .complete(let head, let headerBytes):
            precondition(headerBytes > 0 && headerBytes <= size, "consumed \(headerBytes) of \(size) bytes")
            _ = head.path
            _ = head.contentLength
        case .incomplete, .failure:
            break
        }
    }
    return 0
}
