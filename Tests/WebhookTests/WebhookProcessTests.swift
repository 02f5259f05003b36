import TLS
import Conversion
import Foundation
import Logging
import XCTest
@testable import Admission
@testable import HTTPServer
@testable import TLS
@testable import Threads
@testable import Webhook

/// The webhook process in-process (real sockets, real certificates, real clients): routes, probes,
/// metrics, the development certificate, and certificate reload from a kubelet-style Secret mount.
final class WebhookProcessTests: XCTestCase {
    private func options(certDir: String) -> WebhookOptions {
        var options = WebhookOptions()
        options.port = 0
        options.bindAddress = "127.0.0.1"
        options.certDir = certDir
        options.metricsBindAddress = "127.0.0.1:0"
        options.healthProbeBindAddress = "127.0.0.1:0"
        options.server = ServerConfiguration(ioThreads: 2, workerThreads: 2)
        options.server.drainSeconds = 0.2
        options.server.shutdownGraceSeconds = 2
        options.certPollSeconds = 10
        options.bodyLimits = WebhookBodyLimits(admissionBytes: 4096, conversionBytes: 64 * 1024)
        return options
    }

    private var logger: Logger {
        var logger = Logger(label: "webhook-test")
        logger.logLevel = .error
        return logger
    }

    private func curl(_ arguments: [String]) -> WebhookProcessResult {
        webhookRun(["curl", "-s"] + arguments, timeout: 20)
    }

