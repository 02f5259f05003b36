import XCTest
import Foundation
import JSON
import RayAPI
@testable import Admission

/// The admission endpoints through the real webhook: `ray-operator webhook` as a subprocess with
/// a certificate made by `openssl`, spoken to by `curl` and by Python's `ssl` over keep-alive.
final class AdmissionHTTPSTests: XCTestCase {
    nonisolated(unsafe) static var webhook: Process?
    nonisolated(unsafe) static var port = 0
    nonisolated(unsafe) static var directory = ""
    nonisolated(unsafe) static var startError: String?

    static let uid = "5f1c2b3a-0000-4000-8000-00000000abcd"

    static func binary() -> String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let path = directory.appendingPathComponent("ray-operator").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    override class func setUp() {
        super.setUp()
        guard let binary = binary() else { startError = "ray-operator not built next to the tests"; return }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("admission-https-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let openssl = shell("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                 "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                                                 "-keyout", directory + "/tls.key", "-out", directory + "/tls.crt"])
        guard openssl.status == 0 else { startError = "openssl: \(openssl.stderr)"; return }
        for _ in 0..<5 {
            let candidate = Int.random(in: 20_000..<40_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["webhook", "--port", "\(candidate)", "--bind-address", "127.0.0.1", "--cert-dir", directory,
                                 "--metrics-bind-address", "0", "--health-probe-bind-address", "0"]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            do { try process.run() } catch { startError = "\(error)"; return }
            // Ready when curl completes a TLS request.
            for _ in 0..<100 {
                guard process.isRunning else { break }
                let probe = shell("/usr/bin/curl", ["-s", "-o", "/dev/null", "--cacert", directory + "/tls.crt", "-w", "%{http_code}",
                                                    "https://127.0.0.1:\(candidate)/healthz-probe"])
                if probe.stdout != "000" && !probe.stdout.isEmpty {
                    webhook = process
                    port = candidate
                    return
                }
                usleep(100_000)
            }
            if process.isRunning { process.terminate(); process.waitUntilExit() }
        }
        startError = "the webhook did not start"
    }

    override class func tearDown() {
        if let webhook, webhook.isRunning {
            webhook.terminate()
            webhook.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let error = Self.startError { XCTFail(error) }
        try XCTSkipIf(Self.startError != nil)
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func shell(_ path: String, _ arguments: [String], stdin: [UInt8] = []) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return Output(status: -1, stdout: "", stderr: "\(error)") }
        let writer = Thread {
            input.fileHandleForWriting.write(Data(stdin))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// POSTs with curl; returns (HTTP status, body).
    func post(_ path: String, _ body: [UInt8], contentType: String = "application/json") throws -> (Int, JSONValue) {
        let result = Self.shell("/usr/bin/curl", ["-s", "--cacert", Self.directory + "/tls.crt", "-H", "Content-Type: \(contentType)",
                                                   "--data-binary", "@-", "-w", "\n%{http_code}", "https://127.0.0.1:\(Self.port)\(path)"], stdin: body)
        XCTAssertEqual(result.status, 0, result.stderr)
        guard let newline = result.stdout.lastIndex(of: "\n"), let code = Int(result.stdout[result.stdout.index(after: newline)...]) else {
            throw ToolFailure(message: "curl printed \(result.stdout)")
        }
        let text = String(result.stdout[..<newline])
        // Errors the HTTP layer answers itself (415 before any endpoint runs) may be plain text.
        return (code, text.isEmpty ? .null : ((try? JSONValue.parse(text)) ?? .string(text)))
    }

    struct ToolFailure: Error { var message: String }

    func review(_ object: JSONValue, version: String = "admission.k8s.io/v1", operation: String = "CREATE") -> [UInt8] {
        let kind: JSONValue = ["group": "ray.io", "version": "v1", "kind": "RayCluster"]
        let request: JSONValue = [
            "uid": .string(Self.uid), "kind": kind, "requestKind": kind,
            "resource": ["group": "ray.io", "version": "v1", "resource": "rayclusters"],
            "name": object["metadata"]?["name"] ?? "", "namespace": "default", "operation": .string(operation),
            "userInfo": ["username": "admin"], "object": object, "oldObject": nil, "dryRun": false,
        ]
        return JSONValue.object(["apiVersion": .string(version), "kind": "AdmissionReview", "request": request]).serialized()
    }

    static func cluster(name: String = "raycluster-https", image: String = "rayproject/ray:2.9.0", minReplicas: Int64? = nil) -> JSONValue {
        var worker: JSONObject = ["groupName": "small-group", "template": ["spec": ["containers": [["name": "ray-worker", "image": .string(image)]]]]]
        if let minReplicas { worker["minReplicas"] = .integer(minReplicas); worker["maxReplicas"] = 1 }
        return [
            "apiVersion": "ray.io/v1", "kind": "RayCluster",
            "metadata": ["name": .string(name), "namespace": "default"],
            "spec": [
                "headGroupSpec": ["template": ["spec": ["containers": [["name": "ray-head", "image": .string(image)]]]]],
                "workerGroupSpecs": [.object(worker)],
            ],
        ]
    }

    func testValidatingAnswerOverHTTPS() throws {
        for version in ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] {
            let (code, answer) = try post("/validate-ray-io-v1-raycluster", review(Self.cluster(), version: version))
            XCTAssertEqual(code, 200)
            XCTAssertEqual(answer["apiVersion"], .string(version))
            XCTAssertEqual(answer["kind"], "AdmissionReview")
            XCTAssertEqual(answer["response"]?["uid"], .string(Self.uid))
            XCTAssertEqual(answer["response"]?["allowed"], true)
            XCTAssertNil(answer["response"]?["patch"])
            XCTAssertNil(answer["response"]?["patchType"])
        }
    }

    func testDenialOverHTTPSIsA200WithThe422Status() throws {
        let object = Self.cluster(name: "raycluster-https", minReplicas: 3)
        let (code, answer) = try post("/validate-ray-io-v1-raycluster", review(object))
        XCTAssertEqual(code, 200)
        XCTAssertEqual(answer["response"]?["allowed"], false)
        let expected = RayClusterValidator.validate(object)
        XCTAssertFalse(expected.errors.isEmpty)
        XCTAssertEqual(answer["response"]?["status"], InvalidStatus.status(name: "raycluster-https", errors: expected.errors))
        XCTAssertTrue(expected.errors.contains { $0.field.contains("workerGroupSpecs[0]") }, "\(expected.errors)")
    }

    /// The mutating answer's patch, applied by Python's jsonpatch to the object as sent.
    func testMutatingPatchAppliesWithPythonJsonpatch() throws {
        let object = Self.cluster(image: "rayproject/ray:2.9.0-py310-gpu")
        let (code, answer) = try post("/mutate-ray-io-v1-raycluster", review(object))
        XCTAssertEqual(code, 200)
        XCTAssertEqual(answer["response"]?["patchType"], "JSONPatch")
        let encoded = try XCTUnwrap(answer["response"]?["patch"]?.stringValue)
        let script = """
        import sys, json, base64, jsonpatch
        case = json.load(sys.stdin)
        patch = json.loads(base64.b64decode(case["patch"]))
        assert all(op["op"] == "add" for op in patch), patch
        print(json.dumps(jsonpatch.apply_patch(case["object"], patch)))
        """
        let input = JSONValue.object(["patch": .string(encoded), "object": object]).serialized()
        let result = Self.shell("/usr/bin/env", ["python3", "-c", script], stdin: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        let patched = try JSONValue.parse(result.stdout)
        XCTAssertEqual(patched["spec"]?["rayVersion"], "2.9.0")
        XCTAssertEqual(patched["spec"]?["workerGroupSpecs"]?[0]?["maxReplicas"], .integer(2_147_483_647))
        XCTAssertEqual(patched["spec"]?["headGroupSpec"]?["rayStartParams"], [:])
        // Defaulting what came out gives no patch at all.
        let (_, again) = try post("/mutate-ray-io-v1-raycluster", review(patched))
        XCTAssertEqual(again["response"]?.objectValue?.keys, ["uid", "allowed"])
    }

    func testBadBodiesAndMediaTypes() throws {
        let (badJSON, status) = try post("/validate-ray-io-v1-raycluster", Array("{nope".utf8))
        XCTAssertEqual(badJSON, 400)
        XCTAssertTrue(status["message"]?.stringValue?.contains("not valid JSON") == true, "\(status)")
        let (noRequest, _) = try post("/mutate-ray-io-v1-raycluster", Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.utf8))
        XCTAssertEqual(noRequest, 400)
        let (wrongType, _) = try post("/validate-ray-io-v1-raycluster", review(Self.cluster()), contentType: "text/plain")
        XCTAssertEqual(wrongType, 415)
    }

    /// kube-apiserver keeps connections alive: several reviews on one TLS connection, each
    /// answered in its own version with its own uid.
    func testKeepAliveWithPythonSSL() throws {
        let script = """
        import ssl, sys, json, http.client
        port, ca = int(sys.argv[1]), sys.argv[2]
        bodies = json.load(sys.stdin)
        context = ssl.create_default_context(cafile=ca)
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
        out = []
        for path, body in bodies:
            connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            out.append([response.status, json.loads(response.read())])
        print(json.dumps(out))
        """
        var bodies: [JSONValue] = []
        for (index, version) in ["admission.k8s.io/v1", "admission.k8s.io/v1beta1", "admission.k8s.io/v1"].enumerated() {
            var body = try JSONValue.parse(review(Self.cluster(minReplicas: index == 2 ? 5 : nil), version: version))
            body["request"]?["uid"] = .string("uid-\(index)")
            bodies.append([index == 1 ? "/mutate-ray-io-v1-raycluster" : "/validate-ray-io-v1-raycluster", body])
        }
        let result = Self.shell("/usr/bin/env", ["python3", "-c", script, "\(Self.port)", Self.directory + "/tls.crt"],
                                stdin: JSONValue.array(bodies).serialized())
        XCTAssertEqual(result.status, 0, result.stderr)
        let answers = try XCTUnwrap(try JSONValue.parse(result.stdout).arrayValue)
        XCTAssertEqual(answers.count, 3)
        XCTAssertEqual(answers.map { $0[0] }, [200, 200, 200])
        XCTAssertEqual(answers.map { $0[1]?["response"]?["uid"] }, ["uid-0", "uid-1", "uid-2"])
        XCTAssertEqual(answers.map { $0[1]?["apiVersion"] }, ["admission.k8s.io/v1", "admission.k8s.io/v1beta1", "admission.k8s.io/v1"])
        XCTAssertEqual(answers.map { $0[1]?["response"]?["allowed"] }, [true, true, false])
        XCTAssertNotNil(answers[1][1]?["response"]?["patch"])
    }
}
