import XCTest
import TestSupport
@testable import JSON
@testable import RayAPI

/// `resource.Quantity` parsing and printing, against what Kubernetes prints for
/// `resource.MustParse(input).String()`.
final class QuantityTests: XCTestCase {
    /// (input, what Kubernetes prints)
    private let table: [(String, String)] = [
        ("0", "0"),
        ("-0", "0"),
        ("0.0", "0"),
        ("000", "0"),
        ("0Gi", "0"),
        ("1", "1"),
        ("10", "10"),
        ("1000", "1k"),
        ("2000", "2k"),
        ("1500", "1500"),
        ("1024", "1024"),
        ("1000000", "1M"),
        ("1.0", "1"),
        ("1.5", "1500m"),
        ("0.5", "500m"),
        ("0.1", "100m"),
        (".5", "500m"),
        ("0.001", "1m"),
        ("0.0001", "100u"),
        ("100m", "100m"),
        ("1500m", "1500m"),
        ("1000m", "1"),
        ("250m", "250m"),
        ("1n", "1n"),
        ("0.5n", "1n"),
        ("1.5n", "2n"),
        ("1u", "1u"),
        ("1k", "1k"),
        ("1000k", "1M"),
        ("1.5k", "1500"),
        ("100M", "100M"),
        ("12e6", "12e6"),
        ("1e3", "1e3"),
        ("1E3", "1E3"),
        ("1e4", "10e3"),
        ("1000e3", "1e6"),
        ("1.5e3", "1500"),
        ("5e-3", "5e-3"),
        ("0.5e-3", "500e-6"),
        ("1e-10", "1e-9"),
        ("-1", "-1"),
        ("-1.5", "-1500m"),
        ("-100m", "-100m"),
        ("1Ki", "1Ki"),
        ("2Gi", "2Gi"),
        ("8Gi", "8Gi"),
        ("100Mi", "100Mi"),
        ("128Mi", "128Mi"),
        ("512Mi", "512Mi"),
        ("1024Mi", "1Gi"),
        ("2048Ki", "2Mi"),
        ("0.5Gi", "512Mi"),
        ("1.5Gi", "1536Mi"),
        ("-0.5Gi", "-512Mi"),
        ("0.5Ki", "512"),
        ("1.1Ki", "1126400m"),
        ("1Pi", "1Pi"),
        ("1Ei", "1Ei"),
        ("8Ei", "9223372036854775807"),
        ("123456789012345678", "123456789012345678"),
        ("9223372036854775807", "9223372036854775807"),
        ("9223372036854775808", "9223372036854775807"),
        ("99999999999999999999999", "9223372036854775807"),
        ("0.1234567890123456789", "123456790n"),
        // From apimachinery's own String() tables (alternate spellings of one value).
        (".001e12", "1e9"),
        ("0.001e0", "1e-3"),
        ("1000e-12", "1e-9"),
        ("00", "0"),
        ("1.08", "1080m"),
        ("1025", "1025"),
        ("80e-3", "80e-3"),
        ("300e6", "300e6"),
        ("1234567M", "1234567M"),
        ("1001Gi", "1001Gi"),
        ("300Mi", "300Mi"),
        ("6Ki", "6Ki"),
        ("0.1m", "100u"),
        ("80n", "80n"),
    ]

    func testCanonicalStringsAgreeWithKubernetes() throws {
        XCTAssertGreaterThanOrEqual(table.count, 40)
        for (input, expected) in table {
            let quantity = try Quantity(parsing: input)
            XCTAssertEqual(quantity.description, expected, "MustParse(\(input)).String()")
            // The canonical form is a fixed point: it parses back to the same value and prints itself.
            let again = try Quantity(parsing: quantity.canonical)
            XCTAssertEqual(again, quantity, input)
            XCTAssertEqual(again.description, quantity.canonical, input)
        }
    }

