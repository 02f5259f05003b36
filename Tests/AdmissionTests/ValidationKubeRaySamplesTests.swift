import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// Shapes of KubeRay's samples (ray-operator/config/samples), written as YAML: with
/// the default gates the ones KubeRay's reconciler accepts are accepted, and the four gated
/// features are refused with KubeRay's message until their gate is on.
final class ValidationKubeRaySamplesTests: XCTestCase {
    static func yaml(_ name: String, spec: String, metadata: String = "") -> String {
        """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: \(name)
        \(metadata)
        spec:
        \(spec)
        """
    }

    static let head = """
          headGroupSpec:
            rayStartParams:
              num-cpus: "0"
            template:
              spec:
                containers:
                - name: ray-head
                  image: rayproject/ray:2.46.0
                  ports:
                  - containerPort: 6379
                    name: gcs-server
                  resources:
                    limits: {cpu: "1", memory: 2G}
                    requests: {cpu: "1", memory: 2G}
        """

    static func workers(_ extra: String = "", restartPolicy: String? = nil) -> String {
        """
          workerGroupSpecs:
          - replicas: 1
            minReplicas: 1
            maxReplicas: 10
            groupName: small-group
            rayStartParams: {}
        \(extra)
            template:
              spec:
        \(restartPolicy.map { "        restartPolicy: \($0)" } ?? "")
                containers:
                - name: ray-worker
                  image: rayproject/ray:2.46.0
                  resources:
                    limits: {cpu: "1", memory: 1G}
                    requests: {cpu: "1", memory: 1G}
        """
    }

    func decode(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let documents = try Manifest.decode(Array(text.utf8), source: "sample")
        XCTAssertEqual(documents.count, 1, file: file, line: line)
        let object = try XCTUnwrap(documents.first, file: file, line: line)
        // The YAML above really holds a head container and a worker group (so "valid" means something).
        XCTAssertNotNil(object["spec"]?["headGroupSpec"]?["template"]?["spec"]?["containers"]?[0]?["image"], file: file, line: line)
        XCTAssertNotNil(object["spec"]?["workerGroupSpecs"]?[0]?["template"]?["spec"]?["containers"]?[0], file: file, line: line)
        return object
    }

