// OWNER: rules helper. The shape is fixed (the envelope and CLI format it); fill in the rendering.
import RayAPI

/// One problem with one field, as apimachinery's `field.Error`: the envelope turns a list of them
/// into a `422 Invalid` Status with `details.causes[]`, the CLI prints them.
public struct FieldError: Sendable, Equatable {
    /// apimachinery's `field.ErrorType` names, which are the `reason` of a Status cause.
    public enum Kind: String, Sendable {
        case invalid = "FieldValueInvalid"
        case required = "FieldValueRequired"
        case forbidden = "FieldValueForbidden"
        case duplicate = "FieldValueDuplicate"
        case notSupported = "FieldValueNotSupported"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
    }

    public var kind: Kind
    /// Path like `spec.workerGroupSpecs[1].minReplicas`.
    public var field: String
    /// The offending value, when the kind shows one (`Invalid value: <value>: …`).
    public var value: JSONValue?
    public var detail: String

    public init(_ kind: Kind, field: String, value: JSONValue? = nil, detail: String) {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    /// The error body without the field, as apimachinery's `ErrorBody()`:
    /// `Invalid value: "x": detail`, `Required value: detail`, `Forbidden: detail`, …
    public var body: String {
        "\(kind.rawValue): \(detail)"  // TODO(rules helper): apimachinery's exact rendering
    }

    /// `<field>: <body>`, as apimachinery's `Error()`.
    public var message: String { "\(field): \(body)" }
}
