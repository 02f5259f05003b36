import XCTest
import TestSupport
@testable import JSON

final class YAMLEmitterTests: XCTestCase {
    func testKubectlShape() {
        let value: JSONValue = [
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": ["name": "raycluster-sample", "labels": [:], "creationTimestamp": "2024-01-15T10:20:30Z"],
            "spec": [
                "workerGroupSpecs": [
                    ["groupName": "small-group", "replicas": 1, "ratio": .number("0.5"),
                     "template": ["spec": ["containers": [["name": "ray-worker", "args": ["-c", "--", "ray start"], "env": []]]]]],
                ],
                "enableInTreeAutoscaling": false,
                "headGroupSpec": ["rayStartParams": ["num-cpus": "1", "block": "true"], "serviceType": nil],
                "matrix": [[1, 2], []],
            ],
        ]
        let expected = """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: raycluster-sample
          labels: {}
          creationTimestamp: "2024-01-15T10:20:30Z"
        spec:
          workerGroupSpecs:
          - groupName: small-group
            replicas: 1
            ratio: 0.5
            template:
              spec:
                containers:
                - name: ray-worker
                  args:
                  - -c
                  - --
                  - ray start
                  env: []
          enableInTreeAutoscaling: false
          headGroupSpec:
            rayStartParams:
              num-cpus: "1"
              block: "true"
            serviceType: null
          matrix:
          - - 1
            - 2
          - []

        """
        XCTAssertEqual(Manifest.yaml(value), expected)
    }

    func testStringsQuotedOnlyWhenNeeded() {
        let plain = ["abc", "ray.io/cluster", "500m", "2Gi", "10.0.0.1", "a b", "-c", "--", "a:b", "a#b", "é日本", "x-y", "http://h/p?q#f", "a,b", "x]"]
        for s in plain {
            XCTAssertEqual(YAMLEmitter.string(s), s, s)
        }
        let quoted: [(String, String)] = [
            ("", "\"\""), ("yes", "\"yes\""), ("No", "\"No\""), ("on", "\"on\""), ("y", "\"y\""), ("true", "\"true\""),
            ("null", "\"null\""), ("~", "\"~\""), ("1", "\"1\""), ("-1", "\"-1\""), ("1.5", "\"1.5\""), (".5", "\".5\""),
            ("0x1F", "\"0x1F\""), ("0777", "\"0777\""), ("1_000", "\"1_000\""), ("1e3", "\"1e3\""), (".inf", "\".inf\""),
            ("<<", "\"<<\""), (" lead", "\" lead\""), ("trail ", "\"trail \""), ("a: b", "\"a: b\""), ("a #b", "\"a #b\""),
            ("end:", "\"end:\""), ("- a", "\"- a\""), ("-", "\"-\""), ("---", "\"---\""), ("...", "\"...\""), ("#c", "\"#c\""),
            ("&a", "\"&a\""), ("*a", "\"*a\""), ("!t", "\"!t\""), ("|", "\"|\""), (">", "\">\""), ("%x", "\"%x\""),
            ("@x", "\"@x\""), ("`x", "\"`x\""), ("'q'", "\"'q'\""), ("\"q\"", "\"\\\"q\\\"\""), ("{a}", "\"{a}\""),
            ("[a]", "\"[a]\""), ("?", "\"?\""), (":x", "\":x\""), ("12:30", "\"12:30\""), ("2024-01-15", "\"2024-01-15\""),
            ("tab\there", "\"tab\\there\""), ("nul\u{0}", "\"nul\\0\""), ("bell\u{7}", "\"bell\\a\""), ("\u{1B}", "\"\\e\""),
            ("\u{85}", "\"\\N\""), ("\u{2028}", "\"\\L\""), ("\u{FEFF}", "\"\\uFEFF\""), ("\u{7F}", "\"\\x7F\""), ("back\\", "back\\"),
        ]
        for (s, expected) in quoted {
            XCTAssertEqual(YAMLEmitter.string(s), expected, s.debugDescription)
        }
    }

