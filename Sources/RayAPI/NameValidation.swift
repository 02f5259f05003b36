// Kubernetes name checks with apimachinery's exact messages (k8s.io/apimachinery
// pkg/util/validation). Each check returns the list of problems, empty when the value is valid,
// in apimachinery's order. The regular expressions are matched by hand (no regex engine): every
// pattern here is a simple character-class shape, and a hand matcher is linear and cannot blow up.
// Lengths are counted in bytes, as Go's len() does.
import JSON

package enum NameValidation {
    // MARK: Patterns and messages, as apimachinery spells them.

    package static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    package static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    package static let dns1123SubdomainFormat = dns1123LabelFormat + "(\\." + dns1123LabelFormat + ")*"
    package static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    package static let dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?"
    package static let dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
    package static let qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    package static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    package static let labelValueFormat = "(" + qualifiedNameFormat + ")?"
    package static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// Maximum lengths (bytes).
    package static let dns1123LabelMaxLength = 63
    package static let dns1123SubdomainMaxLength = 253
    package static let dns1035LabelMaxLength = 63
    package static let qualifiedNameMaxLength = 63
    package static let labelValueMaxLength = 63

    // MARK: Message builders (validation.go's EmptyError, MaxLenError, RegexError).

    package static func emptyError() -> String { "must be non-empty" }

    package static func maxLenError(_ length: Int) -> String { "must be no more than \(length) characters" }

    /// `msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')` — the doubled space after
    /// each non-last example's comma is apimachinery's, kept for wire compatibility.
    package static func regexError(_ message: String, _ format: String, examples: [String]) -> String {
        guard !examples.isEmpty else { return message + " (regex used for validation is '" + format + "')" }
        var text = message + " (e.g. "
        for (index, example) in examples.enumerated() {
            if index > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + format + "')"
    }

    // MARK: Checks

    /// RFC 1123 label: names of most objects' "label-like" fields (≤ 63, lower case, no dots).
    package static func isDNS1123Label(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = Array(value.utf8)
        if bytes.count > dns1123LabelMaxLength { errors.append(maxLenError(dns1123LabelMaxLength)) }
        if !matchesDNS1123Label(bytes[...]) {
            if matchesDNS1123Subdomain(bytes) {
                // A valid subdomain but not a label: with the length already checked, it has dots.
                errors.append("must not contain dots")
            } else {
                errors.append(regexError(dns1123LabelMessage, dns1123LabelFormat, examples: ["my-name", "123-abc"]))
            }
        }
        return errors
    }

    /// RFC 1123 subdomain: object names such as pods, label-key prefixes (≤ 253).
    package static func isDNS1123Subdomain(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = Array(value.utf8)
        if bytes.count > dns1123SubdomainMaxLength { errors.append(maxLenError(dns1123SubdomainMaxLength)) }
        if !matchesDNS1123Subdomain(bytes) {
            errors.append(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, examples: ["example.com"]))
        }
        return errors
    }

    /// RFC 1035 label: Service names, and KubeRay's RayCluster names (starts with a letter).
    package static func isDNS1035Label(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = Array(value.utf8)
        if bytes.count > dns1035LabelMaxLength { errors.append(maxLenError(dns1035LabelMaxLength)) }
        if !matchesDNS1035Label(bytes) {
            errors.append(regexError(dns1035LabelMessage, dns1035LabelFormat, examples: ["my-name", "abc-123"]))
        }
        return errors
    }

    /// A qualified name (label and annotation keys): `[prefix/]name`, prefix a DNS-1123 subdomain,
    /// name ≤ 63 of `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
    package static func isQualifiedName(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let name: Substring.UTF8View.SubSequence
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part " + emptyError())
            } else {
                let messages = isDNS1123Subdomain(String(decoding: prefix, as: UTF8.self))
                errors.append(contentsOf: messages.map { "prefix part " + $0 })
            }
        default:
            return ["a qualified name "
                + regexError(qualifiedNameMessage, qualifiedNameFormat, examples: ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part " + emptyError())
        } else if name.count > qualifiedNameMaxLength {
            errors.append("name part " + maxLenError(qualifiedNameMaxLength))
        }
        if !matchesQualifiedNamePart(Array(name)) {
            errors.append("name part " + regexError(qualifiedNameMessage, qualifiedNameFormat, examples: ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// A label value: empty, or ≤ 63 of the qualified-name-part pattern.
    package static func isValidLabelValue(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = Array(value.utf8)
        if bytes.count > labelValueMaxLength { errors.append(maxLenError(labelValueMaxLength)) }
        if !(bytes.isEmpty || matchesQualifiedNamePart(bytes)) {
            errors.append(regexError(labelValueMessage, labelValueFormat, examples: ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    // MARK: Hand-written matchers (whole-string, like the anchored Go regexps).

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
    private static func matchesDNS1123Label(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// `label(\.label)*`
    private static func matchesDNS1123Subdomain(_ bytes: [UInt8]) -> Bool {
        bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy(matchesDNS1123Label)
    }

    /// `[a-z]([-a-z0-9]*[a-z0-9])?`
    private static func matchesDNS1035Label(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last,
              first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"), isLowerAlnum(last) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    private static func matchesQualifiedNamePart(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}
