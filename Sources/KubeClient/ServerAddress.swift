// The API server's address from a kubeconfig `server:` URL or the in-cluster environment.

package struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    /// DNS name or IP literal; IPv6 without brackets.
    package var host: String
    package var port: Int
    /// A path the API is served under (a proxy in front of the server), "" normally; no trailing "/".
    package var pathPrefix: String

    package init(host: String, port: Int, pathPrefix: String = "") {
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    /// `host:port`, IPv6 in brackets: the Host header, and the `host` label of client metrics.
    package var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    package var description: String { "https://\(hostAndPort)\(pathPrefix)" }

    /// Parses `https://host[:port][/prefix]`. Only https is accepted: the client speaks TLS only.
    package static func parse(_ url: String) throws(KubeError) -> ServerAddress {
        guard !url.isEmpty else { throw KubeError.configuration("server URL is empty") }
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw KubeError.configuration("server URL '\(url)' contains spaces or non-ASCII characters")
        }
        var rest = Substring(url)
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            let name = rest[rest.startIndex..<colon].lowercased()
            guard name == "https" else {
                throw KubeError.configuration("server URL '\(url)': scheme '\(name)' is not supported (only https)")
            }
            rest = rest[colon...].dropFirst(3)
        }
        // without a scheme, client-go assumes https as well
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[rest.startIndex..<authorityEnd]
        var path = rest[authorityEnd...]
        guard !path.contains("?"), !path.contains("#") else {
            throw KubeError.configuration("server URL '\(url)' has a query or fragment")
        }
        guard !authority.contains("@") else { throw KubeError.configuration("server URL '\(url)' has user information") }
        guard !authority.isEmpty else { throw KubeError.configuration("server URL '\(url)' has no host") }
        var host: Substring
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw KubeError.configuration("server URL '\(url)': unclosed '['") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw KubeError.configuration("server URL '\(url)': unexpected text after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[authority.startIndex..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw KubeError.configuration("server URL '\(url)' has no host") }
        var port = 443
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(portText), (1...65_535).contains(value) else {
                throw KubeError.configuration("server URL '\(url)': invalid port '\(portText)'")
            }
            port = value
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        return ServerAddress(host: String(host), port: port, pathPrefix: String(path))
    }
}
