import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// S19–S35 (KubeRay's TestValidateRayClusterSpecGcsFaultToleranceOptions, _EmbeddedGCSFeatureGate,
/// TestValidateGcsFaultToleranceEmbeddedReservedVolume, _RedisPassword, _RedisUsername).
final class ValidationGcsTests: XCTestCase {
    let embedded = FeatureGates().with(.gcsFaultToleranceEmbeddedStorage, true)
    let env0 = "spec.headGroupSpec.template.spec.containers[0].env[0]"

    func withOptions(_ options: JSONValue = ["redisAddress": "redis:6379"]) -> JSONValue {
        RC.cluster().with("spec", "gcsFaultToleranceOptions", options)
    }

    func annotated(_ object: JSONValue, _ key: String, _ value: String) -> JSONValue {
        object.with(["metadata", "annotations", .key(key)], value: .string(value))
    }

    func headEnv(_ object: JSONValue, _ entries: JSONValue...) -> JSONValue {
        object.with(At.headContainer, "env", value: .array(entries))
    }

    func rocksdb(_ extra: [(String, JSONValue)] = []) -> JSONValue {
        var options = JSONObject([("backend", "rocksdb")])
        for (k, v) in extra { options[k] = v }
        return RC.cluster().with("spec", "gcsFaultToleranceOptions", .object(options))
    }

    // MARK: S19, S20

    func testS19AnnotationAndOptions() {
        let expected = "metadata.annotations[ray.io/ft-enabled]: Forbidden: ray.io/ft-enabled annotation and GcsFaultToleranceOptions are both set. Please use only GcsFaultToleranceOptions to configure GCS fault tolerance"
        assertErrors(annotated(withOptions(), "ray.io/ft-enabled", "false"), [expected])
        assertErrors(annotated(withOptions(), "ray.io/ft-enabled", "true"), [expected])
    }

    func testOptionsOnlyOrNeitherAreAccepted() {
        assertValid(withOptions())
        assertValid(RC.cluster())
        assertValid(withOptions([:]))
    }

    func testS20RedisAddressWithoutFaultTolerance() {
        let expected = "\(env0): Forbidden: RAY_REDIS_ADDRESS is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set. Please set GcsFaultToleranceOptions to enable GCS fault tolerance"
        assertErrors(headEnv(RC.cluster(), RC.env("RAY_REDIS_ADDRESS", "redis:6379")), [expected])
        assertErrors(annotated(headEnv(RC.cluster(), RC.env("RAY_REDIS_ADDRESS", "redis:6379")), "ray.io/ft-enabled", "false"), [expected])
    }

    func testLegacyAnnotationWithRedisAddressIsAccepted() {
        assertValid(annotated(headEnv(RC.cluster(), RC.env("RAY_REDIS_ADDRESS", "redis:6379")), "ray.io/ft-enabled", "TRUE"))
    }

    // MARK: S21–S24

    func testS21RedisPasswordInRayStartParams() {
        assertErrors(withOptions().with(At.head, "rayStartParams", value: ["redis-password": "secret"]),
                     ["spec.headGroupSpec.rayStartParams[redis-password]: Forbidden: cannot set `redis-password` in rayStartParams when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead"])
    }

    func testS22RedisPasswordEnv() {
        assertErrors(headEnv(withOptions(), RC.env("REDIS_PASSWORD", "secret")),
                     ["\(env0): Forbidden: cannot set `REDIS_PASSWORD` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead"])
    }

    func testRedisPasswordInOptionsIsAccepted() {
        assertValid(withOptions(["redisAddress": "redis:6379", "redisPassword": ["value": "secret"]]))
    }

    func testS23RedisAddressEnvWithOptions() {
        assertErrors(headEnv(withOptions(), RC.env("RAY_REDIS_ADDRESS", "redis:6379")),
                     ["\(env0): Forbidden: cannot set `RAY_REDIS_ADDRESS` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisAddress instead"])
    }

    func testS24ExternalStorageNamespaceAnnotation() {
        assertErrors(annotated(withOptions(), "ray.io/external-storage-namespace", "ns"),
                     ["metadata.annotations[ray.io/external-storage-namespace]: Forbidden: cannot set `ray.io/external-storage-namespace` annotation when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.ExternalStorageNamespace instead"])
    }

    // MARK: S25–S34

    func testS25RocksDBNeedsItsGate() {
        let expected = "spec.gcsFaultToleranceOptions.backend: Forbidden: the embedded RocksDB GCS fault tolerance backend (GcsFaultToleranceOptions.Backend: 'rocksdb') requires the GCSFaultToleranceEmbeddedStorage feature gate to be enabled"
        assertErrors(rocksdb(), [expected])
        // With the gate off, the rocksdb refinements are not reported on top.
        assertErrors(rocksdb([("redisAddress", "redis:6379")]), [expected])
        assertValid(rocksdb(), gates: embedded)
        assertValid(rocksdb([("storage", ["size": "10Gi"])]), gates: embedded)
    }

