import DesiredState
import JSON
import RayAPI
import XCTest

final class HeadServiceBuilderTests: XCTestCase {
    private let selector: JSONValue = [
        "app.kubernetes.io/created-by": "kuberay-operator",
        "app.kubernetes.io/name": "kuberay",
        "ray.io/cluster": "raycluster-sample",
        "ray.io/identifier": "raycluster-sample-head",
        "ray.io/node-type": "head",
    ]

    /// The original operator's sample: `raycluster-sample-head`, headless, the default ports
    /// (its container declares none), selecting the head pod the builder makes.
    func testMiniSampleService() throws {
        let cluster = try Fixtures.storedSample("ray_v1_raycluster.mini.yaml")
        let service = try HeadServiceBuilder.headService(cluster: cluster)
        XCTAssertEqual(service, [
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": [
                "name": "raycluster-sample-head",
                "namespace": "default",
                "labels": selector,
                "ownerReferences": [["apiVersion": "ray.io/v1", "kind": "RayCluster", "name": "raycluster-sample",
                                     "uid": .string(Fixtures.uid), "controller": true, "blockOwnerDeletion": true]],
            ],
            "spec": [
                "ports": [
                    ["name": "client", "appProtocol": "tcp", "port": 10001],
                    ["name": "dashboard", "appProtocol": "tcp", "port": 8265],
                    ["name": "gcs-server", "appProtocol": "tcp", "port": 6379],
                    ["name": "metrics", "appProtocol": "tcp", "port": 8080],
                    ["name": "serve", "appProtocol": "tcp", "port": 8000],
                ],
                "selector": selector,
                "clusterIP": "None",
                "publishNotReadyAddresses": true,
            ],
        ])
        let head = try PodBuilder.headPod(cluster: cluster)
        for member in service["spec"]?["selector"]?.objectValue ?? JSONObject() {
            XCTAssertEqual(head["metadata"]?["labels"]?[member.key], member.value, member.key)
        }
    }

    func testContainerPortsTypesAndAnnotations() throws {
        let cluster = try Fixtures.storedSample("ray-cluster.complete.yaml")
        let service = try HeadServiceBuilder.headService(cluster: cluster)
        XCTAssertEqual(service["spec"]?["ports"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                       ["client", "dashboard", "gcs-server", "metrics", "serve"], "sorted by name")
        XCTAssertEqual(service["spec"]?["type"], "ClusterIP")
        XCTAssertEqual(service["spec"]?["clusterIP"], "None", "ClusterIP means headless unless asked otherwise")
        XCTAssertEqual(service["metadata"]?["annotations"], ["service.beta.kubernetes.io/description": "Ray head of raycluster-complete"])
        let withIP = try HeadServiceBuilder.headService(cluster: cluster, options: DesiredStateOptions(headServiceWithClusterIP: true))
        XCTAssertNil(withIP["spec"]?["clusterIP"])
        XCTAssertNil(withIP["spec"]?["publishNotReadyAddresses"])

        var nodePort = Fixtures.cluster()
        nodePort.set(["spec", "headGroupSpec", "serviceType"], "NodePort")
        nodePort.set(["spec", "headGroupSpec", "template", "spec", "containers", 0, "ports"], [["containerPort": 6379], ["name": "prom", "containerPort": 8080]])
        let service2 = try HeadServiceBuilder.headService(cluster: nodePort)
        XCTAssertEqual(service2["spec"]?["type"], "NodePort")
        XCTAssertNil(service2["spec"]?["clusterIP"])
        XCTAssertEqual(service2["spec"]?["ports"], [
            ["name": "6379-port", "appProtocol": "tcp", "port": 6379],
            ["name": "prom", "appProtocol": "tcp", "port": 8080],
        ], "an unnamed port is named after its number; metrics is not added on a port already used")
    }

    func testUserHeadServiceIsTheBase() throws {
        let cluster = try Fixtures.storedSample("ray-cluster.custom-head-service.yaml")
        let service = try HeadServiceBuilder.headService(cluster: cluster)
        XCTAssertEqual(service["apiVersion"], "v1")
        XCTAssertEqual(service["kind"], "Service")
        XCTAssertEqual(service["metadata"]?["name"], "custom-ray-head")
        XCTAssertEqual(service["metadata"]?["namespace"], "default")
        XCTAssertEqual(service["metadata"]?["labels"]?["team"], "ml")
        XCTAssertEqual(service["metadata"]?["labels"]?["ray.io/node-type"], "head")
        XCTAssertEqual(service["metadata"]?["annotations"], ["example.com/owner": "ml-platform"])
        XCTAssertEqual(service["spec"]?["type"], "NodePort")
        XCTAssertNil(service["spec"]?["clusterIP"], "a user's Service is never made headless")
        XCTAssertEqual(service["spec"]?["ports"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                       ["dashboard", "client", "gcs-server", "metrics"], "the user's port first, ours appended without the duplicate")
        XCTAssertEqual(service["spec"]?["selector"]?["ray.io/cluster"], "custom-head-svc")
        XCTAssertEqual(service["metadata"]?["ownerReferences"]?[0]?["controller"], true)
    }
}
