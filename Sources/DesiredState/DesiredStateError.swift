// The one error of this module: a RayCluster from which no object can be built (no name, no UID,
// no head group, a pod template without containers…). The message says which field is missing so
// that it can go into an Event and a log line as it is.

/// A RayCluster cannot be turned into pods or a Service.
package struct DesiredStateError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
