import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// apimachinery's `field.Error` rendering (`ErrorBody()` / `Error()`).
final class FieldErrorTests: XCTestCase {
    func testInvalidWithEachValueKind() {
        XCTAssertEqual(FieldError.invalid("metadata.name", "x", "bad").message, #"metadata.name: Invalid value: "x": bad"#)
        XCTAssertEqual(FieldError.invalid("a", 5, "d").body, "Invalid value: 5: d")
        XCTAssertEqual(FieldError.invalid("a", -1, "d").body, "Invalid value: -1: d")
        XCTAssertEqual(FieldError.invalid("a", .number("1.5"), "d").body, "Invalid value: 1.5: d")
        XCTAssertEqual(FieldError.invalid("a", true, "d").body, "Invalid value: true: d")
        XCTAssertEqual(FieldError.invalid("a", .null, "d").body, "Invalid value: null: d")
        XCTAssertEqual(FieldError.invalid("a", ["k": "v", "n": [1, 2]], "d").body, #"Invalid value: {"k":"v","n":[1,2]}: d"#)
        XCTAssertEqual(FieldError.invalid("a", ["x", 1], "d").body, #"Invalid value: ["x",1]: d"#)
    }

    func testKindsThatNeverShowTheValue() {
        XCTAssertEqual(FieldError(.required, field: "spec.x", value: "ignored", detail: "need it").message, "spec.x: Required value: need it")
        XCTAssertEqual(FieldError.required("spec.x").message, "spec.x: Required value")
        XCTAssertEqual(FieldError.forbidden("spec.x", "no").message, "spec.x: Forbidden: no")
        XCTAssertEqual(FieldError(.tooLong, field: "f", value: "abc", detail: "must have at most 2 bytes").body, "Too long: must have at most 2 bytes")
    }

    func testDuplicateNotSupportedAndTooMany() {
        XCTAssertEqual(FieldError.duplicate("spec.g[1].groupName", "a").message, #"spec.g[1].groupName: Duplicate value: "a""#)
        XCTAssertEqual(FieldError.notSupported("spec.v", "v3", supported: ["v1", "v2"]).message,
                       #"spec.v: Unsupported value: "v3": supported values: "v1", "v2""#)
        XCTAssertEqual(FieldError(.tooMany, field: "f", value: 5, detail: "must have at most 3 items").body, "Too many: 5: must have at most 3 items")
        XCTAssertEqual(FieldError(.invalid, field: "f", value: nil, detail: "d").body, "Invalid value: d")
    }

    func testReasonNames() {
        XCTAssertEqual(FieldError.Kind.invalid.rawValue, "FieldValueInvalid")
        XCTAssertEqual(FieldError.Kind.required.rawValue, "FieldValueRequired")
        XCTAssertEqual(FieldError.Kind.notSupported.rawValue, "FieldValueNotSupported")
    }

    /// Go's %q: quotes, backslashes and control characters escaped; printable Unicode kept.
    func testStringQuotingLikeGo() {
        XCTAssertEqual(GoRendering.quote("a\"b\\c"), #""a\"b\\c""#)
        XCTAssertEqual(GoRendering.quote("tab\there\nnl"), #""tab\there\nnl""#)
        XCTAssertEqual(GoRendering.quote("\u{01}\u{7F}"), #""\x01\x7f""#)
        XCTAssertEqual(GoRendering.quote("héllo ✓"), "\"héllo ✓\"")
        XCTAssertEqual(GoRendering.quote("\u{2028}"), #""\u2028""#)
    }

    /// Go's encoding/json escapes <, > and & (HTML-safe) inside structured values.
    func testStructuredValuesUseGoJSONEscaping() {
        XCTAssertEqual(GoRendering.badValue(["a": "<b>&\"\n\u{01}"]), #"{"a":"\u003cb\u003e\u0026\"\n\u0001"}"#)
    }

    func testGoListRendering() {
        XCTAssertEqual(GoRendering.list(["a b", "c"]), "[a b c]")
        XCTAssertEqual(GoRendering.list([]), "[]")
    }
}
