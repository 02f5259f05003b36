// The standard library's `withUnsafeBytes` closures rethrow `any Error`, which loses the typed
// `KubeError` of the code inside. These wrappers carry it through a Result instead.

extension Array where Element == UInt8 {
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(KubeError) -> R) throws(KubeError) -> R {
        let result: Result<R, KubeError> = withUnsafeBytes { buffer in
            do throws(KubeError) {
                return .success(try body(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    mutating func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws(KubeError) -> R) throws(KubeError) -> R {
        let result: Result<R, KubeError> = withUnsafeMutableBytes { buffer in
            do throws(KubeError) {
                return .success(try body(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
