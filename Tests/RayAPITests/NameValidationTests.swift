import XCTest
@testable import JSON
@testable import RayAPI

/// apimachinery's name checks: verdicts and exact message texts.
final class NameValidationTests: XCTestCase {
    private let dns1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    private let dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    private let dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    private let namePartMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    private let labelValueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

    func testDNS1035Label() {
        for valid in ["a", "ab", "a-b", "a1", "raycluster-sample", "a--b", String(repeating: "a", count: 63)] {
            XCTAssertEqual(NameValidation.isDNS1035Label(valid), [], valid)
        }
        for invalid in ["", "1a", "-a", "a-", "A", "aB", "a.b", "a_b", "a b", "é", "a\n"] {
            XCTAssertEqual(NameValidation.isDNS1035Label(invalid), [dns1035Message], invalid)
        }
        XCTAssertEqual(NameValidation.isDNS1035Label(String(repeating: "a", count: 64)), ["must be no more than 63 characters"])
        XCTAssertEqual(NameValidation.isDNS1035Label(String(repeating: "A", count: 64)), ["must be no more than 63 characters", dns1035Message])
        // The KubeRay webhook test name.
        XCTAssertEqual(NameValidation.isDNS1035Label("invalid.name"), [dns1035Message])
    }

    func testDNS1123Label() {
        for valid in ["a", "1", "123-abc", "my-name", "0a0", String(repeating: "9", count: 63)] {
            XCTAssertEqual(NameValidation.isDNS1123Label(valid), [], valid)
        }
        for invalid in ["", "-a", "a-", "GPU-Group", "a_b", "a..b", ".a"] {
            XCTAssertEqual(NameValidation.isDNS1123Label(invalid), [dns1123LabelMessage], invalid)
        }
        // A valid subdomain that is not a label: the dots message.
        XCTAssertEqual(NameValidation.isDNS1123Label("a.b"), ["must not contain dots"])
        XCTAssertEqual(NameValidation.isDNS1123Label(String(repeating: "a", count: 64)), ["must be no more than 63 characters"])
    }

    func testDNS1123Subdomain() {
        for valid in ["a", "example.com", "a-b.c-d.e", "1.2.3", String(repeating: "a", count: 253)] {
            XCTAssertEqual(NameValidation.isDNS1123Subdomain(valid), [], valid)
        }
        for invalid in ["", ".", "a.", ".a", "a..b", "A.com", "a_b.com", "-a.b", "a-.b"] {
            XCTAssertEqual(NameValidation.isDNS1123Subdomain(invalid), [dns1123SubdomainMessage], invalid)
        }
        XCTAssertEqual(NameValidation.isDNS1123Subdomain(String(repeating: "a", count: 254)), ["must be no more than 253 characters"])
    }

    func testQualifiedName() {
        for valid in ["a", "MyName", "my.name", "123-abc", "a_b", "ray.io/cluster", "app.kubernetes.io/name",
                      "example.com/My_Name-1", String(repeating: "x", count: 63)] {
            XCTAssertEqual(NameValidation.isQualifiedName(valid), [], valid)
        }
        // The KubeRay label test.
        XCTAssertEqual(NameValidation.isQualifiedName("invalid_key!"), [namePartMessage])
        XCTAssertEqual(NameValidation.isQualifiedName(""), ["name part must be non-empty", namePartMessage])
        XCTAssertEqual(NameValidation.isQualifiedName("-a"), [namePartMessage])
        XCTAssertEqual(NameValidation.isQualifiedName("a."), [namePartMessage])
        XCTAssertEqual(NameValidation.isQualifiedName(String(repeating: "x", count: 64)), ["name part must be no more than 63 characters"])
        XCTAssertEqual(NameValidation.isQualifiedName("/a"), ["prefix part must be non-empty"])
        XCTAssertEqual(NameValidation.isQualifiedName("a/"), ["name part must be non-empty", namePartMessage])
        XCTAssertEqual(NameValidation.isQualifiedName("Example.com/a"), ["prefix part " + dns1123SubdomainMessage])
        XCTAssertEqual(NameValidation.isQualifiedName(String(repeating: "a", count: 254) + "/a"),
                       ["prefix part must be no more than 253 characters"])
        XCTAssertEqual(NameValidation.isQualifiedName("a/b/c"), [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ])
    }

    func testLabelValue() {
        for valid in ["", "a", "MyValue", "my_value", "12345", "a.b-c_d", String(repeating: "v", count: 63)] {
            XCTAssertEqual(NameValidation.isValidLabelValue(valid), [], valid)
        }
        // The KubeRay label-value test.
        XCTAssertEqual(NameValidation.isValidLabelValue("invalid/value"), [labelValueMessage])
        for invalid in ["-a", "a-", "_", "a b", "ü"] {
            XCTAssertEqual(NameValidation.isValidLabelValue(invalid), [labelValueMessage], invalid)
        }
        XCTAssertEqual(NameValidation.isValidLabelValue(String(repeating: "v", count: 64)), ["must be no more than 63 characters"])
        XCTAssertEqual(NameValidation.isValidLabelValue(String(repeating: "v", count: 63) + "-"),
                       ["must be no more than 63 characters", labelValueMessage])
    }

    func testRegexErrorShape() {
        XCTAssertEqual(NameValidation.regexError("m", "f", examples: []), "m (regex used for validation is 'f')")
        XCTAssertEqual(NameValidation.regexError("m", "f", examples: ["x"]), "m (e.g. 'x', regex used for validation is 'f')")
    }
}
