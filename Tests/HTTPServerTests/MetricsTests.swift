@testable import Metrics
import Foundation
import XCTest
@testable import HTTPServer
@testable import TLS
@testable import Threads

final class MetricsTests: XCTestCase {
    typealias ExpositionParser = ServerPartsSupport.ExpositionParser

    func testGoldenRendering() {
        let registry = MetricsRegistry()
        registry.counter("controller_runtime_webhook_requests_total", help: "Total number of admission requests by HTTP status code.",
                         labels: ["webhook": "/validate-ray-io-v1-raycluster", "code": "200"]).increment(by: 3)
        registry.counter("controller_runtime_webhook_requests_total", help: "ignored: first help wins",
                         labels: ["code": "500", "webhook": "/convert"]).increment()
        registry.gauge("controller_runtime_webhook_requests_in_flight", help: "Current number of admission requests being served.").set(2)
        let latency = registry.histogram("controller_runtime_webhook_latency_seconds", help: "Histogram of the latency of processing admission requests",
                                         buckets: [0.1, 0.005, 1, 0.005, .infinity], labels: ["webhook": "/convert"])
        for value in [0.001, 0.005, 0.05, 0.5, 3] { latency.observe(value) }
        latency.observe(.nan)
        XCTAssertEqual(registry.render(), """
        # HELP controller_runtime_webhook_latency_seconds Histogram of the latency of processing admission requests
        # TYPE controller_runtime_webhook_latency_seconds histogram
        controller_runtime_webhook_latency_seconds_bucket{webhook="/convert",le="0.005"} 2
        controller_runtime_webhook_latency_seconds_bucket{webhook="/convert",le="0.1"} 3
        controller_runtime_webhook_latency_seconds_bucket{webhook="/convert",le="1"} 4
        controller_runtime_webhook_latency_seconds_bucket{webhook="/convert",le="+Inf"} 5
        controller_runtime_webhook_latency_seconds_sum{webhook="/convert"} 3.556
        controller_runtime_webhook_latency_seconds_count{webhook="/convert"} 5
        # HELP controller_runtime_webhook_requests_in_flight Current number of admission requests being served.
        # TYPE controller_runtime_webhook_requests_in_flight gauge
        controller_runtime_webhook_requests_in_flight 2
        # HELP controller_runtime_webhook_requests_total Total number of admission requests by HTTP status code.
        # TYPE controller_runtime_webhook_requests_total counter
        controller_runtime_webhook_requests_total{code="200",webhook="/validate-ray-io-v1-raycluster"} 3
        controller_runtime_webhook_requests_total{code="500",webhook="/convert"} 1

        """)
    }

    func testSameNameAndLabelsIsTheSameInstance() {
        let registry = MetricsRegistry()
        let a = registry.counter("x_total", help: "h", labels: ["a": "1", "b": "2"])
        let b = registry.counter("x_total", help: "h", labels: ["b": "2", "a": "1"])
        let other = registry.counter("x_total", help: "h", labels: ["a": "2", "b": "2"])
        XCTAssertTrue(a === b)
        XCTAssertFalse(a === other)
        XCTAssertTrue(registry.gauge("g", help: "h") === registry.gauge("g", help: "h"))
        // two spellings that sanitize to one name are one series (and are found again fast)
        let dashed = registry.counter("a-b_total", help: "h")
        XCTAssertTrue(dashed === registry.counter("a_b_total", help: "h"))
        XCTAssertTrue(dashed === registry.counter("a-b_total", help: "h"))
        XCTAssertTrue(registry.histogram("h", help: "h", buckets: [1]) === registry.histogram("h", help: "h", buckets: [2]))
        XCTAssertEqual(registry.histogram("h", help: "h", buckets: [2]).bounds, [1], "first registration fixes the buckets")
    }

    func testTypeConflictDoesNotCrashOrRender() {
        let registry = MetricsRegistry()
        registry.counter("m", help: "a counter").increment()
        let gauge = registry.gauge("m", help: "not a gauge")
        gauge.set(42)
        XCTAssertEqual(gauge.value, 42)
        XCTAssertFalse(registry.render().contains("42"))
        XCTAssertTrue(registry.render().contains("# TYPE m counter\nm 1\n"))
    }

    func testEscapingAndSanitizing() {
        let registry = MetricsRegistry()
        registry.counter("bad-name.total", help: "line one\nback\\slash", labels: ["path": "a\"b\\c\nd", "0bad-label": "v"]).increment()
        let text = registry.render()
        XCTAssertTrue(text.contains("# HELP bad_name_total line one\\nback\\\\slash\n"), text)
        XCTAssertTrue(text.contains("bad_name_total{_bad_label=\"v\",path=\"a\\\"b\\\\c\\nd\"} 1\n"), text)
    }

