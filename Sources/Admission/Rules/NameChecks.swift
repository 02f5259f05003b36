import JSON
import RayAPI

/// The apimachinery name checks the rules use, as lists of apimachinery's messages (empty when
/// valid). They forward to RayAPI's NameValidation, so the webhook and the reconciler agree on
/// what a valid name is.
enum NameChecks {
    static func dns1035Label(_ s: String) -> [String] { NameValidation.isDNS1035Label(s) }
    static func dns1123Label(_ s: String) -> [String] { NameValidation.isDNS1123Label(s) }
    static func qualifiedName(_ s: String) -> [String] { NameValidation.isQualifiedName(s) }
    static func labelValue(_ s: String) -> [String] { NameValidation.isValidLabelValue(s) }
}
