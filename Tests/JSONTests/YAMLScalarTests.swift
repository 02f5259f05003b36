import XCTest
@testable import JSON

/// kubectl's (go-yaml v2, YAML 1.1) reading of scalars, one rule at a time, through the real loader.
final class YAMLScalarTests: XCTestCase {
    /// The value of `v` in the one-document YAML `v: <scalar>`.
    func value(_ scalar: String, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        do {
            let documents = try YAMLLoader.load(Array("v: \(scalar)\n".utf8))
            XCTAssertEqual(documents.count, 1, file: file, line: line)
            return documents.first?["v"]
        } catch {
            XCTFail("v: \(scalar) → \(error)", file: file, line: line)
            return nil
        }
    }

    func error(_ scalar: String) -> YAMLError? {
        do {
            _ = try YAMLLoader.load(Array("v: \(scalar)\n".utf8))
            return nil
        } catch {
            return error
        }
    }

    func testBooleans() {
        for word in ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] {
            XCTAssertEqual(value(word), .bool(true), word)
        }
        for word in ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] {
            XCTAssertEqual(value(word), .bool(false), word)
        }
        // Not booleans: other spellings, and quoted words.
        for word in ["yES", "tRUE", "oN", "nO", "yess", "T", "F"] {
            XCTAssertEqual(value(word), .string(word), word)
        }
        XCTAssertEqual(value("\"yes\""), .string("yes"))
        XCTAssertEqual(value("'off'"), .string("off"))
    }

    func testReservedWordsFitTheResolverFastPath() {
        // resolvePlain only looks words up for text of at most 5 bytes.
        let words = YAMLScalarResolver.trueWords.union(YAMLScalarResolver.falseWords)
            .union(YAMLScalarResolver.nullWords).union(YAMLScalarResolver.specialFloats)
        XCTAssertEqual(words.map(\.utf8.count).max(), 5)
    }

    func testNulls() {
        for word in ["~", "null", "Null", "NULL", ""] {
            XCTAssertEqual(value(word), .null, word.debugDescription)
        }
        XCTAssertEqual(value("nULL"), .string("nULL"))
        XCTAssertEqual(value("\"\""), .string(""))
        XCTAssertEqual(value("''"), .string(""))
        XCTAssertEqual(value("\"null\""), .string("null"))
    }

    func testIntegers() {
        let cases: [(String, JSONValue)] = [
            ("0", .integer(0)), ("1", .integer(1)), ("-1", .integer(-1)), ("+7", .integer(7)),
            ("1_000_000", .integer(1_000_000)), ("0x1F", .integer(31)), ("0XfF", .integer(255)), ("-0x10", .integer(-16)),
            ("0b101", .integer(5)), ("-0b11", .integer(-3)), ("0777", .integer(511)), ("0o17", .integer(15)),
            ("9223372036854775807", .integer(Int64.max)), ("-9223372036854775808", .integer(Int64.min)),
            ("9223372036854775808", .number("9223372036854775808")),
            ("18446744073709551615", .number("18446744073709551615")),
            ("123456789012345678901234567890", .number("123456789012345678901234567890")),
            ("-0", .number("-0")), ("08", .integer(8)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(value(text), expected, text)
        }
        // The exact literal of big integers is kept.
        if case .number(let digits)? = value("123456789012345678901234567890") {
            XCTAssertEqual(digits, "123456789012345678901234567890")
        } else {
            XCTFail("big integer not kept as digits")
        }
        XCTAssertEqual(value("\"12\""), .string("12"))
        XCTAssertEqual(value("0x"), .string("0x"))
        XCTAssertEqual(value("0xZ1"), .string("0xZ1"))
        XCTAssertEqual(value("12abc"), .string("12abc"))
        XCTAssertEqual(value("1 000"), .string("1 000"))
    }

    func testFloats() {
        let cases: [(String, String)] = [
            ("1.5", "1.5"), ("-1.5", "-1.5"), ("+1.5", "1.5"), (".5", "0.5"), ("-.5", "-0.5"), ("1.", "1.0"),
            ("1e3", "1e3"), ("1E3", "1E3"), ("1.5e-3", "1.5e-3"), ("1_000.5", "1000.5"), ("00.5", "0.5"),
            ("1e400", "1e400"), ("6.02e+23", "6.02e+23"),
        ]
        for (text, literal) in cases {
            guard case .number(let kept)? = value(text) else {
                XCTFail("\(text) is not a number: \(String(describing: value(text)))")
                continue
            }
            XCTAssertEqual(kept, literal, text)
            XCTAssertNoThrow(try JSONValue.parse(kept), "\(kept) must be a valid JSON literal")
        }
        for text in [".", "1.2.3", "1e", "e3", "1.5f", "+", "1,5", "0x1.8p1"] {
            XCTAssertEqual(value(text), .string(text), text)
        }
    }

    func testInfinityAndNaNAreErrors() {
        for text in [".inf", ".Inf", ".INF", "-.inf", "+.inf", "-.Inf", ".nan", ".NaN", ".NAN"] {
            guard let error = error(text) else {
                XCTFail("\(text) accepted")
                continue
            }
            XCTAssertEqual(error.line, 1)
            XCTAssertEqual(error.column, 4)
            XCTAssertTrue(error.reason.contains("cannot be represented in JSON"), error.reason)
        }
        XCTAssertEqual(value("\".inf\""), .string(".inf"))
    }

    func testTimestampsAndOtherTextStayStrings() {
        for text in ["2024-01-15", "2024-01-15T10:20:30Z", "2001-12-14 21:59:43.10 -5", "12:30:00", "1:20", "v1.2.3",
                     "500m", "2Gi", "10.0.0.1", "ray.io/v1", "a b c", "=", "é"] {
            XCTAssertEqual(value(text), .string(text), text)
        }
    }

    func testQuotedScalarsAreStrings() {
        XCTAssertEqual(value("\"1.5\""), .string("1.5"))
        XCTAssertEqual(value("'true'"), .string("true"))
        XCTAssertEqual(value("\"a\\tb\\u00e9\\x41\""), .string("a\tbéA"))
        XCTAssertEqual(value("'it''s'"), .string("it's"))
    }

    func testExplicitTags() {
        XCTAssertEqual(value("!!str 123"), .string("123"))
        XCTAssertEqual(value("!!str yes"), .string("yes"))
        XCTAssertEqual(value("!!str"), .string(""))
        XCTAssertEqual(value("!!int \"42\""), .integer(42))
        XCTAssertEqual(value("!!int 0x10"), .integer(16))
        XCTAssertEqual(value("!!bool \"yes\""), .bool(true))
        XCTAssertEqual(value("!!float 1"), .number("1.0"))
        XCTAssertEqual(value("!!float \"2.5\""), .number("2.5"))
        XCTAssertEqual(value("!!null \"\""), .null)
        XCTAssertEqual(value("!!timestamp 2024-01-15"), .string("2024-01-15"))
        XCTAssertEqual(value("!custom 12"), .string("12"))
        XCTAssertEqual(value("! 12"), .string("12"))
        XCTAssertEqual(value("!<tag:yaml.org,2002:int> 12"), .integer(12))
        for bad in ["!!int abc", "!!int 1.5", "!!bool 1", "!!float abc", "!!null 0", "!!map x"] {
            guard let error = error(bad) else {
                XCTFail("\(bad) accepted")
                continue
            }
            XCTAssertTrue(error.reason.contains("cannot decode"), error.reason)
        }
    }

    func testNonStringKeysBecomeTheirStringForm() throws {
        let documents = try YAMLLoader.load(Array("true: a\n1: b\n0x10: c\nnull: d\n1.5: e\nno: f\n".utf8))
        XCTAssertEqual(documents.first?.objectValue?.keys, ["true", "1", "16", "null", "1.5", "false"])
        XCTAssertEqual(documents.first?["true"], .string("a"))
        XCTAssertEqual(documents.first?["16"], .string("c"))
        XCTAssertEqual(documents.first?["false"], .string("f"))
    }

    func testKeysEqualAfterResolutionAreDuplicates() {
        // `yes` and `true` are the same boolean key; `1` and `"1"` the same JSON member name.
        for text in ["true: a\nyes: b\n", "1: a\n\"1\": b\n", "0x10: a\n16: b\n"] {
            XCTAssertThrowsError(try YAMLLoader.load(Array(text.utf8)), text) { error in
                XCTAssertEqual((error as? YAMLError)?.line, 2, text)
                XCTAssertTrue("\(error)".contains("already set"), "\(error)")
            }
        }
    }
}
