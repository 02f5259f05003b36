// The HTTPServer module alone, for benchmarks/server-bench.sh: POST /bench reads the body and
// answers a fixed 1 KB body, dispatched like the webhook routes (on the I/O thread up to 256 KiB
// of body, on the worker pool above; `--inline-max-body -1` sends every request to the workers),
// with the same TLS settings and limits as `ray-operator webhook`.
//
//   server-bench --port 9443 --cert tls.crt --key tls.key [--io-threads N] [--worker-threads N] [--inline true] [--inline-max-body N]
import TLS
import HTTPServer
import Logging
#if canImport(Glibc)
import Glibc
#endif

var port = 9443
var certificate = "tls.crt"
var key = "tls.key"
var ioThreads: Int? = nil
var workerThreads: Int? = nil
var maxConnections = 20_000
var inline = false
var inlineMaxBody: Int? = 256 * 1024   // as WebhookBodyLimits.inlineBytes
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = arguments.next() ?? ""
    switch argument {
    case "--port": port = Int(value) ?? port
    case "--cert": certificate = value
    case "--key": key = value
    case "--io-threads": ioThreads = Int(value)
    case "--worker-threads": workerThreads = Int(value)
    case "--max-connections": maxConnections = Int(value) ?? maxConnections
    case "--inline": inline = value == "true"   // diagnostics: run the handler on the I/O thread
    case "--inline-max-body": inlineMaxBody = Int(value).flatMap { $0 < 0 ? nil : $0 }
    default:
        print("usage: server-bench --port N --cert FILE --key FILE [--io-threads N] [--worker-threads N] [--max-connections N] [--inline true] [--inline-max-body N]")
        exit(2)
    }
}

let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)
let signals = try TerminationSignals()
var configuration = ServerConfiguration(ioThreads: ioThreads, workerThreads: workerThreads)
configuration.maxConnections = maxConnections
configuration.drainSeconds = 0
configuration.shutdownGraceSeconds = 1
var logger = Logger(label: "server-bench")
logger.logLevel = .warning
let server = Server(configuration: configuration, logger: logger)
do {
    server.setTLSContext(try TLSContext.load(TLSFiles(certificatePath: certificate, keyPath: key)))
    let router = Router([
        Route("/bench", methods: [.post, .get], runsInline: inline, inlineMaxBodyBytes: inlineMaxBody) { _ in
            HTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: payload)
        },
    ])
    _ = try server.addListener(ListenAddress(host: "127.0.0.1", port: port), tls: true, router: router, name: "bench")
    try server.start()
} catch {
    print("server-bench: \(error)")
    exit(1)
}
print("server-bench listening on https://127.0.0.1:\(port) pid \(getpid())")
fflush(nil)
_ = signals.wait()
server.shutdown()