    func testFormats() throws {
        XCTAssertEqual(try Quantity(parsing: "1Gi").format, .binarySI)
        XCTAssertEqual(try Quantity(parsing: "1G").format, .decimalSI)
        XCTAssertEqual(try Quantity(parsing: "1e9").format, .decimalExponent)
        XCTAssertEqual(try Quantity(parsing: "1").format, .decimalSI)
        // A binary value below one becomes decimal (Kubernetes does the same).
        XCTAssertEqual(try Quantity(parsing: "0.0000001Ki").format, .decimalSI)
    }

    /// Texts Kubernetes prints back verbatim because they are "already canonical" by its test,
    /// even though they are not in canonical shape.
    func testVerbatimReuseLikeKubernetes() throws {
        XCTAssertEqual(try Quantity(parsing: "+1k").description, "+1k")
        XCTAssertEqual(try Quantity(parsing: "+1k").canonical, "1k")
        XCTAssertEqual(try Quantity(parsing: "01Gi").description, "01Gi")
        XCTAssertEqual(try Quantity(parsing: "01Gi").canonical, "1Gi")
        XCTAssertEqual(try Quantity(parsing: "1.000000001").description, "1.000000001")
        XCTAssertEqual(try Quantity(parsing: "1.000000001").canonical, "1000000001n")
    }

    func testValueAndMilliValue() throws {
        let cases: [(String, Int64?, Int64?)] = [
            ("0", 0, 0),
            ("1", 1, 1000),
            ("1500m", 2, 1500),
            ("100m", 1, 100),
            ("1m", 1, 1),
            ("1n", 1, 1),
            ("-1.5", -2, -1500),
            ("-1n", -1, -1),
            ("2Gi", 2_147_483_648, 2_147_483_648_000),
            ("0.5Gi", 536_870_912, 536_870_912_000),
            ("1k", 1000, 1_000_000),
            ("9223372036854775807", Int64.max, nil),
            ("1e30", nil, nil),
            ("12E", nil, nil),
            ("9E", 9_000_000_000_000_000_000, nil),
        ]
        for (input, value, milli) in cases {
            let quantity = try Quantity(parsing: input)
            XCTAssertEqual(quantity.value, value, input)
            XCTAssertEqual(quantity.milliValue, milli, input)
        }
    }

    func testComparison() throws {
        func q(_ text: String) throws -> Quantity { try Quantity(parsing: text) }
        XCTAssertEqual(try q("1Ki"), try q("1024"))
        XCTAssertEqual(try q("1"), try q("1000m"))
        XCTAssertEqual(try q("0"), try q("-0"))
        XCTAssertEqual(try q("1e3"), try q("1k"))
        XCTAssertLessThan(try q("500m"), try q("1"))
        XCTAssertLessThan(try q("1G"), try q("1Gi"))
        XCTAssertLessThan(try q("-2"), try q("-1"))
        XCTAssertLessThan(try q("-1"), try q("0"))
        XCTAssertLessThan(try q("999Mi"), try q("1Gi"))
        XCTAssertGreaterThan(try q("1e30"), try q("8Ei"))
        XCTAssertGreaterThan(try q("1.0000000001"), try q("1"), "rounded up to 1.000000001")
        XCTAssertEqual(try q("1.0000000001"), try q("1000000001n"))
        XCTAssertEqual(Quantity(1024, format: .binarySI).description, "1Ki")
        XCTAssertEqual(Quantity(-1500).description, "-1500")
        XCTAssertEqual(Quantity(0).description, "0")
        XCTAssertEqual(Quantity(Int64.min).description, "-9223372036854775808")
    }

    func testJSONForms() throws {
        XCTAssertEqual(try Quantity(json: 2).description, "2")
        XCTAssertEqual(try Quantity(json: .number("0.5")).description, "500m")
        XCTAssertEqual(try Quantity(json: .number("1E+3")).canonical, "1e3")
        XCTAssertEqual(try Quantity(json: "4Gi").description, "4Gi")
        XCTAssertThrowsError(try Quantity(json: true))
        XCTAssertThrowsError(try Quantity(json: nil))
    }

