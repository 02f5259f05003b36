import JSON
@testable import KubeClient
import XCTest

final class KubeRequestPathTests: XCTestCase {
    static let rayClusters = KubeResource(group: "ray.io", version: "v1", plural: "rayclusters")
    static let crds = KubeResource(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", namespaced: false)

    func testPaths() throws {
        XCTAssertEqual(try KubeRequestPath.collection(.pods, namespace: "default"), "/api/v1/namespaces/default/pods")
        XCTAssertEqual(try KubeRequestPath.collection(.pods, namespace: nil), "/api/v1/pods")
        XCTAssertEqual(try KubeRequestPath.object(.pods, namespace: "ns", name: "p", subresource: "status"), "/api/v1/namespaces/ns/pods/p/status")
        XCTAssertEqual(try KubeRequestPath.object(.namespaces, namespace: nil, name: "ns"), "/api/v1/namespaces/ns")
        XCTAssertEqual(try KubeRequestPath.object(.namespaces, namespace: "ignored", name: "ns"), "/api/v1/namespaces/ns",
                       "cluster-scoped resources ignore a namespace")
        XCTAssertEqual(try KubeRequestPath.collection(Self.rayClusters, namespace: "team-a"), "/apis/ray.io/v1/namespaces/team-a/rayclusters")
        XCTAssertEqual(try KubeRequestPath.object(Self.rayClusters, namespace: "team-a", name: "rc", subresource: "status"),
                       "/apis/ray.io/v1/namespaces/team-a/rayclusters/rc/status")
        XCTAssertEqual(try KubeRequestPath.object(Self.crds, namespace: nil, name: "rayclusters.ray.io"),
                       "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rayclusters.ray.io")
        XCTAssertEqual(try KubeRequestPath.object(.leases, namespace: "kube-system", name: "ray-operator-leader"),
                       "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ray-operator-leader")
        XCTAssertEqual(try KubeRequestPath.collection(.pods, namespace: "d", prefix: "/proxy/k8s"), "/proxy/k8s/api/v1/namespaces/d/pods")
        XCTAssertEqual(try KubeRequestPath.object(.pods, namespace: "d", name: "a:b%c é"), "/api/v1/namespaces/d/pods/a%3Ab%25c%20%C3%A9")
    }

    func testPathsThatWouldAddressSomethingElseAreRefused() {
        let refused: [() throws -> String] = [
            { try KubeRequestPath.object(.pods, namespace: "ns", name: "") },
            { try KubeRequestPath.object(.pods, namespace: "ns", name: ".") },
            { try KubeRequestPath.object(.pods, namespace: "ns", name: "..") },
            { try KubeRequestPath.object(.pods, namespace: "ns", name: "a/b") },
            { try KubeRequestPath.object(.pods, namespace: "../x", name: "a") },
            { try KubeRequestPath.object(.pods, namespace: nil, name: "a") },
            { try KubeRequestPath.object(.pods, namespace: "ns", name: "a", subresource: "") },
            { try KubeRequestPath.collection(KubeResource(group: "", version: "", plural: "pods"), namespace: nil) },
        ]
        for (index, build) in refused.enumerated() {
            XCTAssertThrowsError(try build(), "case \(index)") { error in
                XCTAssertEqual((error as? KubeError)?.status?.code, 400, "case \(index): \(error)")
                XCTAssertTrue((error as? KubeError)?.status?.message.hasPrefix("request not sent") ?? false)
            }
        }
    }

    func testListQuery() {
        XCTAssertEqual(KubeRequestPath.query(ListOptions()), "")
        XCTAssertEqual(KubeRequestPath.query(ListOptions(labelSelector: "app in (a,b),!legacy", fieldSelector: "status.phase!=Running",
                                                         limit: 500, continueToken: "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzfQ==/+", resourceVersion: "0")),
                       "?labelSelector=app%20in%20%28a%2Cb%29%2C%21legacy&fieldSelector=status.phase%21%3DRunning&limit=500"
                       + "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzfQ%3D%3D%2F%2B&resourceVersion=0")
        XCTAssertEqual(KubeRequestPath.query(ListOptions(labelSelector: "", limit: 0)), "", "empty and zero mean unset")
        XCTAssertEqual(KubeRequestPath.query(ListOptions(labelSelector: "ray.io/node-type=head")), "?labelSelector=ray.io%2Fnode-type%3Dhead")
    }

    func testWatchQuery() {
        XCTAssertEqual(KubeRequestPath.query(WatchOptions()), "?watch=1&allowWatchBookmarks=true")
        XCTAssertEqual(KubeRequestPath.query(WatchOptions(labelSelector: "a=b", fieldSelector: "metadata.name=x", resourceVersion: "42",
                                                          allowBookmarks: false, timeoutSeconds: 300)),
                       "?watch=1&labelSelector=a%3Db&fieldSelector=metadata.name%3Dx&resourceVersion=42&timeoutSeconds=300")
    }

    func testDeleteCollectionQueryAndDeleteOptionsBody() {
        XCTAssertEqual(KubeRequestPath.query(labelSelector: "ray.io/cluster=rc"), "?labelSelector=ray.io%2Fcluster%3Drc")
        XCTAssertEqual(KubeRequestPath.query(labelSelector: ""), "")
        XCTAssertEqual(KubeHTTPClient.deleteOptionsBody(DeleteOptions()).jsonString, #"{"kind":"DeleteOptions","apiVersion":"v1"}"#)
        XCTAssertEqual(KubeHTTPClient.deleteOptionsBody(DeleteOptions(propagationPolicy: "Foreground", preconditionUID: "u-1", gracePeriodSeconds: 0)).jsonString,
                       #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","gracePeriodSeconds":0,"preconditions":{"uid":"u-1"}}"#)
    }

    func testPercentEncodingKeepsOnlyUnreserved() {
        XCTAssertEqual(KubeRequestPath.percentEncode("AZaz09-._~"), "AZaz09-._~")
        XCTAssertEqual(KubeRequestPath.percentEncode(" !\"#$%&'()*+,/:;=?@[]"), "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D")
        XCTAssertEqual(KubeRequestPath.percentEncode("\u{0}\n\u{7F}ü"), "%00%0A%7F%C3%BC")
    }

    func testServerAddressParsing() throws {
        XCTAssertEqual(try ServerAddress.parse("https://127.0.0.1:6443"), ServerAddress(host: "127.0.0.1", port: 6443))
        XCTAssertEqual(try ServerAddress.parse("https://kubernetes.default.svc"), ServerAddress(host: "kubernetes.default.svc", port: 443))
        XCTAssertEqual(try ServerAddress.parse("HTTPS://[::1]:8443/"), ServerAddress(host: "::1", port: 8443))
        XCTAssertEqual(try ServerAddress.parse("https://example.com/k8s/clusters/c-1/"), ServerAddress(host: "example.com", port: 443, pathPrefix: "/k8s/clusters/c-1"))
        XCTAssertEqual(try ServerAddress.parse("10.0.0.1:443"), ServerAddress(host: "10.0.0.1", port: 443))
        XCTAssertEqual(ServerAddress(host: "::1", port: 8443).hostAndPort, "[::1]:8443")
        for bad in ["", "http://127.0.0.1:8080", "https://", "https://:6443", "https://h:0", "https://h:65536", "https://h:x",
                    "https://user@h", "https://h/a?b", "https://[::1", "https://h :1", "https://[::1]x"] {
            XCTAssertThrowsError(try ServerAddress.parse(bad), bad) { error in
                guard case .configuration = error as? KubeError else { return XCTFail("\(bad): \(error)") }
            }
        }
    }
}
