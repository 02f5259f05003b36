// The chunked-body decoder on arbitrary bytes, fed whole and then in small slices: the same
// outcome either way, never more body than the limit, consumed lengths inside the input.
import HTTPServer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let limit = 4096
    let whole = decode(bytes, limit: limit, slice: size == 0 ? 1 : size)
    let sliced = decode(bytes, limit: limit, slice: 3)
    precondition(whole == sliced, "whole and sliced feeding disagree")
    return 0
}

private enum Outcome: Equatable {
    case done([UInt8])
    case more([UInt8])
    case failed(Int)
}

private func decode(_ bytes: UnsafeRawBufferPointer, limit: Int, slice: Int) -> Outcome {
    var decoder = ChunkedDecoder(maxBodyBytes: limit)
    var body: [UInt8] = []
    var buffered: [UInt8] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + slice)
        buffered.append(contentsOf: bytes[offset..<end])
        offset = end
        do {
            let (consumed, done) = try buffered.withUnsafeBytes { try decoder.feed($0, into: &body) }
            precondition(consumed >= 0 && consumed <= buffered.count, "consumed \(consumed) of \(buffered.count)")
            precondition(body.count <= limit, "body of \(body.count) bytes over the limit")
            buffered.removeFirst(consumed)
            if done { return .done(body) }
        } catch let error as HTTPParseError {
            return .failed(error.status)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }
    return .more(body)
}
