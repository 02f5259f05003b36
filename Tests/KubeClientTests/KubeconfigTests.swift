import Foundation
@testable import KubeClient
import TLS
import XCTest

/// Kubeconfig parsing, in-cluster configuration and the order in which sources are tried.
final class KubeconfigTests: XCTestCase {
    var directory: String!
    var caPEM: String!
    var certificatePEM: String!
    var keyPEM: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "kubeconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        let generated = try DevelopmentCertificate.generate(hosts: ["127.0.0.1"], into: directory + "/generated")
        caPEM = try String(contentsOfFile: generated.caPath, encoding: .utf8)
        certificatePEM = try String(contentsOfFile: generated.certPath, encoding: .utf8)
        keyPEM = try String(contentsOfFile: generated.keyPath, encoding: .utf8)
        try caPEM.write(toFile: directory + "/certs/ca.crt", atomically: true, encoding: .utf8)
        try certificatePEM.write(toFile: directory + "/certs/client.crt", atomically: true, encoding: .utf8)
        try keyPEM.write(toFile: directory + "/certs/client.key", atomically: true, encoding: .utf8)
        try "file-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// Parses `text` as a kubeconfig file and expects a configuration error mentioning every piece.
    func assertRefused(_ text: String, mentions pieces: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write("refused-\(UUID().uuidString).yaml", text)
        XCTAssertThrowsError(try KubeConfiguration.fromKubeconfigFile(path), file: file, line: line) { error in
            guard case .configuration(let message)? = error as? KubeError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(message.contains(path), "names the file: \(message)", file: file, line: line)
            for piece in pieces { XCTAssertTrue(message.contains(piece), "mentions \(piece): \(message)", file: file, line: line) }
        }
    }

    // MARK: - fields

    func testRelativeFilesTokenAndNamespace() throws {
        let path = try write("config", """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: other
          cluster: {server: "https://10.9.9.9"}
        - name: local
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority: certs/ca.crt
            tls-server-name: kubernetes.default.svc
        users:
        - name: me
          user:
            token: abc.def
            client-certificate: certs/client.crt
            client-key: ./certs/client.key
        contexts:
        - name: prod
          context: {cluster: other, user: me}
        - name: dev
          context: {cluster: local, user: me, namespace: team-a}
        preferences: {}
        """)
        let configuration = try KubeConfiguration.fromKubeconfigFile(path)
        XCTAssertEqual(configuration.server, ServerAddress(host: "127.0.0.1", port: 6443))
        XCTAssertEqual(configuration.tlsServerName, "kubernetes.default.svc")
        XCTAssertEqual(configuration.certificateAuthorityPEM, Array(caPEM.utf8))
        XCTAssertEqual(configuration.clientCertificatePEM, Array(certificatePEM.utf8))
        XCTAssertEqual(configuration.clientKeyPEM, Array(keyPEM.utf8))
        XCTAssertEqual(configuration.bearerToken, "abc.def")
        XCTAssertNil(configuration.bearerTokenFile)
        XCTAssertFalse(configuration.insecureSkipTLSVerify)
        XCTAssertEqual(configuration.namespace, "team-a")
        XCTAssertTrue(configuration.source.contains(path) && configuration.source.contains("dev"), configuration.source)
        // the configuration builds a working TLS context (certificate and key match)
        XCTAssertNoThrow(try KubeHTTPClient(configuration: configuration))

        let other = try KubeConfiguration.fromKubeconfigFile(path, context: "prod")
        XCTAssertEqual(other.server.host, "10.9.9.9")
        XCTAssertEqual(other.server.port, 443)
        XCTAssertEqual(other.namespace, "default")
    }

