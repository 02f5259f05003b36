// The one error of this module: a RayCluster from which no object can be built (no name, no UID,
// no head group, a pod template without containers…). The message says which field is missing so
// that it can go into an Event and a log line as it is.

/// A RayCluster cannot be turned into pods or a Service.
public struct DesiredStateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
