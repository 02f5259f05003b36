// URL paths and query strings of the Kubernetes REST API. Pure.
//
//   core group:   /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
//   other groups: /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]
//
// Path segments are percent-encoded, and segments that would change the path's shape (empty, ".",
// "..", or containing "/", which the server decodes before routing) are refused before anything is
// sent: a typo in a name must not address a different object.

package enum KubeRequestPath {
    /// The collection: `…/namespaces/{ns}/{plural}`, or `…/{plural}` for cluster-scoped resources
    /// and for lists across all namespaces (namespace nil).
    package static func collection(_ resource: KubeResource, namespace: String?, prefix: String = "") throws(KubeError) -> String {
        var path = prefix
        path += try groupVersionPath(resource)
        if resource.namespaced, let namespace {
            path += "/namespaces/" + (try segment(namespace, what: "namespace"))
        }
        path += "/" + (try segment(resource.plural, what: "resource"))
        return path
    }

    /// One object: the collection path plus `/{name}` and optionally `/{subresource}`. Namespaced
    /// resources need a namespace here.
    package static func object(_ resource: KubeResource, namespace: String?, name: String, subresource: String? = nil, prefix: String = "") throws(KubeError) -> String {
        if resource.namespaced && namespace == nil {
            throw invalidRequest("\(resource) is namespaced: a namespace is required to address '\(name)'")
        }
        var path = try collection(resource, namespace: namespace, prefix: prefix)
        path += "/" + (try segment(name, what: "name"))
        if let subresource {
            path += "/" + (try segment(subresource, what: "subresource"))
        }
        return path
    }

    private static func groupVersionPath(_ resource: KubeResource) throws(KubeError) -> String {
        if resource.group.isEmpty {
            return "/api/" + (try segment(resource.version, what: "version"))
        }
        return "/apis/" + (try segment(resource.group, what: "group")) + "/" + (try segment(resource.version, what: "version"))
    }

    /// One encoded path segment.
    package static func segment(_ text: String, what: String) throws(KubeError) -> String {
        guard !text.isEmpty else { throw invalidRequest("\(what) is empty") }
        guard text != "." && text != ".." else { throw invalidRequest("\(what) '\(text)' is not a valid path segment") }
        guard !text.utf8.contains(UInt8(ascii: "/")) else { throw invalidRequest("\(what) '\(text)' contains '/'") }
        return percentEncode(text)
    }

    // MARK: - queries

    /// `?labelSelector=…&fieldSelector=…&limit=…&continue=…&resourceVersion=…`, fields in this fixed
    /// order, empty string when no option is set.
    package static func query(_ options: ListOptions) -> String {
        var items: [(String, String)] = []
        if let value = options.labelSelector, !value.isEmpty { items.append(("labelSelector", value)) }
        if let value = options.fieldSelector, !value.isEmpty { items.append(("fieldSelector", value)) }
        if let limit = options.limit, limit > 0 { items.append(("limit", String(limit))) }
        if let value = options.continueToken, !value.isEmpty { items.append(("continue", value)) }
        if let value = options.resourceVersion { items.append(("resourceVersion", value)) }
        return encodeQuery(items)
    }

    /// `?watch=1&labelSelector=…&fieldSelector=…&resourceVersion=…&allowWatchBookmarks=true&timeoutSeconds=…`.
    package static func query(_ options: WatchOptions) -> String {
        var items: [(String, String)] = [("watch", "1")]
        if let value = options.labelSelector, !value.isEmpty { items.append(("labelSelector", value)) }
        if let value = options.fieldSelector, !value.isEmpty { items.append(("fieldSelector", value)) }
        if let value = options.resourceVersion { items.append(("resourceVersion", value)) }
        if options.allowBookmarks { items.append(("allowWatchBookmarks", "true")) }
        if let seconds = options.timeoutSeconds, seconds > 0 { items.append(("timeoutSeconds", String(seconds))) }
        return encodeQuery(items)
    }

    /// `?labelSelector=…` for deletecollection.
    package static func query(labelSelector: String) -> String {
        labelSelector.isEmpty ? "" : encodeQuery([("labelSelector", labelSelector)])
    }

    package static func encodeQuery(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding: unreserved characters (ALPHA DIGIT - . _ ~) stay, every other
    /// UTF-8 byte becomes %XX. Correct in paths and in query values alike (`=`, `,`, `!`, `&`, `+`,
    /// space and `/` in selectors and continue tokens are all encoded).
    package static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A call the client refuses to send: reported like the server's own 400, so callers handle
    /// it as a bad request rather than a transport failure worth retrying.
    package static func invalidRequest(_ message: String) -> KubeError {
        .api(APIStatus(code: 400, reason: "BadRequest", message: "request not sent: \(message)"))
    }
}