    func testInlineDataTokenFileAndInsecure() throws {
        let path = try write("inline.yaml", """
        apiVersion: v1
        kind: Config
        current-context: c
        clusters: [{name: k, cluster: {server: "https://[::1]:8443", certificate-authority-data: \(base64(caPEM))}}]
        users: [{name: u, user: {client-certificate-data: \(base64(certificatePEM)), client-key-data: \(base64(keyPEM)), tokenFile: token}}]
        contexts: [{name: c, context: {cluster: k, user: u}}]
        """)
        let configuration = try KubeConfiguration.fromKubeconfigFile(path)
        XCTAssertEqual(configuration.server, ServerAddress(host: "::1", port: 8443))
        XCTAssertEqual(configuration.certificateAuthorityPEM, Array(caPEM.utf8))
        XCTAssertEqual(configuration.clientCertificatePEM, Array(certificatePEM.utf8))
        XCTAssertEqual(configuration.clientKeyPEM, Array(keyPEM.utf8))
        XCTAssertEqual(configuration.bearerTokenFile, directory + "/token")
        XCTAssertEqual(try BearerTokenSource(token: configuration.bearerToken, tokenFile: configuration.bearerTokenFile).current(), "file-token")

        let insecure = try write("insecure.yaml", """
        {"apiVersion": "v1", "kind": "Config", "current-context": "c",
         "clusters": [{"name": "k", "cluster": {"server": "https://example.com:6443", "insecure-skip-tls-verify": true}}],
         "users": [{"name": "u", "user": {}}],
         "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]}
        """)
        let loose = try KubeConfiguration.fromKubeconfigFile(insecure)
        XCTAssertTrue(loose.insecureSkipTLSVerify)
        XCTAssertNil(loose.certificateAuthorityPEM)
        XCTAssertNil(loose.bearerToken)
    }

    func testContextWithoutUserIsAnonymous() throws {
        let path = try write("anon.yaml", """
        kind: Config
        current-context: c
        clusters: [{name: k, cluster: {server: "https://h:1"}}]
        contexts: [{name: c, context: {cluster: k}}]
        """)
        let configuration = try KubeConfiguration.fromKubeconfigFile(path)
        XCTAssertNil(configuration.bearerToken)
        XCTAssertNil(configuration.clientCertificatePEM)
    }

    // MARK: - refusals

