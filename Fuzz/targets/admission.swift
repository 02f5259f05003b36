// The AdmissionReview endpoints (validating and mutating) on arbitrary bodies: always an HTTP
// answer (400/415 for what is not a review, 200 with a verdict otherwise), never a crash.
import Admission
import Conversion

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdmission(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let gates = FeatureGates()
    for reply in [AdmissionEndpoint.validate(body: body, contentType: "application/json", gates: gates),
                  AdmissionEndpoint.mutate(body: body, contentType: "application/json", gates: gates)] {
        precondition((200...599).contains(reply.status), "status \(reply.status)")
    }
    return 0
}