    func testMalformedInputsThrowKubernetesErrors() {
        let formatWrong = ["", "abc", "1.2.3", "1 ", " 1", "1 Gi", "1KiB", "1Mb", "1e3.5", "1,000", "0x10", "∞", "1\u{0}"]
        for input in formatWrong {
            XCTAssertThrowsError(try Quantity(parsing: input), input) { error in
                XCTAssertEqual(error as? QuantityError, .formatWrong, input)
            }
        }
        let badSuffix = ["1Ki2", "1e", "1e+", "1K", "1ee3", "1k1", "1e99999999999999999999", "--1", "1iK"]
        for input in badSuffix {
            XCTAssertThrowsError(try Quantity(parsing: input), input) { error in
                XCTAssertEqual(error as? QuantityError, .suffix, input)
            }
        }
        XCTAssertThrowsError(try Quantity(parsing: String(repeating: "1", count: Quantity.maxTextLength + 1))) { error in
            XCTAssertEqual(error as? QuantityError, .tooLong)
        }
        XCTAssertNoThrow(try Quantity(parsing: String(repeating: "1", count: Quantity.maxTextLength)))
    }

    func testOddButAcceptedLikeKubernetes() throws {
        // parseQuantityString accepts a missing number or fraction; ParseQuantity reads them as zero / whole.
        XCTAssertEqual(try Quantity(parsing: ".").description, "0")
        XCTAssertEqual(try Quantity(parsing: "-").description, "0")
        XCTAssertEqual(try Quantity(parsing: "k").description, "0")
        XCTAssertEqual(try Quantity(parsing: "Gi").description, "0")
        XCTAssertEqual(try Quantity(parsing: "1.G").description, "1.G", "reused verbatim")
        XCTAssertEqual(try Quantity(parsing: "1.G").canonical, "1G")
        // Huge exponents stay exponents: no expansion into digits.
        XCTAssertEqual(try Quantity(parsing: "1e2000000000").canonical, "100e1999999998")
        XCTAssertEqual(try Quantity(parsing: "1e-2000000000").canonical, "1e-9")
        XCTAssertEqual(try Quantity(parsing: String(repeating: "9", count: 200) + "e-2000000000").canonical, "1e-9")
        XCTAssertEqual(try Quantity(parsing: String(repeating: "9", count: 200) + "Ei").canonical, "9223372036854775807")
    }

    /// Random texts over the quantity alphabet never crash, and every accepted one prints a
    /// canonical form that parses back to the same value.
    func testRandomTextsNeverCrash() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet = Array("0123456789.+-eEinumkKMGTPi ".utf8)
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 12)
            var bytes: [UInt8] = []
            for _ in 0..<length { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let quantity = try? Quantity(parsing: text) else { continue }
            let again = try Quantity(parsing: quantity.canonical)
            XCTAssertEqual(again, quantity, text)
            _ = quantity.value
            _ = quantity.milliValue
        }
    }
}


/// The CRD schema pattern on quantity fields (storage.size, status desired*).
final class QuantitySchemaPatternTests: XCTestCase {
    func testPattern() {
        for valid in ["1", "+1", "-1", "1.", "1.5", ".5", "1Gi", "1Ei", "1E", "500m", "1n", "1u", "1k", "1e3", "1E3",
                      "1e+3", "1e-3", "1e.5", "1e1.5", "0.5Gi", "2P"] {
            XCTAssertTrue(Quantity.matchesSchemaPattern(valid), valid)
        }
        for invalid in ["", ".", "-", "k", "Gi", "1K", "1Ki2", "1e", "1e+", "1ee3", "1 ", " 1", "1.2.3", "1ki", "1mi", "1Gb",
                        "1e3k", "--1", "1e.", "0x1"] {
            XCTAssertFalse(Quantity.matchesSchemaPattern(invalid), invalid)
        }
    }

    /// Everything the pattern accepts without an exponent fraction, the parser accepts too.
    func testPatternImpliesParsable() {
        for text in ["1", "+1", "1.", ".5", "1Gi", "1E", "500m", "1e3", "1E-3", "12.5Ki"] {
            XCTAssertTrue(Quantity.matchesSchemaPattern(text), text)
            XCTAssertNoThrow(try Quantity(parsing: text), text)
        }
    }
}
