// Field errors as apimachinery renders them; the admission envelope and the CLI both print these.
import JSON
import RayAPI

/// One problem with one field, as apimachinery's `field.Error`: the envelope turns a list of them
/// into a `422 Invalid` Status with `details.causes[]`, the CLI prints them.
package struct FieldError: Sendable, Equatable {
    /// apimachinery's `field.ErrorType` names, which are the `reason` of a Status cause.
    package enum Kind: String, Sendable {
        case invalid = "FieldValueInvalid"
        case required = "FieldValueRequired"
        case forbidden = "FieldValueForbidden"
        case duplicate = "FieldValueDuplicate"
        case notSupported = "FieldValueNotSupported"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"

        /// The human text apimachinery prints before the value (`ErrorType.String()`).
        package var phrase: String {
            switch self {
            case .invalid: return "Invalid value"
            case .required: return "Required value"
            case .forbidden: return "Forbidden"
            case .duplicate: return "Duplicate value"
            case .notSupported: return "Unsupported value"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            }
        }

        /// apimachinery never prints the value for these kinds, whatever BadValue holds.
        var omitsValue: Bool {
            switch self {
            case .required, .forbidden, .tooLong: return true
            default: return false
            }
        }
    }

    package var kind: Kind
    /// Path like `spec.workerGroupSpecs[1].minReplicas`.
    package var field: String
    /// The offending value, when the kind shows one (`Invalid value: <value>: …`).
    /// nil means "not shown" (apimachinery's `omitValue`); `.null` prints `null`.
    package var value: JSONValue?
    package var detail: String

    package init(_ kind: Kind, field: String, value: JSONValue? = nil, detail: String) {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    /// The error body without the field, as apimachinery's `ErrorBody()`:
    /// `Invalid value: "x": detail`, `Required value: detail`, `Forbidden: detail`, …
    package var body: String {
        var text = kind.phrase
        if !kind.omitsValue, let value {
            text += ": "
            text += GoRendering.badValue(value)
        }
        if !detail.isEmpty {
            text += ": "
            text += detail
        }
        return text
    }

    /// `<field>: <body>`, as apimachinery's `Error()`.
    package var message: String { "\(field): \(body)" }
}

// MARK: - Constructors named like apimachinery's helpers

extension FieldError {
    /// `field.Invalid(path, value, detail)`.
    package static func invalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: value, detail: detail)
    }

    /// `field.Required(path, detail)`.
    package static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field: field, detail: detail)
    }

    /// `field.Forbidden(path, detail)`.
    package static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field: field, detail: detail)
    }

    /// `field.Duplicate(path, value)`.
    package static func duplicate(_ field: String, _ value: JSONValue, _ detail: String = "") -> FieldError {
        FieldError(.duplicate, field: field, value: value, detail: detail)
    }

    /// `field.NotSupported(path, value, validValues)`: detail `supported values: "a", "b"`.
    package static func notSupported(_ field: String, _ value: JSONValue, supported: [String]) -> FieldError {
        var detail = ""
        if !supported.isEmpty {
            detail = "supported values: "
            for (i, option) in supported.enumerated() {
                if i > 0 { detail += ", " }
                detail += GoRendering.quote(option)
            }
        }
        return FieldError(.notSupported, field: field, value: value, detail: detail)
    }
}
