import JSON
import ArgumentParser

struct ControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the reconciler against a Kubernetes API server (not implemented yet).")

    @Option(name: .long, help: "Path to a kubeconfig; in-cluster config when absent.")
    var kubeconfig: String?

    @Option(name: .customLong("metrics-bind-address"), help: "Address of the plain-HTTP /metrics endpoint.")
    var metricsBindAddress: String = ":8080"

    @Option(name: .customLong("health-probe-bind-address"), help: "Address of /healthz and /readyz.")
    var healthProbeBindAddress: String = ":8081"

    @Flag(name: .customLong("leader-elect"), help: "Enable leader election.")
    var leaderElect = false

    func run() throws {
        throw notImplemented("`ray-operator controller` (the reconciler)")
    }
}
