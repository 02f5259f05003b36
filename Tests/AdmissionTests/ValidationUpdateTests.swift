import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// UPDATE: immutable fields judged against oldObject, and status-only updates.
final class ValidationUpdateTests: XCTestCase {
    let embedded = FeatureGates().with(.gcsFaultToleranceEmbeddedStorage, true)

    func testManagedByIsImmutable() {
        let old = RC.cluster().with("spec", "managedBy", "ray.io/kuberay-operator")
        assertValid(old, old: old.with("metadata", "labels", ["a": "b"]))
        assertErrors(old.with("spec", "managedBy", "kueue.x-k8s.io/multikueue"), old: old,
                     [#"spec.managedBy: Invalid value: "kueue.x-k8s.io/multikueue": the managedBy field is immutable"#])
        assertErrors(old.with("spec", "managedBy", nil), old: old, ["spec.managedBy: Invalid value: null: the managedBy field is immutable"])
        assertErrors(old, old: RC.cluster(), [#"spec.managedBy: Invalid value: "ray.io/kuberay-operator": the managedBy field is immutable"#])
    }

    func testManagedByIsNotJudgedOnCreate() {
        assertValid(RC.cluster().with("spec", "managedBy", "kueue.x-k8s.io/multikueue"))
    }

    func testGcsBackendIsImmutable() {
        let redis = RC.cluster().with("spec", "gcsFaultToleranceOptions", ["redisAddress": "redis:6379"])
        let rocks = RC.cluster().with("spec", "gcsFaultToleranceOptions", ["backend": "rocksdb"])
        assertErrors(rocks, old: redis, gates: embedded,
                     [#"spec.gcsFaultToleranceOptions.backend: Invalid value: "rocksdb": gcsFaultToleranceOptions.backend is immutable"#])
        assertErrors(redis, old: rocks, gates: embedded,
                     [#"spec.gcsFaultToleranceOptions.backend: Invalid value: "": gcsFaultToleranceOptions.backend is immutable"#])
        // Absent, "" and "redis" are the same backend.
        let explicitRedis = RC.cluster().with("spec", "gcsFaultToleranceOptions", ["backend": "redis", "redisAddress": "redis:6379"])
        assertValid(explicitRedis, old: redis)
        assertValid(redis.with(["spec", "gcsFaultToleranceOptions", "redisAddress"], value: "other:6379"), old: redis)
    }

    /// An object stored before a rule existed: the operator must still write its status and
    /// remove its finalizers.
    func testStatusOnlyUpdateOfAnInvalidObjectIsAllowed() {
        let stored = RC.cluster().with(At.worker(0), "minReplicas", value: -1)
            .with("metadata", "resourceVersion", "1").with("metadata", "finalizers", ["ray.io/gcs-ft-redis-cleanup-finalizer"])
        XCTAssertFalse(RayClusterValidator.validate(stored).isValid)
        let statusUpdate = stored.with("status", ["state": "ready"]).with("metadata", "resourceVersion", "2")
        XCTAssertEqual(RayClusterValidator.validate(statusUpdate, oldObject: stored), ValidationOutcome())
        let finalizerRemoval = stored.with("metadata", "finalizers", []).with("metadata", "deletionTimestamp", "2026-01-01T00:00:00Z")
        XCTAssertEqual(RayClusterValidator.validate(finalizerRemoval, oldObject: stored), ValidationOutcome())
    }

    func testSpecOrLabelChangesAreJudged() {
        let stored = RC.cluster().with(At.worker(0), "minReplicas", value: -1)
        let expected = ["spec.workerGroupSpecs[0].minReplicas: Invalid value: -1: worker group workergroup has negative minReplicas -1"]
        assertErrors(stored.with(At.worker(0), "replicas", value: 2), old: stored, expected)
        assertErrors(stored.with("metadata", "labels", ["team": "a"]), old: stored, expected)
    }
}
