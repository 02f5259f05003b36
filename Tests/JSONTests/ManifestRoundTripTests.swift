import XCTest
@testable import JSON

/// A realistic manifest (the shape of KubeRay's samples) through YAML → JSON → YAML → JSON.
final class ManifestRoundTripTests: XCTestCase {
    let sample = """
    # A comment before the document.
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-complete
      labels:
        controller-tools.k8s.io: "1.0"
      annotations:
        ray.io/ft-enabled: 'false'   # a trailing comment
    spec:
      rayVersion: '2.9.0'
      enableInTreeAutoscaling: true
      autoscalerOptions:
        upscalingMode: Default
        idleTimeoutSeconds: 60
        resources: &res
          limits: {cpu: "500m", memory: 512Mi}
          requests: {cpu: 500m, memory: 512Mi}
      headGroupSpec:
        serviceType: ClusterIP
        rayStartParams:
          dashboard-host: '0.0.0.0'
          num-cpus: "0"
          block: 'true'
        template:
          spec:
            containers:
            - name: ray-head
              image: rayproject/ray:2.9.0
              ports:
              - containerPort: 6379
                name: gcs
              - containerPort: 8265
                name: dashboard
              lifecycle:
                preStop:
                  exec:
                    command: ["/bin/sh","-c","ray stop"]
              resources: *res
              args:
                - |
                  ulimit -n 65536;
                  echo "head: $MY_POD_IP"
              env:
              - name: RAY_GRAFANA_HOST
                value: http://prometheus-grafana.prometheus-system.svc:80
    ---
    apiVersion: v1
    kind: List
    items:
    - apiVersion: ray.io/v1alpha1
      kind: RayCluster
      metadata: {name: legacy}
      spec:
        maxWorkers: 3
        idleTimeoutMinutes: 5
        extensions:
        - replicas: 1
          type: head
          command: ray start --head
    """

    func testSampleDecodesWithTypesAndRoundTrips() throws {
        let documents = try Manifest.decode(Array(sample.utf8), source: "sample.yaml")
        XCTAssertEqual(documents.count, 2)
        let cluster = documents[0]
        XCTAssertEqual(cluster["metadata"]?["labels"]?["controller-tools.k8s.io"], "1.0")
        XCTAssertEqual(cluster["spec"]?["rayVersion"], "2.9.0")
        XCTAssertEqual(cluster["spec"]?["enableInTreeAutoscaling"], true)
        XCTAssertEqual(cluster["spec"]?["autoscalerOptions"]?["idleTimeoutSeconds"], 60)
        let head = cluster["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"]?[0]
        XCTAssertEqual(head?["ports"]?[1]?["containerPort"], 8265)
        XCTAssertEqual(head?["resources"]?["limits"]?["cpu"], "500m")
        XCTAssertEqual(head?["lifecycle"]?["preStop"]?["exec"]?["command"], ["/bin/sh", "-c", "ray stop"])
        XCTAssertEqual(head?["args"]?[0], .string("ulimit -n 65536;\necho \"head: $MY_POD_IP\"\n"))
        XCTAssertEqual(documents[1]["spec"]?["extensions"]?[0]?["type"], "head")

        for document in documents {
            // YAML → JSON → YAML → JSON keeps everything, key order included.
            let json = document.serialized()
            let yaml = Manifest.yaml(document)
            let again = try Manifest.decode(Array(yaml.utf8), source: "emitted.yaml")
            XCTAssertEqual(again, [document], yaml)
            XCTAssertEqual(again.first?.serialized(), json)
            // And the emitted YAML is stable.
            XCTAssertEqual(again.first.map(Manifest.yaml), yaml)
        }
    }
}
