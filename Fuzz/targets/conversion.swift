// The ConversionReview endpoint on arbitrary bodies: always an HTTP answer, never a crash.
import Conversion

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConversion(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let reply = ConversionEndpoint.convert(body: body, contentType: "application/json")
    precondition((200...599).contains(reply.status), "status \(reply.status)")
    return 0
}
