import TLS

/// How to reach and authenticate to the API server: the result of reading a kubeconfig or the
/// in-cluster service-account files. Credentials are held as bytes (read whole when loaded), except
/// the token file, which is re-read when it changes (projected service-account tokens rotate).
package struct KubeConfiguration: Sendable, Equatable {
    package var server: ServerAddress
    /// The name the server certificate must carry when it differs from the host dialled
    /// (kubeconfig `tls-server-name`).
    package var tlsServerName: String?
    /// PEM bundle the server's certificate must chain to; nil uses the system's trust store.
    package var certificateAuthorityPEM: [UInt8]?
    package var clientCertificatePEM: [UInt8]?
    package var clientKeyPEM: [UInt8]?
    /// A fixed bearer token.
    package var bearerToken: String?
    /// A file holding the bearer token, re-read whenever it changes; wins over `bearerToken`
    /// (client-go's behaviour: the file is the fresher source).
    package var bearerTokenFile: String?
    package var insecureSkipTLSVerify: Bool
    /// The namespace of the context (or of the pod, in-cluster); "default" when none is named.
    package var namespace: String
    /// Where the configuration came from, for logs: "kubeconfig /root/.kube/config, context e2e".
    package var source: String

    package init(server: ServerAddress, tlsServerName: String? = nil, certificateAuthorityPEM: [UInt8]? = nil,
                clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, bearerToken: String? = nil,
                bearerTokenFile: String? = nil, insecureSkipTLSVerify: Bool = false, namespace: String = "default",
                source: String = "explicit") {
        self.server = server
        self.tlsServerName = tlsServerName
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.bearerToken = bearerToken
        self.bearerTokenFile = bearerTokenFile
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.namespace = namespace
        self.source = source
    }

    /// Where in-cluster credentials are mounted.
    package static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Finds the configuration the way the operator's `--kubeconfig` flag documents:
    /// 1. `kubeconfigPath` when given (and not empty);
    /// 2. in-cluster, when `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` are set
    ///    (token, CA and namespace from `serviceAccountDirectory`);
    /// 3. `$KUBECONFIG`: its FIRST file only when it is a colon-separated list (kubectl merges the
    ///    files; this client does not);
    /// 4. `$HOME/.kube/config`.
    /// The first source that applies is used, and its errors are reported (no silent fallback to
    /// the next one, which would hide a broken in-cluster mount behind a confusing message).
    package static func load(kubeconfigPath: String?, environment: [String: String],
                            serviceAccountDirectory: String = KubeConfiguration.serviceAccountDirectory) throws(KubeError) -> KubeConfiguration {
        if let path = kubeconfigPath, !path.isEmpty {
            return try fromKubeconfigFile(path)
        }
        if let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
           let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty {
            return try inCluster(host: host, port: port, directory: serviceAccountDirectory)
        }
        if let list = environment["KUBECONFIG"], let first = list.split(separator: ":").first(where: { !$0.isEmpty }) {
            return try fromKubeconfigFile(String(first))
        }
        if let home = environment["HOME"], !home.isEmpty {
            let path = (home.hasSuffix("/") ? home : home + "/") + ".kube/config"
            return try fromKubeconfigFile(path)
        }
        throw KubeError.configuration("no configuration found: no --kubeconfig, not in a cluster (KUBERNETES_SERVICE_HOST unset), no $KUBECONFIG and no $HOME")
    }

    /// Reads and parses one kubeconfig file.
    package static func fromKubeconfigFile(_ path: String, context: String? = nil) throws(KubeError) -> KubeConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try readFileCapped(path, maxBytes: maxKubeconfigBytes)
        } catch {
            throw KubeError.configuration("kubeconfig \(path): \(error.message)")
        }
        return try Kubeconfig.parse(bytes, path: path, context: context)
    }

    /// Largest kubeconfig file read (a kubeconfig with many contexts and inline certificates is a
    /// few hundred KB at most).
    package static let maxKubeconfigBytes = 4 << 20

    /// The in-cluster configuration from `KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted
    /// service-account files: `token` (required, re-read on rotation), `ca.crt` (required),
    /// `namespace` (optional).
    package static func inCluster(host: String, port: String, directory: String = KubeConfiguration.serviceAccountDirectory) throws(KubeError) -> KubeConfiguration {
        guard port.utf8.count <= 5, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let portNumber = Int(port), (1...65_535).contains(portNumber) else {
            throw KubeError.configuration("in-cluster: KUBERNETES_SERVICE_PORT '\(port)' is not a port number")
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let tokenPath = base + "token"
        do {
            let token = try readFileCapped(tokenPath, maxBytes: BearerTokenSource.maxTokenFileBytes)
            guard !BearerTokenSource.trimmed(token).isEmpty else {
                throw KubeError.configuration("in-cluster: token file \(tokenPath) is empty")
            }
        } catch let error as TLSError {
            throw KubeError.configuration("in-cluster: KUBERNETES_SERVICE_HOST is set but the service-account token cannot be read: \(error.message)")
        } catch let error as KubeError {
            throw error
        } catch {
            throw KubeError.configuration("in-cluster: \(error)")
        }
        let ca: [UInt8]
        do {
            ca = try readFileCapped(base + "ca.crt")
        } catch {
            throw KubeError.configuration("in-cluster: the service-account CA cannot be read: \(error.message)")
        }
        var namespace = "default"
        if let bytes = try? readFileCapped(base + "namespace", maxBytes: 4096) {
            let text = BearerTokenSource.trimmed(bytes)
            if !text.isEmpty { namespace = text }
        }
        let trimmedHost = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return KubeConfiguration(server: ServerAddress(host: trimmedHost, port: portNumber), certificateAuthorityPEM: ca,
                                 bearerTokenFile: tokenPath, namespace: namespace, source: "in-cluster (\(directory))")
    }
}