    func testUnsupportedAuthenticationIsRefusedByName() throws {
        func config(user: String) -> String {
            """
            kind: Config
            current-context: c
            clusters: [{name: k, cluster: {server: "https://h:1"}}]
            users: [{name: u, user: \(user)}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        }
        try assertRefused(config(user: "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}}"),
                          mentions: ["users[u].user.exec", "exec credential plugins are not supported"])
        try assertRefused(config(user: "{auth-provider: {name: gcp}}"), mentions: ["users[u].user.auth-provider", "not supported"])
        try assertRefused(config(user: "{username: admin, password: secret}"), mentions: ["users[u].user.username", "basic authentication"])
        try assertRefused(config(user: "{token: t, as: someone}"), mentions: ["users[u].user.as", "impersonation"])
        try assertRefused(config(user: "{client-certificate-data: \(base64(certificatePEM))}"), mentions: ["users[u].user", "without client-key"])
        try assertRefused(config(user: "{client-key: certs/client.key}"), mentions: ["without client-certificate"])
        try assertRefused(config(user: "{client-certificate: missing.crt, client-key: certs/client.key}"),
                          mentions: ["users[u].user.client-certificate", "missing.crt"])
        try assertRefused(config(user: "{client-key-data: '%%%not base64', client-certificate-data: x}"), mentions: ["is not valid base64"])
        try assertRefused(config(user: "{tokenFile: no-such-token}"), mentions: ["users[u].user.tokenFile", "no-such-token"])
        try assertRefused(config(user: "{token: 5}"), mentions: ["users[u].user.token", "must be a string"])
    }

    func testMissingOrBrokenPiecesAreNamed() throws {
        try assertRefused("kind: Config\nclusters: []\n", mentions: ["current-context", "is not set"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: other, context: {cluster: k}}]\n",
                          mentions: ["contexts", "no entry named 'c'"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {user: u}}]\n",
                          mentions: ["contexts[c].context.cluster", "is not set"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n", mentions: ["clusters", "missing"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {}}]\n",
                          mentions: ["clusters[k].cluster.server", "is not set"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'http://h:80'}}]\n",
                          mentions: ["clusters[k].cluster.server", "only https"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://h', proxy-url: 'http://proxy:3128'}}]\n",
                          mentions: ["clusters[k].cluster.proxy-url"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://h', insecure-skip-tls-verify: true, certificate-authority: certs/ca.crt}}]\n",
                          mentions: ["clusters[k].cluster", "both set"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://h', insecure-skip-tls-verify: 'yes'}}]\n",
                          mentions: ["insecure-skip-tls-verify", "true or false"])
        try assertRefused("kind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: 'https://h', certificate-authority: ../nope/ca.crt}}]\n",
                          mentions: ["clusters[k].cluster.certificate-authority", "nope/ca.crt"])
        try assertRefused("kind: Pod\n", mentions: ["kind", "expected 'Config'"])
        try assertRefused("", mentions: ["empty"])
        try assertRefused("kind: Config\ncurrent-context: [unclosed\n", mentions: ["line"])
        try assertRefused("clusters: 5\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n", mentions: ["clusters", "must be a list"])
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try KubeConfiguration.fromKubeconfigFile(directory + "/absent")) { error in
            XCTAssertTrue("\(error)".contains(directory + "/absent"), "\(error)")
        }
    }

    // MARK: - in-cluster and the search order

    func makeServiceAccountDirectory(token: String? = "sa-token\n", namespace: String? = "ray-system\n") throws -> String {
        let path = directory + "/sa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if let token { try token.write(toFile: path + "/token", atomically: true, encoding: .utf8) }
        try caPEM.write(toFile: path + "/ca.crt", atomically: true, encoding: .utf8)
        if let namespace { try namespace.write(toFile: path + "/namespace", atomically: true, encoding: .utf8) }
        return path
    }

    func testInClusterConfiguration() throws {
        let accounts = try makeServiceAccountDirectory()
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOME": directory!]
        let configuration = try KubeConfiguration.load(kubeconfigPath: nil, environment: environment, serviceAccountDirectory: accounts)
        XCTAssertEqual(configuration.server, ServerAddress(host: "10.96.0.1", port: 443))
        XCTAssertEqual(configuration.bearerTokenFile, accounts + "/token")
        XCTAssertEqual(configuration.certificateAuthorityPEM, Array(caPEM.utf8))
        XCTAssertEqual(configuration.namespace, "ray-system")
        XCTAssertEqual(try BearerTokenSource(token: nil, tokenFile: configuration.bearerTokenFile).current(), "sa-token")

        let v6 = try KubeConfiguration.load(kubeconfigPath: nil, environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"],
                                            serviceAccountDirectory: try makeServiceAccountDirectory(namespace: nil))
        XCTAssertEqual(v6.server.hostAndPort, "[fd00::1]:6443")
        XCTAssertEqual(v6.namespace, "default")

        XCTAssertThrowsError(try KubeConfiguration.load(kubeconfigPath: nil, environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "https"],
                                                        serviceAccountDirectory: accounts)) { XCTAssertTrue("\($0)".contains("KUBERNETES_SERVICE_PORT"), "\($0)") }
        let noToken = try makeServiceAccountDirectory(token: nil)
        XCTAssertThrowsError(try KubeConfiguration.load(kubeconfigPath: nil, environment: environment, serviceAccountDirectory: noToken)) { error in
            XCTAssertTrue("\(error)".contains("service-account token") && "\(error)".contains(noToken + "/token"), "\(error)")
        }
        let emptyToken = try makeServiceAccountDirectory(token: "\n")
        XCTAssertThrowsError(try KubeConfiguration.load(kubeconfigPath: nil, environment: environment, serviceAccountDirectory: emptyToken)) {
            XCTAssertTrue("\($0)".contains("empty"), "\($0)")
        }
    }

    func testSearchOrder() throws {
        let minimal = { (server: String) in
            "kind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: '\(server)'}}]\ncontexts: [{name: c, context: {cluster: k}}]\n"
        }
        let explicit = try write("explicit", minimal("https://explicit:1"))
        let fromVariable = try write("from-variable", minimal("https://variable:1"))
        try FileManager.default.createDirectory(atPath: directory + "/.kube", withIntermediateDirectories: true)
        try write(".kube/config", minimal("https://home:1"))
        let accounts = try makeServiceAccountDirectory()
        let inCluster = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let everything = inCluster.merging(["KUBECONFIG": "\(fromVariable):/elsewhere", "HOME": directory!]) { a, _ in a }

        func host(_ path: String?, _ environment: [String: String]) throws -> String {
            try KubeConfiguration.load(kubeconfigPath: path, environment: environment, serviceAccountDirectory: accounts).server.host
        }
        XCTAssertEqual(try host(explicit, everything), "explicit")
        XCTAssertEqual(try host(nil, everything), "10.0.0.1")
        XCTAssertEqual(try host("", everything), "10.0.0.1", "an empty --kubeconfig means unset")
        XCTAssertEqual(try host(nil, ["KUBECONFIG": ":\(fromVariable):/elsewhere", "HOME": directory!]), "variable", "first file of the list")
        XCTAssertEqual(try host(nil, ["HOME": directory!]), "home")
        XCTAssertThrowsError(try host(nil, [:])) { XCTAssertTrue("\($0)".contains("no configuration found"), "\($0)") }
        XCTAssertThrowsError(try host(nil, ["HOME": directory + "/nobody"])) { XCTAssertTrue("\($0)".contains("nobody/.kube/config"), "\($0)") }
    }

    // MARK: - tokens and base64

    func testTokenFileIsReReadWhenItChanges() throws {
        let path = directory + "/rotating"
        try "first\n".write(toFile: path, atomically: true, encoding: .utf8)
        let source = BearerTokenSource(token: "fixed", tokenFile: path)
        XCTAssertEqual(try source.current(), "first", "the file wins over the fixed token")
        try "second".write(toFile: path, atomically: true, encoding: .utf8)   // new inode
        XCTAssertEqual(try source.current(), "second")
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))   // same inode, new size
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("third-token".utf8))
        try handle.close()
        XCTAssertEqual(try source.current(), "third-token")
        try "bad token with spaces".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try source.current()) { XCTAssertTrue("\($0)".contains("cannot be sent"), "\($0)") }
        XCTAssertEqual(try BearerTokenSource(token: "fixed", tokenFile: nil).current(), "fixed")
        XCTAssertNil(try BearerTokenSource(token: "", tokenFile: "").current())
    }

    func testBase64() {
        XCTAssertEqual(Base64Decoding.decode("aGVsbG8="), Array("hello".utf8))
        XCTAssertEqual(Base64Decoding.decode("aGVsbG8"), Array("hello".utf8), "padding is optional")
        XCTAssertEqual(Base64Decoding.decode("aGVs\nbG8h\r\n"), Array("hello!".utf8), "line breaks are skipped")
        XCTAssertEqual(Base64Decoding.decode(""), [])
        XCTAssertEqual(Base64Decoding.decode("+/8="), [0xFB, 0xFF])
        for bad in ["a", "aGVsbG8===", "aGV=sbG8", "aGVsbG8*", "-_8="] { XCTAssertNil(Base64Decoding.decode(bad), bad) }
        let bytes = (0..<256).map { UInt8($0) }
        XCTAssertEqual(Base64Decoding.decode(Data(bytes).base64EncodedString()), bytes)
    }
}
