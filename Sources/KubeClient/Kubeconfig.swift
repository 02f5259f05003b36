import JSON
import TLS

// A kubeconfig file (kind: Config) → KubeConfiguration, through the project's YAML loader.
//
// current-context → contexts[name].context {cluster, user, namespace} → clusters[name].cluster
// {server, certificate-authority(-data), insecure-skip-tls-verify, tls-server-name} and
// users[name].user {token, tokenFile, client-certificate(-data), client-key(-data)}.
// Relative file paths are relative to the kubeconfig's folder, as kubectl resolves them.
// What this client cannot do (exec and auth-provider plugins, basic auth, impersonation, proxies)
// is refused with the file and field named, rather than silently connecting without credentials.

enum Kubeconfig {
    static func parse(_ bytes: [UInt8], path: String, context requestedContext: String? = nil) throws(KubeError) -> KubeConfiguration {
        let reader = Reader(path: path)
        let documents: [JSONValue]
        do {
            documents = try Manifest.decode(bytes, source: "kubeconfig \(path)")
        } catch {
            throw KubeError.configuration(error.message)
        }
        guard documents.count == 1, let root = documents.first, case .object = root else {
            throw reader.error(nil, documents.isEmpty ? "the file is empty" : "expected one YAML mapping (kind: Config)")
        }
        if let kind = root["kind"], kind.stringValue != "Config" {
            throw reader.error("kind", "expected 'Config', found \(kind.stringValue.map { "'\($0)'" } ?? kind.typeName)")
        }

        let contextName: String
        if let requestedContext, !requestedContext.isEmpty {
            contextName = requestedContext
        } else {
            guard let current = try reader.string(root, "current-context", at: "current-context"), !current.isEmpty else {
                throw reader.error("current-context", "is not set")
            }
            contextName = current
        }
        let context = try reader.named(root, list: "contexts", entry: "context", name: contextName)
        let contextPath = "contexts[\(contextName)].context"
        guard let clusterName = try reader.string(context, "cluster", at: contextPath + ".cluster"), !clusterName.isEmpty else {
            throw reader.error(contextPath + ".cluster", "is not set")
        }
        let userName = try reader.string(context, "user", at: contextPath + ".user") ?? ""
        let namespace = try reader.string(context, "namespace", at: contextPath + ".namespace").flatMap { $0.isEmpty ? nil : $0 } ?? "default"

        // cluster
        let cluster = try reader.named(root, list: "clusters", entry: "cluster", name: clusterName)
        let clusterPath = "clusters[\(clusterName)].cluster"
        guard let serverURL = try reader.string(cluster, "server", at: clusterPath + ".server"), !serverURL.isEmpty else {
            throw reader.error(clusterPath + ".server", "is not set")
        }
        let server: ServerAddress
        do {
            server = try ServerAddress.parse(serverURL)
        } catch {
            throw reader.error(clusterPath + ".server", "\(error)")
        }
        if let proxy = try reader.string(cluster, "proxy-url", at: clusterPath + ".proxy-url"), !proxy.isEmpty {
            throw reader.error(clusterPath + ".proxy-url", "proxies are not supported by this client")
        }
        let insecure = try reader.bool(cluster, "insecure-skip-tls-verify", at: clusterPath + ".insecure-skip-tls-verify") ?? false
        let ca = try reader.bytes(cluster, file: "certificate-authority", data: "certificate-authority-data", at: clusterPath)
        if insecure && ca != nil {
            throw reader.error(clusterPath, "certificate-authority and insecure-skip-tls-verify are both set; choose one")
        }
        let tlsServerName = try reader.string(cluster, "tls-server-name", at: clusterPath + ".tls-server-name").flatMap { $0.isEmpty ? nil : $0 }

        // user (a context without a user connects anonymously)
        var token: String? = nil
        var tokenFile: String? = nil
        var certificate: [UInt8]? = nil
        var key: [UInt8]? = nil
        if !userName.isEmpty {
            let user = try reader.named(root, list: "users", entry: "user", name: userName)
            let userPath = "users[\(userName)].user"
            for (field, why) in unsupportedUserFields where user[field] != nil && user[field]?.isNull == false {
                throw reader.error(userPath + "." + field, why)
            }
            token = try reader.string(user, "token", at: userPath + ".token").flatMap { $0.isEmpty ? nil : $0 }
            if let file = try reader.string(user, "tokenFile", at: userPath + ".tokenFile"), !file.isEmpty {
                let resolved = reader.resolve(file)
                // read once now, so a missing file is reported at start-up rather than at the first call
                do {
                    _ = try BearerTokenSource(token: nil, tokenFile: resolved).current()
                } catch {
                    throw reader.error(userPath + ".tokenFile", "\(error)")
                }
                tokenFile = resolved
            }
            if let token, !token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                throw reader.error(userPath + ".token", "holds characters that cannot be sent in a header")
            }
            certificate = try reader.bytes(user, file: "client-certificate", data: "client-certificate-data", at: userPath)
            key = try reader.bytes(user, file: "client-key", data: "client-key-data", at: userPath)
            if (certificate == nil) != (key == nil) {
                throw reader.error(userPath, certificate == nil ? "client-key is set without client-certificate"
                                                                 : "client-certificate is set without client-key")
            }
        }
        return KubeConfiguration(server: server, tlsServerName: tlsServerName, certificateAuthorityPEM: ca,
                                 clientCertificatePEM: certificate, clientKeyPEM: key, bearerToken: token, bearerTokenFile: tokenFile,
                                 insecureSkipTLSVerify: insecure, namespace: namespace,
                                 source: "kubeconfig \(path), context \(contextName)")
    }

    /// User fields that ask for something this client cannot do, and what to say about each.
    static let unsupportedUserFields: [(String, String)] = [
        ("exec", "exec credential plugins are not supported; use a token, tokenFile or a client certificate"),
        ("auth-provider", "auth-provider plugins are not supported; use a token, tokenFile or a client certificate"),
        ("username", "basic authentication (username/password) is not supported"),
        ("password", "basic authentication (username/password) is not supported"),
        ("as", "impersonation is not supported"),
        ("as-uid", "impersonation is not supported"),
        ("as-groups", "impersonation is not supported"),
        ("as-user-extra", "impersonation is not supported"),
    ]

    /// Field access with errors that name the file and the field.
    struct Reader {
        let path: String

        func error(_ field: String?, _ problem: String) -> KubeError {
            KubeError.configuration("kubeconfig \(path): " + (field.map { "\($0): " } ?? "") + problem)
        }

        func string(_ object: JSONValue, _ key: String, at field: String) throws(KubeError) -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw error(field, "must be a string, found \(value.typeName)") }
            return text
        }

        func bool(_ object: JSONValue, _ key: String, at field: String) throws(KubeError) -> Bool? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let flag = value.boolValue else { throw error(field, "must be true or false, found \(value.typeName)") }
            return flag
        }

        /// `list[name == name].entry`: the object under `entry` of the list element with that name.
        func named(_ root: JSONValue, list: String, entry: String, name: String) throws(KubeError) -> JSONValue {
            guard let value = root[list], !value.isNull else { throw error(list, "missing (looking for '\(name)')") }
            guard let elements = value.arrayValue else { throw error(list, "must be a list, found \(value.typeName)") }
            for element in elements where element["name"]?.stringValue == name {
                guard let inner = element[entry], case .object = inner else {
                    throw error("\(list)[\(name)].\(entry)", "missing or not a mapping")
                }
                return inner
            }
            throw error(list, "no entry named '\(name)'")
        }

        /// The bytes of a `file` path field or a base64 `data` field (data wins, as in kubectl).
        func bytes(_ object: JSONValue, file: String, data: String, at prefix: String) throws(KubeError) -> [UInt8]? {
            if let encoded = try string(object, data, at: "\(prefix).\(data)"), !encoded.isEmpty {
                guard let decoded = Base64Decoding.decode(encoded), !decoded.isEmpty else {
                    throw error("\(prefix).\(data)", "is not valid base64")
                }
                return decoded
            }
            if let name = try string(object, file, at: "\(prefix).\(file)"), !name.isEmpty {
                let resolved = resolve(name)
                do {
                    return try readFileCapped(resolved)
                } catch {
                    throw self.error("\(prefix).\(file)", error.message)
                }
            }
            return nil
        }

        /// A path from the file, made absolute against the kubeconfig's folder.
        func resolve(_ file: String) -> String {
            if file.hasPrefix("/") { return file }
            guard let slash = path.lastIndex(of: "/") else { return file }
            return String(path[...slash]) + file
        }
    }
}
