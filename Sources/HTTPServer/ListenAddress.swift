import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A host and port to listen on, parsed from the address forms controller-runtime accepts:
/// `:8080` (all interfaces, IPv4 and IPv6), `0.0.0.0:8080`, `127.0.0.1:8080`, `[::1]:8080`,
/// `[::]:8080`, `localhost:8080`; `0` (or an empty string) means "off".
package struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// IP literal, or "" for every interface (dual-stack when IPv6 is available).
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package struct ParseError: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// nil for "off" (`0` or empty). Throws on anything else that is not `[host]:port`.
    package static func parse(_ text: String) throws(ParseError) -> ListenAddress? {
        if text.isEmpty || text == "0" { return nil }
        guard let colon = text.lastIndex(of: ":") else {
            throw ParseError(description: "address \"\(text)\" has no port (expected host:port, :port, [ipv6]:port or 0)")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ParseError(description: "address \"\(text)\": port must be a number from 0 to 65535")
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else {
                throw ParseError(description: "address \"\(text)\": expected [ipv6-address]:port")
            }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw ParseError(description: "address \"\(text)\": write IPv6 addresses in brackets, e.g. [::1]:\(port)")
        }
        let resolved = try resolve(host: host)
        return ListenAddress(host: resolved, port: port)
    }

    /// Validates a bind host (`--bind-address`): an IP literal, "localhost", or "" for all interfaces.
    package static func resolve(host: String) throws(ParseError) -> String {
        if host.isEmpty { return "" }
        if host == "localhost" { return "127.0.0.1" }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 { return host }
        throw ParseError(description: "address \"\(host)\" is not an IP address (use an IP literal, localhost, or empty for all interfaces)")
    }

    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host.isEmpty ? "" : host):\(port)"
    }
}
