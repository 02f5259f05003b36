import Foundation
import XCTest

/// The built `ray-operator webhook` binary as a subprocess: start-up, flags, and SIGTERM under load.
final class WebhookShutdownTests: XCTestCase {
    private func certificateDirectory() throws -> String {
        let directory = webhookTempDirectory("webhook-bin")
        let pair = try webhookMakeCertificate(in: directory, commonName: "localhost")
        try pair.certificate.write(to: URL(fileURLWithPath: directory + "/tls.crt"))
        try pair.key.write(to: URL(fileURLWithPath: directory + "/tls.key"))
        return directory
    }

    func testSIGTERMDuringLoadLosesNoRequest() throws {
        let binary = try XCTUnwrap(webhookBinary(), "ray-operator is not built next to the tests")
        let directory = try certificateDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let webhook = try WebhookChild(["webhook", "--port", "0", "--bind-address", "127.0.0.1", "--cert-dir", directory,
                                        "--metrics-bind-address", "0", "--health-probe-bind-address", "127.0.0.1:0",
                                        "--drain-seconds", "10", "--shutdown-grace-seconds", "10", "--log-format", "json"],
                                       executable: binary)
        let port = try XCTUnwrap(webhook.waitForLog(#""address":"[^"]*:(\d+)"[^\n]*"listener":"webhook""#, timeout: 20), webhook.stderr)
        let healthPort = try XCTUnwrap(webhook.waitForLog(#""address":"[^"]*:(\d+)"[^\n]*"listener":"health""#, timeout: 5), webhook.stderr)

        // 8 keep-alive clients hammer the webhook; a request that was sent and got no complete
        // response is lost. A refused connection after the drain is not (nothing was sent).
        let load = try WebhookChild(["python3", "-c", webhookPythonPrelude + """
        lock = threading.Lock()
        stats = {"served": 0, "lost": 0, "closes": 0, "errors": []}
        def worker():
            deadline = time.time() + 30
            while time.time() < deadline:
                try:
                    s = connect(timeout=15)
                except Exception:
                    return            # the server stopped accepting: done
                while True:
                    try:
                        s.sendall(REQUEST)
                        r = read_response(s)
                    except Exception as e:
                        r = b""
                        with lock: stats["errors"].append(repr(e))
                    if not r.startswith(b"HTTP/1.1 "):
                        with lock: stats["lost"] += 1
                        break
                    with lock:
                        stats["served"] += 1
                        if stats["served"] == 200:
                            open(os.environ["MARKER"], "w").close()
                    if b"Connection: close" in r:
                        with lock: stats["closes"] += 1
                        s.close()
                        break
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(stats["served"] > 100, stats["lost"], stats["closes"] > 0, stats["errors"][:3])
        print(stats["served"], stats["closes"], file=sys.stderr)
        """], environment: ["SERVER_PORT": port, "MARKER": directory + "/warm"])
        XCTAssertTrue(webhookPoll(timeout: 30) { FileManager.default.fileExists(atPath: directory + "/warm") },
                      "the load never got going: \(load.stderr)")
        let signalled = Date()
        webhook.signal(SIGTERM)
        // Readiness fails once the drain has begun (its log line), for the whole drain. The window is
        // long (10 s) so that a loaded machine still asks within it.
        XCTAssertNotNil(webhook.waitForLog(#""msg":"(shutdown: draining)""#, timeout: 30), webhook.stderr)
        let ready = webhookRun(["curl", "-s", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(healthPort)/readyz"])
        let drainOver = webhook.stderr.contains("shutdown: listeners closed")
        XCTAssertFalse(drainOver, "readiness was asked after the drain; the test proves nothing")
        XCTAssertEqual(ready.stdout, "503", "readiness must fail during the drain after SIGTERM")
        load.wait(timeout: 60)
        let status = webhook.wait(timeout: 30)
        XCTAssertEqual(load.stdout, "True 0 True []\n", load.stderr)
        XCTAssertEqual(status, 0, webhook.stderr)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(signalled), 10, "the drain window was not honoured")
        XCTAssertTrue(webhook.stderr.contains("shutdown: done"), webhook.stderr)
    }

    func testBadFeatureGatesExitWith2() throws {
        let binary = try XCTUnwrap(webhookBinary())
        let result = webhookRun([binary, "webhook", "--feature-gates", "NoSuchGate=true", "--port", "0",
                                 "--metrics-bind-address", "0", "--health-probe-bind-address", "0"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("feature-gates"), result.stderr)
    }

    func testBadAddressAndUnusableCertificateExitWith1() throws {
        let binary = try XCTUnwrap(webhookBinary())
        let badAddress = webhookRun([binary, "webhook", "--port", "0", "--metrics-bind-address", "nonsense",
                                     "--health-probe-bind-address", "0"])
        XCTAssertEqual(badAddress.status, 1, badAddress.stderr)
        XCTAssertTrue(badAddress.stderr.contains("metrics-bind-address"), badAddress.stderr)
        let directory = webhookTempDirectory("webhook-bad-cert")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: directory + "/tls.crt"))
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: directory + "/tls.key"))
        let badCert = webhookRun([binary, "webhook", "--port", "0", "--cert-dir", directory,
                                  "--metrics-bind-address", "0", "--health-probe-bind-address", "0"])
        XCTAssertEqual(badCert.status, 1, badCert.stderr)
        XCTAssertTrue(badCert.stderr.contains("cannot load the serving certificate"), badCert.stderr)
    }

    /// The memory limits are derived from the cgroup limit and logged; the flags override them.
    func testMemoryAndDeadlineFlagsOverrideTheDerivedDefaults() throws {
        let binary = try XCTUnwrap(webhookBinary())
        let directory = try certificateDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let webhook = try WebhookChild(["webhook", "--port", "0", "--bind-address", "127.0.0.1", "--cert-dir", directory,
                                        "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                                        "--max-connections", "77", "--max-inflight-bytes", "123456",
                                        "--request-body-timeout-seconds", "5", "--min-body-bytes-per-second", "10",
                                        "--write-timeout-seconds", "3", "--response-write-timeout-seconds", "7",
                                        "--drain-seconds", "0", "--log-format", "json"], executable: binary)
        let connections = try XCTUnwrap(webhook.waitForLog(#""maxConnections":"(\d+)""#, timeout: 20), webhook.stderr)
        XCTAssertEqual(connections, "77")
        XCTAssertEqual(webhook.waitForLog(#""maxInflightBytes":"(\d+)""#, timeout: 5), "123456")
        XCTAssertNotNil(webhook.waitForLog(#""limitBytes":"(\d+)""#, timeout: 5), webhook.stderr)
        webhook.signal(SIGTERM)
        XCTAssertEqual(webhook.wait(timeout: 30), 0, webhook.stderr)
    }

    func testNegativeLimitsExitWith2() throws {
        let binary = try XCTUnwrap(webhookBinary())
        for flag in ["--max-inflight-bytes", "--min-body-bytes-per-second", "--request-body-timeout-seconds",
                     "--response-write-timeout-seconds", "--write-timeout-seconds"] {
            let result = webhookRun([binary, "webhook", flag + "=-1", "--port", "0",
                                     "--metrics-bind-address", "0", "--health-probe-bind-address", "0"])
            XCTAssertEqual(result.status, 2, "\(flag): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(flag.dropFirst(2)), result.stderr)
        }
    }
}
