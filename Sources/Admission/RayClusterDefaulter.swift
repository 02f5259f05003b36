// OWNER: defaulting helper. Stub with the fixed signature.
import RayAPI

/// One RFC 6902 operation. We only ever emit `add`.
public struct JSONPatchOperation: Sendable, Equatable {
    public var op: String
    public var path: String
    public var value: JSONValue
    public init(op: String = "add", path: String, value: JSONValue) {
        self.op = op
        self.path = path
        self.value = value
    }
}

/// The defaults we persist (README lists them), as a minimal add-only JSON Patch.
public enum RayClusterDefaulter {
    public static func patch(for object: JSONValue) -> [JSONPatchOperation] { [] }
}