    func testRoutesAnswerWhatTheEndpointsAnswer() throws {
        let directory = webhookTempDirectory("webhook-routes")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try webhookMakeCertificate(in: directory, commonName: "localhost")
        try pair.certificate.write(to: URL(fileURLWithPath: directory + "/tls.crt"))
        try pair.key.write(to: URL(fileURLWithPath: directory + "/tls.key"))
        let process = try WebhookProcess(options: options(certDir: directory), logger: logger)
        defer { process.stopNow() }
        let base = "https://127.0.0.1:\(process.webhookPort)"
        let body = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1"}}"#
        let cases: [(String, WebhookReply)] = [
            (WebhookPaths.validate, AdmissionEndpoint.validate(body: Array(body.utf8), contentType: "application/json", gates: FeatureGates())),
            (WebhookPaths.mutate, AdmissionEndpoint.mutate(body: Array(body.utf8), contentType: "application/json", gates: FeatureGates())),
            (WebhookPaths.convert, ConversionEndpoint.convert(body: Array(body.utf8), contentType: "application/json")),
        ]
        for (path, expected) in cases {
            let result = curl(["-k", "-H", "Content-Type: application/json", "--data-binary", body, "-w", "\n%{http_code}", base + path])
            XCTAssertEqual(result.stdout, String(decoding: expected.body, as: UTF8.self) + "\n\(expected.status)", path)
            XCTAssertEqual(process.metrics.requests(path, code: expected.status), 1, path)
        }
        // HTTP-level refusals before any endpoint runs.
        XCTAssertEqual(curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", base + WebhookPaths.validate]).stdout, "405")
        XCTAssertEqual(curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/yaml",
                             "--data-binary", "a: 1", base + WebhookPaths.validate]).stdout, "415")
        let big = directory + "/big.json"
        _ = FileManager.default.createFile(atPath: big, contents: Data(repeating: 0x20, count: 5000))
        XCTAssertEqual(curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                             "--data-binary", "@" + big, base + WebhookPaths.mutate]).stdout, "413")
        // …but the conversion route has its own, larger limit.
        let converted = curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                              "--data-binary", "@" + big, base + WebhookPaths.convert]).stdout
        XCTAssertNotEqual(converted, "413")
        XCTAssertEqual(curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", base + "/nope"]).stdout, "404")
    }

    func testProbesAndMetrics() throws {
        let directory = webhookTempDirectory("webhook-probes")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try webhookMakeCertificate(in: directory, commonName: "localhost")
        try pair.certificate.write(to: URL(fileURLWithPath: directory + "/tls.crt"))
        try pair.key.write(to: URL(fileURLWithPath: directory + "/tls.key"))
        // A drain long enough for the probes below to be answered within it on a loaded machine.
        var probeOptions = options(certDir: directory)
        probeOptions.server.drainSeconds = 5
        let process = try WebhookProcess(options: probeOptions, logger: logger)
        let health = try XCTUnwrap(process.healthPort), metricsPort = try XCTUnwrap(process.metricsPort)
        XCTAssertEqual(curl(["-w", " %{http_code}", "http://127.0.0.1:\(health)/healthz"]).stdout, "ok 200")
        XCTAssertEqual(curl(["-w", " %{http_code}", "http://127.0.0.1:\(health)/readyz"]).stdout, "ok 200")
        _ = curl(["-k", "-H", "Content-Type: application/json", "--data-binary", "{}", "https://127.0.0.1:\(process.webhookPort)\(WebhookPaths.validate)"])
        let metrics = curl(["http://127.0.0.1:\(metricsPort)/metrics"]).stdout
        for name in ["controller_runtime_webhook_requests_total{code=", "controller_runtime_webhook_latency_seconds_bucket{webhook=\"/validate-ray-io-v1-raycluster\",le=\"0.005\"}",
                     "controller_runtime_webhook_requests_in_flight{webhook=\"/convert\"} 0", "certwatcher_read_certificate_total 1",
                     "certwatcher_read_certificate_errors_total 0", "ray_operator_webhook_connections_accepted_total",
                     "# TYPE controller_runtime_webhook_latency_seconds histogram"] {
            XCTAssertTrue(metrics.contains(name), "missing \(name) in\n\(metrics)")
        }
        // Shutdown: readiness fails as soon as the drain starts, liveness stays.
        let done = DispatchSemaphore(value: 0)
        let finished = WebhookFlag()
        DispatchQueue.global().async { process.shutdown(); finished.set(); done.signal() }
        XCTAssertTrue(webhookPoll(timeout: 30) { process.server.isDraining }, "shutdown did not start draining")
        let ready = curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(health)/readyz"]).stdout
        let live = curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(health)/healthz"]).stdout
        XCTAssertFalse(finished.isSet, "the probes were answered after the drain ended; the test proves nothing")
        XCTAssertEqual(ready, "503")
        XCTAssertEqual(live, "200")
        done.wait()
    }

    func testDevelopmentCertificateWhenTheCertDirIsEmpty() throws {
        let empty = webhookTempDirectory("webhook-empty")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let process = try WebhookProcess(options: options(certDir: empty), logger: logger)
        defer { process.stopNow() }
        let generated = try XCTUnwrap(process.developmentCertificateDirectory)
        defer { try? FileManager.default.removeItem(atPath: generated) }
        // Verified against the generated CA, by host name: no -k.
        let result = curl(["--cacert", generated + "/ca.crt", "-o", "/dev/null", "-w", "%{http_code}",
                           "https://localhost:\(process.webhookPort)/nope"])
        XCTAssertEqual(result.stdout, "404", result.stderr)
    }

    func testKubeletSymlinkSwapIsServedToNewConnectionsWithoutFailedRequests() throws {
        let directory = webhookTempDirectory("webhook-swap")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let work = directory + "/work", mount = directory + "/mount"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let secret = KubeletSecretDirectory(path: mount)
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let first = try webhookMakeCertificate(in: work, commonName: "first")
        let second = try webhookMakeCertificate(in: work, commonName: "second")
        try secret.swap(certificate: first.certificate, key: first.key)
        var opts = options(certDir: mount)
        opts.certPollSeconds = 10
        let process = try WebhookProcess(options: opts, logger: logger)
        defer { process.stopNow() }
        let secondFingerprint = try TLSContext.load(certificatePEM: Array(second.certificate), keyPEM: Array(second.key), clientCAPEM: nil).fingerprint
        let firstFingerprint = try TLSContext.load(certificatePEM: Array(first.certificate), keyPEM: Array(first.key), clientCAPEM: nil).fingerprint

        // A client loop: a new TLS connection per request (plus one keep-alive connection that
        // must survive the swap with its old certificate), until the new certificate shows (the
        // 10 s poll at the latest; the loop gives it 45 s, so only a reload that never comes fails).
        let client = try WebhookChild(["python3", "-c", webhookPythonPrelude + """
        kept = connect()
        kept_fp = fingerprint(kept)
        open(os.environ["MARKER"], "w").close()
        start = time.time()
        failures, requests, switched = 0, 0, None
        while time.time() - start < 45:
            try:
                s = connect()
                fp = fingerprint(s)
                s.sendall(REQUEST)
                r = read_response(s)
                s.close()
                if not r.startswith(b"HTTP/1.1 "):
                    failures += 1
                requests += 1
                if fp == os.environ["NEW"] and switched is None:
                    switched = time.time() - start
                if switched is not None and time.time() - start > switched + 1:
                    break
            except Exception as e:
                failures += 1
                print("failure", repr(e), file=sys.stderr)
            time.sleep(0.02)
        kept.sendall(REQUEST)
        kept_ok = read_response(kept).startswith(b"HTTP/1.1 ")
        print(failures, requests > 10, switched is not None, kept_fp == os.environ["OLD"], kept_ok)
        """], environment: ["SERVER_PORT": "\(process.webhookPort)", "NEW": secondFingerprint, "OLD": firstFingerprint, "MARKER": work + "/started"])
        XCTAssertTrue(webhookPoll(timeout: 30) { FileManager.default.fileExists(atPath: work + "/started") }, client.stderr)
        // Swap once the client has been served with the first certificate a few times.
        XCTAssertTrue(webhookPoll(timeout: 30) { process.server.stats.requestsServed.load(ordering: .relaxed) >= 5 },
                      "the client loop never got going: \(client.stderr)")
        try secret.swap(certificate: second.certificate, key: second.key)
        client.wait(timeout: 90)
        XCTAssertEqual(client.stdout, "0 True True True True\n", client.stderr)
        XCTAssertGreaterThanOrEqual(process.metrics.certificateReads.value, 2)

        // A corrupt pair is logged and ignored: new connections keep getting the second certificate.
        try secret.swap(certificate: Data("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n".utf8), key: second.key)
        XCTAssertTrue(webhookPoll(timeout: 30) { process.metrics.certificateReadErrors.value > 0 }, "the corrupt pair was never read")
        XCTAssertEqual(process.metrics.certificateReadErrors.value, 1)
        let check = webhookRun(["python3", "-c", webhookPythonPrelude + """
        s = connect()
        print(fingerprint(s) == os.environ["NEW"])
        s.sendall(REQUEST)
        print(read_response(s).startswith(b"HTTP/1.1 "))
        """], environment: ["SERVER_PORT": "\(process.webhookPort)", "NEW": secondFingerprint])
        XCTAssertEqual(check.stdout, "True\nTrue\n", check.stderr)
    }
}
