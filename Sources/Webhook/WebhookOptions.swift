import TLS
import Admission
import HTTPServer

/// Everything `ray-operator webhook` is configured with (its flags plus the server limits).
public struct WebhookOptions: Sendable {
    public var port: Int = 9443
    /// TLS listen host: an IP literal ("0.0.0.0", "::" dual-stack, "127.0.0.1") or "" for all.
    public var bindAddress: String = "0.0.0.0"
    public var certDir: String = "/tmp/k8s-webhook-server/serving-certs"
    public var certName: String = "tls.crt"
    public var keyName: String = "tls.key"
    /// When set, clients must present a certificate signed by this CA (mTLS).
    public var clientCA: String?
    /// `:8080`, `0.0.0.0:8080`, `[::1]:8080`; `0` = off.
    public var metricsBindAddress: String = ":8080"
    public var healthProbeBindAddress: String = ":8081"
    public var gates: FeatureGates = FeatureGates()
    public var bodyLimits = WebhookBodyLimits()
    public var server = ServerConfiguration()
    /// How often the cert dir is re-read as a safety net besides inotify.
    public var certPollSeconds: Double = 10
    /// Hosts of the development certificate made when the cert dir holds no certificate.
    public var developmentCertificateHosts: [String] = DevelopmentCertificate.defaultHosts

    public init() {}

    public var tlsFiles: TLSFiles {
        TLSFiles(directory: certDir, certificateName: certName, keyName: keyName, clientCAPath: clientCA)
    }
}