    func testS26ToS29RedisSettingsWithRocksDB() {
        assertErrors(rocksdb([("redisAddress", "redis:6379")]), gates: embedded,
                     ["spec.gcsFaultToleranceOptions.redisAddress: Forbidden: cannot set GcsFaultToleranceOptions.RedisAddress when backend is 'rocksdb'"])
        assertErrors(rocksdb([("redisUsername", ["value": "u"])]), gates: embedded,
                     ["spec.gcsFaultToleranceOptions.redisUsername: Forbidden: cannot set GcsFaultToleranceOptions.RedisUsername when backend is 'rocksdb'"])
        assertErrors(rocksdb([("redisPassword", ["value": "p"])]), gates: embedded,
                     ["spec.gcsFaultToleranceOptions.redisPassword: Forbidden: cannot set GcsFaultToleranceOptions.RedisPassword when backend is 'rocksdb'"])
        assertErrors(rocksdb([("externalStorageNamespace", "ns")]), gates: embedded,
                     ["spec.gcsFaultToleranceOptions.externalStorageNamespace: Forbidden: cannot set GcsFaultToleranceOptions.ExternalStorageNamespace when backend is 'rocksdb'"])
    }

    func testS30ClaimNameExcludesProvisioningFields() {
        let expected = "spec.gcsFaultToleranceOptions.storage.claimName: Forbidden: GcsFaultToleranceOptions.Storage.ClaimName is mutually exclusive with size, storageClassName, and accessModes"
        assertErrors(rocksdb([("storage", ["claimName": "my-pvc", "size": "1Gi"])]), gates: embedded, [expected])
        assertErrors(rocksdb([("storage", ["claimName": "my-pvc", "storageClassName": "fast"])]), gates: embedded, [expected])
        assertErrors(rocksdb([("storage", ["claimName": "my-pvc", "accessModes": ["ReadWriteOnce"]])]), gates: embedded, [expected])
        assertValid(rocksdb([("storage", ["claimName": "my-pvc", "subPath": "gcs"])]), gates: embedded)
    }

    func testS31ToS33ReservedHeadSettings() {
        assertErrors(headEnv(rocksdb(), RC.env("RAY_gcs_storage", "x")), gates: embedded,
                     ["\(env0): Forbidden: cannot set `RAY_gcs_storage` or `RAY_gcs_storage_path` env var in head Pod when the embedded GCS FT backend is used - these are managed by KubeRay"])
        let mountMessage = "Forbidden: cannot set a volume mount named \"gcs-storage\" or mounted at /data/gcs in the head container when the embedded GCS FT backend is used - it is managed by KubeRay"
        assertErrors(rocksdb().with(At.headContainer, "volumeMounts", value: [RC.mount("data", "/data/gcs")]), gates: embedded,
                     ["spec.headGroupSpec.template.spec.containers[0].volumeMounts[0]: " + mountMessage])
        assertErrors(rocksdb().with(At.headContainer, "volumeMounts", value: [RC.mount("logs", "/tmp/ray"), RC.mount("gcs-storage", "/x")]),
                     gates: embedded, ["spec.headGroupSpec.template.spec.containers[0].volumeMounts[1]: " + mountMessage])
        assertErrors(rocksdb().with(At.head + ["template", "spec", "volumes"], value: [["name": "gcs-storage", "emptyDir": [:]]]), gates: embedded,
                     ["spec.headGroupSpec.template.spec.volumes[0]: Forbidden: cannot set a volume named \"gcs-storage\" in the head Pod when the embedded GCS FT backend is used - it is managed by KubeRay"])
        assertValid(rocksdb().with(At.headContainer, "volumeMounts", value: [RC.mount("logs", "/tmp/ray")]), gates: embedded)
    }

    func testS34StorageWithRedisBackend() {
        let expected = "spec.gcsFaultToleranceOptions.storage: Forbidden: cannot set GcsFaultToleranceOptions.Storage when backend is 'redis' - it only applies to the 'rocksdb' backend"
        assertErrors(withOptions(["storage": ["size": "1Gi"]]), [expected])
        assertErrors(withOptions(["backend": "redis", "redisAddress": "r:6379", "storage": ["size": "1Gi"]]), [expected])
        assertValid(withOptions(["backend": "redis"]))
    }

    // MARK: S35

    func testS35RedisUsernameOutsideOptions() {
        let message = "Forbidden: cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead"
        assertErrors(RC.cluster().with(At.head, "rayStartParams", value: ["redis-username": "u"]),
                     ["spec.headGroupSpec.rayStartParams[redis-username]: " + message])
        assertErrors(headEnv(RC.cluster(), RC.env("REDIS_USERNAME", "u")), ["\(env0): " + message])
        assertValid(withOptions(["redisAddress": "redis:6379", "redisUsername": ["value": "u"]]))
    }
}