    func testMultiLineStrings() throws {
        let value: JSONValue = ["script": "echo a\necho b\n", "strip": "x\ny", "keep": "x\n\n", "lead": " x\ny", "cr": "a\r\nb"]
        let yaml = Manifest.yaml(value)
        XCTAssertEqual(yaml, "script: |\n  echo a\n  echo b\nstrip: |-\n  x\n  y\nkeep: \"x\\n\\n\"\nlead: \" x\\ny\"\ncr: \"a\\r\\nb\"\n")
        XCTAssertEqual(try Manifest.decode(Array(yaml.utf8), source: "t"), [value])
        // Inside a sequence item, and at the root.
        let nested: JSONValue = ["args": ["ulimit -n 65536\nray start --head\n", "x"]]
        XCTAssertEqual(Manifest.yaml(nested), "args:\n- |\n  ulimit -n 65536\n  ray start --head\n- x\n")
        XCTAssertEqual(try Manifest.decode(Array(Manifest.yaml(nested).utf8), source: "t"), [nested])
        let root: JSONValue = "---\n..."
        XCTAssertEqual(try YAMLLoader.load(Array(Manifest.yaml(root).utf8)), [root])
    }

    func testScalarsAndEmptyRoots() throws {
        XCTAssertEqual(Manifest.yaml(["a": .integer(Int64.min), "b": .number("1e400"), "c": .number("-0"), "d": .number("bad")]),
                       "a: -9223372036854775808\nb: 1e400\nc: -0\nd: null\n")
        XCTAssertEqual(Manifest.yaml([:]), "{}\n")
        XCTAssertEqual(Manifest.yaml([]), "[]\n")
        XCTAssertEqual(Manifest.yaml("yes"), "\"yes\"\n")
        XCTAssertEqual(Manifest.yaml(["": 1, "yes": 2, "a: b": 3]), "\"\": 1\n\"yes\": 2\n\"a: b\": 3\n")
    }

    func testDecodeOfYAMLGivesBackTheValue() throws {
        // The property over generated values: every value survives a YAML round trip, including
        // the tricky strings, numbers and empty collections the generator favours.
        var random = RandomJSON(rng: SeededGenerator(seed: 2024))
        for _ in 0..<3_000 {
            let value = random.value()
            let yaml = Manifest.yaml(value)
            let documents: [JSONValue]
            do {
                documents = try YAMLLoader.load(Array(yaml.utf8))
            } catch {
                XCTFail("\(value)\n---\n\(yaml)\n→ \(error)")
                continue
            }
            XCTAssertEqual(documents, [value], "YAML was:\n\(yaml)")
            // And through Manifest.decode, which skips null and flattens Lists (none generated).
            if !value.isNull {
                XCTAssertEqual(try Manifest.decode(Array(yaml.utf8), source: "gen"), [value])
            }
        }
    }

    func testRandomUnicodeStringsRoundTrip() throws {
        var rng = SeededGenerator(seed: 31337)
        // Ranges that matter to YAML: C0/C1 controls, DEL, NEL, NBSP, line/paragraph separators,
        // BOM, non-characters, astral planes, plus ASCII indicators and spaces.
        let pools: [ClosedRange<UInt32>] = [0x00...0x7F, 0x20...0x7E, 0x80...0xA0, 0x2028...0x2029, 0xFEFF...0xFEFF,
                                            0xFFF0...0xFFFF, 0xE000...0xE010, 0x1F600...0x1F64F, 0x10FFF0...0x10FFFF]
        for _ in 0..<2_000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...10, using: &rng) {
                let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
                if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &rng)) { s.append(scalar) }
            }
            let string = String(s)
            let value: JSONValue = [string: .string(string), "l": [.string(string)]]
            let yaml = Manifest.yaml(value)
            XCTAssertEqual(try YAMLLoader.load(Array(yaml.utf8)), [value], "YAML was:\n\(yaml.debugDescription)")
            XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
        }
    }

    func testLongKeysUseExplicitEntries() throws {
        let long = String(repeating: "k", count: 2000)
        let value: JSONValue = [.init(stringLiteral: long): ["a": 1], "list": [[.init(stringLiteral: long + "\n"): "v", "b": [1]]]]
        let yaml = Manifest.yaml(value)
        XCTAssertTrue(yaml.hasPrefix("? " + long + "\n:\n  a: 1\n"), String(yaml.prefix(80)))
        XCTAssertEqual(try YAMLLoader.load(Array(yaml.utf8)), [value])
    }

    func testTrickyStringsRoundTripAsKeysAndValues() throws {
        for s in RandomJSON.trickyStrings {
            let value: JSONValue = [s: .string(s), "list": [.string(s)]]
            let yaml = Manifest.yaml(value)
            XCTAssertEqual(try YAMLLoader.load(Array(yaml.utf8)), [value], "YAML was:\n\(yaml)")
        }
    }
}