    func testAutoscalerV1() throws {
        let spec = """
          rayVersion: '2.46.0'
          enableInTreeAutoscaling: true
          autoscalerOptions:
            upscalingMode: Default
            idleTimeoutSeconds: 60
            imagePullPolicy: IfNotPresent
            securityContext: {}
            env: []
            envFrom: []
            resources:
              limits: {cpu: 500m, memory: 512Mi}
              requests: {cpu: 500m, memory: 512Mi}
        \(Self.head)
        \(Self.workers())
        """
        let outcome = RayClusterValidator.validate(try decode(Self.yaml("raycluster-autoscaler", spec: spec)))
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings, [])
    }

    func testAutoscalerV2() throws {
        let spec = """
          rayVersion: '2.46.0'
          enableInTreeAutoscaling: true
          autoscalerOptions:
            version: v2
            idleTimeoutSeconds: 60
        \(Self.head)
        \(Self.workers("    idleTimeoutSeconds: 120", restartPolicy: "Never"))
        """
        assertValid(try decode(Self.yaml("raycluster-autoscaler", spec: spec)))
    }

    func testDeprecatedGcsFaultTolerance() throws {
        let spec = """
          rayVersion: '2.46.0'
          headGroupSpec:
            rayStartParams:
              redis-password: $REDIS_PASSWORD
            template:
              spec:
                containers:
                - name: ray-head
                  image: rayproject/ray:2.46.0
                  env:
                  - name: RAY_REDIS_ADDRESS
                    value: redis:6379
                  - name: REDIS_PASSWORD
                    valueFrom:
                      secretKeyRef: {name: redis-password-secret, key: password}
        \(Self.workers())
        """
        let object = try decode(Self.yaml("raycluster-external-redis", spec: spec,
                                          metadata: "  annotations:\n    ray.io/ft-enabled: \"true\""))
        let outcome = RayClusterValidator.validate(object)
        XCTAssertEqual(outcome.errors, [])
        XCTAssertEqual(outcome.warnings, ["annotation ray.io/ft-enabled is deprecated; use spec.gcsFaultToleranceOptions instead"])
    }

    func testExternalRedis() throws {
        let spec = """
          rayVersion: '2.46.0'
          gcsFaultToleranceOptions:
            redisAddress: "redis:6379"
            redisPassword:
              valueFrom:
                secretKeyRef: {name: redis-password-secret, key: password}
        \(Self.head)
        \(Self.workers())
        """
        assertValid(try decode(Self.yaml("raycluster-external-redis", spec: spec)))
    }

    func testEmbeddedGcsNeedsItsGate() throws {
        let spec = """
          rayVersion: '2.46.0'
          gcsFaultToleranceOptions:
            backend: rocksdb
            storage:
              size: 1Gi
        \(Self.head)
        \(Self.workers())
        """
        let object = try decode(Self.yaml("raycluster-embedded-gcs-ft", spec: spec))
        assertErrors(object, ["spec.gcsFaultToleranceOptions.backend: Forbidden: the embedded RocksDB GCS fault tolerance backend (GcsFaultToleranceOptions.Backend: 'rocksdb') requires the GCSFaultToleranceEmbeddedStorage feature gate to be enabled"])
        assertValid(object, gates: try FeatureGates(parsing: "GCSFaultToleranceEmbeddedStorage=true"))
    }

    func testMTLSAndNetworkPolicyAndHistoryServerNeedTheirGates() throws {
        let mtls = try decode(Self.yaml("raycluster-mtls", spec: "  rayVersion: '2.46.0'\n  tlsOptions:\n    enabled: true\n\(Self.head)\n\(Self.workers())"))
        assertErrors(mtls, ["spec.tlsOptions: Forbidden: spec.tlsOptions requires the RayClusterMTLS feature gate to be enabled"])
        assertValid(mtls, gates: try FeatureGates(parsing: "RayClusterMTLS=true"))

        let policy = try decode(Self.yaml("raycluster-deny-all", spec: "  rayVersion: '2.46.0'\n  networkPolicy:\n    mode: DenyAll\n\(Self.head)\n\(Self.workers())"))
        assertErrors(policy, ["spec.networkPolicy: Forbidden: spec.networkPolicy requires the RayClusterNetworkPolicy feature gate to be enabled"])
        assertValid(policy, gates: try FeatureGates(parsing: "RayClusterNetworkPolicy=true"))

        let history = try decode(Self.yaml("raycluster-historyserver", spec: """
          rayVersion: '2.46.0'
          historyServerOptions:
            collectorOptions:
              image: example.com/collector:v1
              env:
              - name: STORAGE_BACKEND
                value: S3
              - name: S3_REGION
                value: us-west-2
        \(Self.head)
        \(Self.workers())
        """))
        assertErrors(history, ["spec.historyServerOptions: Forbidden: RayClusterHistoryServer feature gate is not enabled"])
        assertValid(history, gates: try FeatureGates(parsing: "RayClusterHistoryServer=true"))
    }

    func testTokenAuthAndKubernetesAuth() throws {
        let head = Self.head.replacingOccurrences(of: "2.46.0", with: "2.57.0")
        assertValid(try decode(Self.yaml("ray-cluster-with-auth", spec: "  rayVersion: '2.52.0'\n  authOptions:\n    mode: token\n  enableInTreeAutoscaling: true\n\(head)\n\(Self.workers())")))
        assertValid(try decode(Self.yaml("ray-cluster-with-k8s-auth", spec: "  rayVersion: '2.57.0'\n  authOptions:\n    mode: token\n    enableK8sTokenAuth: true\n\(head)\n\(Self.workers())")))
    }

    func testMultiHostAndLabelSelectorShapes() throws {
        let spec = """
          rayVersion: '2.46.0'
          enableInTreeAutoscaling: true
          autoscalerOptions:
            version: v2
          headGroupSpec:
            rayStartParams: {}
            resources:
              CPU: "0"
            labels:
              ray.io/market-type: on-demand
            template:
              spec:
                restartPolicy: Never
                containers:
                - name: ray-head
                  image: rayproject/ray:2.46.0
          workerGroupSpecs:
          - replicas: 1
            minReplicas: 1
            maxReplicas: 1
            numOfHosts: 2
            groupName: tpu-group
            resources:
              TPU: "4"
            labels:
              ray.io/accelerator-type: TPU-V4
              ray.io/availability-zone: us-central2-b
            rayStartParams: {}
            template:
              spec:
                containers:
                - name: ray-worker
                  image: rayproject/ray:2.46.0
                  resources:
                    limits: {google.com/tpu: "4"}
                nodeSelector:
                  cloud.google.com/gke-tpu-accelerator: tpu-v4-podslice
        """
        assertValid(try decode(Self.yaml("raycluster-tpu-v4-multihost", spec: spec)))
    }
}
