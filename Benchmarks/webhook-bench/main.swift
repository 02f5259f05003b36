// `ray-operator webhook` without its command line: the same WebhookProcess (routes, TLS listener,
// probes, metrics) with default options, started from a plain main thread. Valgrind 3.19 cannot run
// the command itself (its async main parks the main thread and the start of Swift concurrency's
// first thread fails under it), so benchmarks/request-instructions.sh counts instructions here.
//
//   webhook-bench --port N --cert-dir DIR --health-port N [--metrics-port N]
import HTTPServer
import Logging
import Webhook
#if canImport(Glibc)
import Glibc
#endif

var options = WebhookOptions()
options.bindAddress = "127.0.0.1"
options.metricsBindAddress = "0"
options.server.drainSeconds = 0
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = arguments.next() ?? ""
    switch argument {
    case "--port": options.port = Int(value) ?? options.port
    case "--cert-dir": options.certDir = value
    case "--health-port": options.healthProbeBindAddress = "127.0.0.1:\(value)"
    case "--metrics-port": options.metricsBindAddress = "127.0.0.1:\(value)"
    default:
        print("usage: webhook-bench --port N --cert-dir DIR --health-port N [--metrics-port N]")
        exit(2)
    }
}

var logger = Logger(label: "webhook-bench")
logger.logLevel = .warning
do {
    let signals = try TerminationSignals()
    let process = try WebhookProcess(options: options, logger: logger)
    exit(process.runUntilTerminated(signals: signals))
} catch {
    print("webhook-bench: \(error)")
    exit(1)
}