    func testCounterAndGaugeSemantics() {
        let counter = Counter()
        counter.increment()
        counter.increment(by: 5)
        counter.increment(by: -3)
        counter.increment(by: 0)
        XCTAssertEqual(counter.value, 6)
        counter.increment(by: Int.max)   // wraps rather than traps
        let gauge = Gauge()
        gauge.add(2.5)
        gauge.decrement()
        gauge.increment()
        gauge.add(-0.5)
        XCTAssertEqual(gauge.value, 2)
        gauge.set(-7.25)
        XCTAssertEqual(gauge.value, -7.25)
        XCTAssertEqual(formatNumber(.infinity), "+Inf")
        XCTAssertEqual(formatNumber(-.infinity), "-Inf")
        XCTAssertEqual(formatNumber(.nan), "NaN")
        XCTAssertEqual(formatNumber(0.00001), "1e-05")
        XCTAssertEqual(formatNumber(1e20), "1e+20")
    }

    func testConcurrentUpdatesAreExact() {
        let registry = MetricsRegistry()
        let threads = 4, iterations = 50_000
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let counter = registry.counter("c_total", help: "h")
            let gauge = registry.gauge("g", help: "h")
            let histogram = registry.histogram("h_seconds", help: "h", buckets: MetricsRegistry.defaultBuckets)
            let mine = registry.counter("per_worker_total", help: "h", labels: ["worker": String(worker)])
            for index in 0..<iterations {
                counter.increment()
                gauge.add(1)
                histogram.observe(Double(index % 4) * 0.01)
                mine.increment()
            }
        }
        XCTAssertEqual(registry.counter("c_total", help: "h").value, threads * iterations)
        XCTAssertEqual(registry.gauge("g", help: "h").value, Double(threads * iterations))
        XCTAssertEqual(registry.histogram("h_seconds", help: "h", buckets: []).count, threads * iterations)
        let parsed = ExpositionParser.parse(registry.render())
        XCTAssertEqual(parsed.errors, [])
        XCTAssertEqual(parsed.samples.filter { $0.name == "per_worker_total" }.map(\.value), Array(repeating: Double(iterations), count: threads))
        // index % 4 → 0, 0.01, 0.02, 0.03 → le 0.005 holds a quarter, le 0.025 three quarters
        XCTAssertEqual(parsed.sample("h_seconds_bucket", ["le": "0.005"]), Double(threads * iterations / 4))
        XCTAssertEqual(parsed.sample("h_seconds_bucket", ["le": "0.025"]), Double(threads * iterations * 3 / 4))
        XCTAssertEqual(parsed.sample("h_seconds_bucket", ["le": "+Inf"]), Double(threads * iterations))
    }

    /// The rendered text checked by an independent parser (below) and, when installed, by the
    /// official Python client's parser.
    func testRenderedTextParses() throws {
        let registry = MetricsRegistry()
        registry.counter("certwatcher_read_certificate_total", help: "Total number of certificate reads").increment(by: 2)
        registry.counter("certwatcher_read_certificate_errors_total", help: "Total number of certificate read errors").increment()
        registry.gauge("process_open_fds", help: "open fds").set(17)
        let histogram = registry.histogram("lat_seconds", help: "latency", buckets: MetricsRegistry.defaultBuckets, labels: ["webhook": "/convert", "q": "a\"b"])
        for index in 0..<100 { histogram.observe(Double(index) / 50) }
        let text = registry.render()
        let parsed = ExpositionParser.parse(text)
        XCTAssertEqual(parsed.errors, [])
        XCTAssertEqual(parsed.types["lat_seconds"], "histogram")
        XCTAssertEqual(parsed.sample("certwatcher_read_certificate_total", [:]), 2)
        XCTAssertEqual(parsed.sample("lat_seconds_count", ["webhook": "/convert", "q": "a\"b"]), 100)
        // buckets are cumulative and end at the count
        let buckets = parsed.samples.filter { $0.name == "lat_seconds_bucket" }.map(\.value)
        XCTAssertEqual(buckets, buckets.sorted())
        XCTAssertEqual(buckets.last, 100)

        let check = try ServerPartsSupport.run("/usr/bin/env", ["python3", "-c", """
        import sys
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            print("SKIP"); sys.exit(0)
        fams = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
        print(sorted((name, f.type, len(f.samples)) for name, f in fams.items()))
        """], stdin: Array(text.utf8))
        XCTAssertEqual(check.status, 0, check.stderr)
        if check.stdout != "SKIP\n" {
            XCTAssertEqual(check.stdout, "[('certwatcher_read_certificate', 'counter', 1), ('certwatcher_read_certificate_errors', 'counter', 1), "
                           + "('lat_seconds', 'histogram', 14), ('process_open_fds', 'gauge', 1)]\n")
        }
    }
}

