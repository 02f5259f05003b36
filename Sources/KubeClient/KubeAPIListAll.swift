import JSON

// Paged listing for any KubeAPI (the HTTPS client and test fakes alike): an addition to the
// contract, kept in its own file so the contract file stays as agreed.

/// Most items `listAll` gathers before giving up (a bound on memory, far above any cluster the
/// operator manages).
package let listAllMaxItems = 1_000_000
/// How many times `listAll` starts over after its continue token expired.
package let listAllMaxRestarts = 3

extension KubeAPI {
    /// Lists every object, `pageSize` at a time, following `metadata.continue`, and answers one
    /// List object with all items and the resourceVersion of the first page (the snapshot all pages
    /// come from, where a watch resumes).
    ///
    /// A continue token expires when the server compacts its history (410 Gone / Expired): the
    /// list then starts over from the first page, up to `listAllMaxRestarts` times, and finally
    /// once without paging, as client-go's pager does.
    package func listAll(_ resource: KubeResource, namespace: String?, options: ListOptions = ListOptions(),
                        pageSize: Int = 500) throws(KubeError) -> JSONValue {
        var restarts = 0
        while true {
            do {
                return try listPages(resource, namespace: namespace, options: options,
                                     pageSize: restarts >= listAllMaxRestarts ? nil : max(1, pageSize))
            } catch let error where error.isGone && restarts < listAllMaxRestarts {
                restarts &+= 1
            }
        }
    }

    private func listPages(_ resource: KubeResource, namespace: String?, options: ListOptions, pageSize: Int?) throws(KubeError) -> JSONValue {
        var pageOptions = options
        pageOptions.limit = pageSize
        pageOptions.continueToken = nil
        var first: JSONValue? = nil
        var items: [JSONValue] = []
        while true {
            let page = try list(resource, namespace: namespace, options: pageOptions)
            guard case .object = page else { throw KubeError.protocolViolation("list of \(resource) is not an object") }
            if let pageItems = page["items"], !pageItems.isNull {
                guard let array = pageItems.arrayValue else { throw KubeError.protocolViolation("list of \(resource): items is not an array") }
                guard items.count &+ array.count <= listAllMaxItems else {
                    throw KubeError.protocolViolation("list of \(resource) has more than \(listAllMaxItems) items")
                }
                items.append(contentsOf: array)
            }
            if first == nil { first = page }
            guard let token = page["metadata"]?["continue"]?.stringValue, !token.isEmpty, pageSize != nil else { break }
            pageOptions.continueToken = token
            // later pages come from the first page's snapshot; the server refuses a resourceVersion with continue
            pageOptions.resourceVersion = nil
        }
        var result = first ?? JSONValue.object(JSONObject())
        if var metadata = result["metadata"]?.objectValue {
            metadata["continue"] = nil
            metadata["remainingItemCount"] = nil
            result["metadata"] = .object(metadata)
        }
        result["items"] = .array(items)
        return result
    }
}
