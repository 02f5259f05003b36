import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// An HTTPS proxy in front of the local webhook that writes down the `apiVersion` of every review
/// that passes through it, both ways. Webhook configurations pointed at it prove which review
/// version the API server really sent: the webhook itself does not record versions, and the API
/// server takes up a changed configuration asynchronously, so a request that succeeds may still
/// have gone through an earlier registration.
final class RecordingProxy {
    struct Record: Equatable {
        var path: String
        var request: String?
        var response: String?
        var status: Int
    }

    let port: Int
    private let process: Process
    private let recordURL: URL

    /// How long the proxy may take to listen.
    static let startTimeout: TimeInterval = 30

    /// Python's standard library only: TLS with the webhook's own certificate (the same caBundle
    /// verifies both), upstream TLS verified against the development CA.
    static let script = #"""
    import http.client, http.server, json, os, socketserver, ssl, sys, threading
    cert_dir, upstream_port, record_path, port_path = sys.argv[1:5]
    upstream = ssl.create_default_context(cafile=os.path.join(cert_dir, "ca.crt"))
    lock = threading.Lock()
    def version(data):
        try:
            return json.loads(data).get("apiVersion")
        except Exception:
            return None
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            conn = http.client.HTTPSConnection("127.0.0.1", int(upstream_port), context=upstream, timeout=30)
            conn.request("POST", self.path, body=body, headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
            answer = conn.getresponse()
            data = answer.read()
            conn.close()
            with lock, open(record_path, "a") as f:
                f.write(json.dumps({"path": self.path.split("?")[0], "request": version(body),
                                    "response": version(data), "status": answer.status}) + "\n")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.getheader("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def log_message(self, *args):
            pass
    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
    server = Server(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.path.join(cert_dir, "tls.crt"), os.path.join(cert_dir, "tls.key"))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    with open(port_path + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_path + ".tmp", port_path)
    server.serve_forever()
    """#

    /// Starts the proxy in `workDir`, forwarding to the webhook on `upstreamPort` with the
    /// certificates of `certDir` (certs/generate.sh's layout).
    init(workDir: URL, certDir: URL, upstreamPort: Int) throws {
        let folder = workDir.appendingPathComponent("proxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        recordURL = folder.appendingPathComponent("records.jsonl")
        let portURL = folder.appendingPathComponent("port")
        let logURL = folder.appendingPathComponent("proxy.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, certDir.path, String(upstreamPort), recordURL.path, portURL.path]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()

        // The proxy writes its port (atomically, by rename) once it listens.
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            found = (try? String(contentsOf: portURL, encoding: .utf8)).flatMap { Int($0) }
            if found == nil { usleep(50_000) }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            throw E2EError("the recording proxy did not start within \(Int(Self.startTimeout)) s: \(text.suffix(2000))")
        }
        port = found
    }

    /// Every review that went through, oldest first.
    var records: [Record] {
        let text = (try? String(contentsOf: recordURL, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSON.object(String(line)), let path = object["path"] as? String else { return nil }
            return Record(path: path, request: object["request"] as? String, response: object["response"] as? String,
                          status: object["status"] as? Int ?? 0)
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