extension ServerPartsSupport {
    /// A small, strict parser of the Prometheus text format 0.0.4, independent of the renderer.
    struct ExpositionParser {
        struct Sample { var name: String; var labels: [String: String]; var value: Double }
        var samples: [Sample] = []
        var types: [String: String] = [:]
        var errors: [String] = []

        func sample(_ name: String, _ subset: [String: String]) -> Double? {
            samples.first { sample in sample.name == name && subset.allSatisfy { key, value in sample.labels[key] == value } }?.value
        }

        static func parse(_ text: String) -> ExpositionParser {
            var result = ExpositionParser()
            var helped = Set<String>()
            guard text.isEmpty || text.hasSuffix("\n") else { return ExpositionParser(errors: ["no final newline"]) }
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                if line.hasPrefix("# HELP ") {
                    let name = String(line.dropFirst(7).prefix { $0 != " " })
                    if helped.contains(name) { result.errors.append("HELP twice for \(name)") }
                    helped.insert(name)
                    continue
                }
                if line.hasPrefix("# TYPE ") {
                    let parts = line.dropFirst(7).split(separator: " ")
                    guard parts.count == 2, ["counter", "gauge", "histogram", "summary", "untyped"].contains(String(parts[1])) else {
                        result.errors.append("bad TYPE: \(line)"); continue
                    }
                    if !helped.contains(String(parts[0])) { result.errors.append("TYPE before HELP: \(line)") }
                    result.types[String(parts[0])] = String(parts[1])
                    continue
                }
                var rest = Substring(line)
                let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
                rest = rest.dropFirst(name.count)
                guard !name.isEmpty, !(name.first?.isNumber ?? true) else { result.errors.append("bad name: \(line)"); continue }
                var labels: [String: String] = [:]
                if rest.first == "{" {
                    rest = rest.dropFirst()
                    while rest.first != "}" {
                        let key = String(rest.prefix { $0 != "=" })
                        rest = rest.dropFirst(key.count)
                        guard rest.hasPrefix("=\"") else { result.errors.append("bad label: \(line)"); break }
                        rest = rest.dropFirst(2)
                        var value = ""
                        while let character = rest.first, character != "\"" {
                            rest = rest.dropFirst()
                            if character == "\\" {
                                switch rest.first {
                                case "\\": value.append("\\")
                                case "\"": value.append("\"")
                                case "n": value.append("\n")
                                default: result.errors.append("bad escape: \(line)")
                                }
                                rest = rest.dropFirst()
                            } else {
                                value.append(character)
                            }
                        }
                        rest = rest.dropFirst()   // closing quote
                        labels[key] = value
                        if rest.first == "," { rest = rest.dropFirst() }
                        if rest.isEmpty { result.errors.append("unterminated labels: \(line)"); break }
                    }
                    rest = rest.dropFirst()
                }
                guard rest.first == " " else { result.errors.append("no value: \(line)"); continue }
                let valueText = rest.dropFirst()
                let value: Double? = valueText == "+Inf" ? .infinity : valueText == "-Inf" ? -.infinity : valueText == "NaN" ? .nan : Double(valueText)
                guard let value else { result.errors.append("bad value: \(line)"); continue }
                let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                    name.hasSuffix(suffix) && result.types[String(name.dropLast(suffix.count))] == "histogram" ? String(name.dropLast(suffix.count)) : name
                }
                if result.types[family] == nil { result.errors.append("sample before TYPE: \(line)") }
                result.samples.append(Sample(name: name, labels: labels, value: value))
            }
            return result
        }
    }
}

final class MetricsRemovalTests: XCTestCase {
    func testRemovedSeriesIsNotRenderedAndComesBackFresh() {
        let registry = MetricsRegistry()
        registry.gauge("kuberay_cluster_info", help: "h", labels: ["name": "a"]).set(1)
        registry.gauge("kuberay_cluster_info", help: "h", labels: ["name": "b"]).set(1)
        registry.remove("kuberay_cluster_info", labels: ["name": "a"])
        let text = registry.render()
        XCTAssertFalse(text.contains(#"name="a""#), text)
        XCTAssertTrue(text.contains(#"kuberay_cluster_info{name="b"} 1"#), text)
        XCTAssertEqual(registry.gauge("kuberay_cluster_info", help: "h", labels: ["name": "a"]).value, 0)
    }
}
