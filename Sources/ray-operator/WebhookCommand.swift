// OWNER: server helper.
import ArgumentParser

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Serve the admission and conversion webhook over HTTPS.")

    @Option(help: "TLS port.") var port: Int = 9443
    @Option(name: .customLong("bind-address"), help: "TLS listen address.") var bindAddress: String = "0.0.0.0"
    @Option(name: .customLong("cert-dir")) var certDir: String = "/tmp/k8s-webhook-server/serving-certs"
    @Option(name: .customLong("cert-name")) var certName: String = "tls.crt"
    @Option(name: .customLong("key-name")) var keyName: String = "tls.key"
    @Option(name: .customLong("client-ca")) var clientCA: String?
    @Option(name: .customLong("metrics-bind-address")) var metricsBindAddress: String = ":8080"
    @Option(name: .customLong("health-probe-bind-address")) var healthProbeBindAddress: String = ":8081"
    @Option(name: .customLong("feature-gates")) var featureGates: String = ""

    func run() async throws {
        throw notImplemented("`ray-operator webhook`")
    }
}
