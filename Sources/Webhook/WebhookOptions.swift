import TLS
import Admission
import HTTPServer

/// Everything `ray-operator webhook` is configured with (its flags plus the server limits).
package struct WebhookOptions: Sendable {
    package var port: Int = 9443
    /// TLS listen host: an IP literal ("0.0.0.0", "::" dual-stack, "127.0.0.1") or "" for all.
    package var bindAddress: String = "0.0.0.0"
    package var certDir: String = "/tmp/k8s-webhook-server/serving-certs"
    package var certName: String = "tls.crt"
    package var keyName: String = "tls.key"
    /// When set, clients must present a certificate signed by this CA (mTLS).
    package var clientCA: String?
    /// `:8080`, `0.0.0.0:8080`, `[::1]:8080`; `0` = off.
    package var metricsBindAddress: String = ":8080"
    package var healthProbeBindAddress: String = ":8081"
    package var gates: FeatureGates = FeatureGates()
    package var bodyLimits = WebhookBodyLimits()
    package var server = ServerConfiguration()
    /// How often the cert dir is re-read as a safety net besides inotify.
    package var certPollSeconds: Double = 10
    /// Hosts of the development certificate made when the cert dir holds no certificate.
    package var developmentCertificateHosts: [String] = DevelopmentCertificate.defaultHosts

    package init() {}

    package var tlsFiles: TLSFiles {
        TLSFiles(directory: certDir, certificateName: certName, keyName: keyName, clientCAPath: clientCA)
    }
}
