import JSON
import KubeClient
import XCTest

/// `listAll` over a fake KubeAPI: pages, an expired continue token, and a server that keeps expiring.
final class ListAllTests: XCTestCase {
    /// Serves `items` in pages of the requested limit; continue tokens are offsets. Answers 410
    /// Expired to the first `expireContinues` requests that carry a token.
    final class PagedAPI: KubeAPI, @unchecked Sendable {
        var items: [JSONValue]
        var expireContinues: Int
        /// Thrown by every list when set.
        var failure: KubeError?
        var requests: [ListOptions] = []

        init(count: Int, expireContinues: Int = 0) {
            items = (0..<count).map { ["metadata": ["name": .string("item-\($0)")]] }
            self.expireContinues = expireContinues
        }

        func list(_ resource: KubeResource, namespace: String?, options: ListOptions) throws(KubeError) -> JSONValue {
            requests.append(options)
            if let failure { throw failure }
            var start = 0
            if let token = options.continueToken {
                if expireContinues > 0 {
                    expireContinues -= 1
                    throw KubeError.api(APIStatus(code: 410, reason: "Expired", message: "The provided continue parameter is too old"))
                }
                start = Int(token) ?? 0
            }
            let end = options.limit.map { min(items.count, start + $0) } ?? items.count
            var metadata: JSONObject = ["resourceVersion": .string("rv-\(requests.count)")]
            if end < items.count {
                metadata["continue"] = .string(String(end))
                metadata["remainingItemCount"] = .integer(Int64(items.count - end))
            }
            return ["kind": "PodList", "apiVersion": "v1", "metadata": .object(metadata), "items": .array(Array(items[start..<end]))]
        }

        func get(_ resource: KubeResource, namespace: String?, name: String) throws(KubeError) -> JSONValue { throw .cancelled }
        func create(_ resource: KubeResource, namespace: String?, object: JSONValue) throws(KubeError) -> JSONValue { throw .cancelled }
        func update(_ resource: KubeResource, namespace: String?, name: String, object: JSONValue, subresource: String?) throws(KubeError) -> JSONValue { throw .cancelled }
        func mergePatch(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue, subresource: String?) throws(KubeError) -> JSONValue { throw .cancelled }
        func delete(_ resource: KubeResource, namespace: String?, name: String, options: DeleteOptions) throws(KubeError) { throw .cancelled }
        func deleteCollection(_ resource: KubeResource, namespace: String?, labelSelector: String, options: DeleteOptions) throws(KubeError) { throw .cancelled }
        func watch(_ resource: KubeResource, namespace: String?, options: WatchOptions) throws(KubeError) -> any WatchStream { throw .cancelled }
    }

    func names(_ list: JSONValue) -> [String] { (list["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue } }

    func testPagesAreJoinedWithTheFirstPagesVersion() throws {
        let api = PagedAPI(count: 25)
        let all = try api.listAll(.pods, namespace: "ns", options: ListOptions(labelSelector: "a=b", resourceVersion: "0"), pageSize: 10)
        XCTAssertEqual(names(all), (0..<25).map { "item-\($0)" })
        XCTAssertEqual(all["metadata"]?["resourceVersion"]?.stringValue, "rv-1")
        XCTAssertNil(all["metadata"]?["continue"])
        XCTAssertNil(all["metadata"]?["remainingItemCount"])
        XCTAssertEqual(api.requests.map(\.limit), [10, 10, 10])
        XCTAssertEqual(api.requests.map(\.continueToken), [nil, "10", "20"])
        XCTAssertEqual(api.requests.map(\.labelSelector), ["a=b", "a=b", "a=b"])
        XCTAssertEqual(api.requests.map(\.resourceVersion), ["0", nil, nil], "a continue carries no resourceVersion")
    }

    func testExpiredContinueRestartsFromTheFirstPage() throws {
        let api = PagedAPI(count: 25, expireContinues: 1)
        let all = try api.listAll(.pods, namespace: nil, pageSize: 10)
        XCTAssertEqual(names(all).count, 25)
        XCTAssertEqual(api.requests.map(\.continueToken), [nil, "10", nil, "10", "20"])
    }

    func testKeepsExpiringThenListsWithoutPaging() throws {
        let api = PagedAPI(count: 25, expireContinues: 100)
        let all = try api.listAll(.pods, namespace: nil, pageSize: 10)
        XCTAssertEqual(names(all).count, 25)
        XCTAssertEqual(api.requests.last?.limit, nil, "the last resort is one unpaged list")
        XCTAssertEqual(api.requests.count, 2 * listAllMaxRestarts + 1)
    }

    func testOtherErrorsAreNotRetried() {
        let api = PagedAPI(count: 0)
        api.failure = KubeError.api(APIStatus(code: 403, reason: "Forbidden", message: "no"))
        XCTAssertThrowsError(try api.listAll(.pods, namespace: nil)) { XCTAssertEqual(($0 as? KubeError)?.status?.code, 403) }
        XCTAssertEqual(api.requests.count, 1)
    }
}
