import JSON

/// What the GCS fault-tolerance rules read of `spec.gcsFaultToleranceOptions`.
struct GcsFaultToleranceFacts {
    var present = false
    /// "" when absent (which means redis).
    var backend = ""
    var redisUsernameSet = false
    var redisPasswordSet = false
    var redisAddress = ""
    var externalStorageNamespace = ""
    var storagePresent = false
    var storageClaimName = ""
    var storageSizeSet = false
    var storageClassSet = false
    var storageAccessModesSet = false
}

/// S19–S35: GCS fault tolerance (the deprecated annotation, `gcsFaultToleranceOptions` with the
/// redis and embedded rocksdb backends, and the head settings they take over).
enum GcsFaultToleranceRules {
    static let ftEnabledAnnotation = "ray.io/ft-enabled"
    static let externalStorageNamespaceAnnotation = "ray.io/external-storage-namespace"
    static let optionsPath = "spec.gcsFaultToleranceOptions"

    static func check(_ facts: ClusterFacts, gates: FeatureGates, into errors: inout [FieldError]) {
        let headEnv = facts.head.template.rayContainer
        let headParams = facts.head.rayStartParams
        let options = facts.gcs.present
        let annotation = facts.annotations.value(for: ftEnabledAnnotation) ?? ""

        // S19
        if options && !annotation.isEmpty {
            errors.append(.forbidden(RulePaths.annotation(ftEnabledAnnotation),
                "ray.io/ft-enabled annotation and GcsFaultToleranceOptions are both set. Please use only GcsFaultToleranceOptions to configure GCS fault tolerance"))
        }
        // S20
        let ftEnabled = options || annotation.lowercased() == "true"
        if !ftEnabled, let e = headEnv?.envVar("RAY_REDIS_ADDRESS") {
            errors.append(.forbidden(RulePaths.headEnv(e.index),
                "RAY_REDIS_ADDRESS is set which implicitly enables GCS fault tolerance, but GcsFaultToleranceOptions is not set. Please set GcsFaultToleranceOptions to enable GCS fault tolerance"))
        }
        if options {
            // S21
            if headParams.nonEmptyValue(for: "redis-password") != nil {
                errors.append(.forbidden(RulePaths.key(RulePaths.head + ".rayStartParams", "redis-password"),
                    "cannot set `redis-password` in rayStartParams when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead"))
            }
            // S22
            if let e = headEnv?.envVar("REDIS_PASSWORD") {
                errors.append(.forbidden(RulePaths.headEnv(e.index),
                    "cannot set `REDIS_PASSWORD` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisPassword instead"))
            }
            // S23
            if let e = headEnv?.envVar("RAY_REDIS_ADDRESS") {
                errors.append(.forbidden(RulePaths.headEnv(e.index),
                    "cannot set `RAY_REDIS_ADDRESS` env var in head Pod when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.RedisAddress instead"))
            }
            // S24
            if facts.annotations.nonEmptyValue(for: externalStorageNamespaceAnnotation) != nil {
                errors.append(.forbidden(RulePaths.annotation(externalStorageNamespaceAnnotation),
                    "cannot set `ray.io/external-storage-namespace` annotation when GcsFaultToleranceOptions is enabled - use GcsFaultToleranceOptions.ExternalStorageNamespace instead"))
            }
            if facts.gcs.backend == "rocksdb" {
                checkEmbedded(facts, gates: gates, into: &errors)
            } else if facts.gcs.storagePresent {
                // S34
                errors.append(.forbidden(optionsPath + ".storage",
                    "cannot set GcsFaultToleranceOptions.Storage when backend is 'redis' - it only applies to the 'rocksdb' backend"))
            }
        }
        // S35 (always, with or without fault tolerance)
        if headParams.nonEmptyValue(for: "redis-username") != nil {
            errors.append(.forbidden(RulePaths.key(RulePaths.head + ".rayStartParams", "redis-username"),
                "cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead"))
        } else if let e = headEnv?.envVar("REDIS_USERNAME") {
            errors.append(.forbidden(RulePaths.headEnv(e.index),
                "cannot set redis username in rayStartParams or environment variables - use GcsFaultToleranceOptions.RedisUsername instead"))
        }
    }

    /// S25–S33: the embedded rocksdb backend. With its gate off only S25 is reported: the other
    /// rules refine a feature the cluster does not offer.
    private static func checkEmbedded(_ facts: ClusterFacts, gates: FeatureGates, into errors: inout [FieldError]) {
        guard gates.isEnabled(.gcsFaultToleranceEmbeddedStorage) else {
            errors.append(.forbidden(optionsPath + ".backend",
                "the embedded RocksDB GCS fault tolerance backend (GcsFaultToleranceOptions.Backend: 'rocksdb') requires the GCSFaultToleranceEmbeddedStorage feature gate to be enabled"))
            return
        }
        if !facts.gcs.redisAddress.isEmpty {
            errors.append(.forbidden(optionsPath + ".redisAddress", "cannot set GcsFaultToleranceOptions.RedisAddress when backend is 'rocksdb'"))
        }
        if facts.gcs.redisUsernameSet {
            errors.append(.forbidden(optionsPath + ".redisUsername", "cannot set GcsFaultToleranceOptions.RedisUsername when backend is 'rocksdb'"))
        }
        if facts.gcs.redisPasswordSet {
            errors.append(.forbidden(optionsPath + ".redisPassword", "cannot set GcsFaultToleranceOptions.RedisPassword when backend is 'rocksdb'"))
        }
        if !facts.gcs.externalStorageNamespace.isEmpty {
            errors.append(.forbidden(optionsPath + ".externalStorageNamespace",
                                     "cannot set GcsFaultToleranceOptions.ExternalStorageNamespace when backend is 'rocksdb'"))
        }
        if !facts.gcs.storageClaimName.isEmpty,
           facts.gcs.storageSizeSet || facts.gcs.storageClassSet || facts.gcs.storageAccessModesSet
        {
            errors.append(.forbidden(optionsPath + ".storage.claimName",
                "GcsFaultToleranceOptions.Storage.ClaimName is mutually exclusive with size, storageClassName, and accessModes"))
        }
        let head = facts.head.template
        if let e = head.rayContainer?.env.first(where: { $0.name == "RAY_gcs_storage" || $0.name == "RAY_gcs_storage_path" }) {
            errors.append(.forbidden(RulePaths.headEnv(e.index),
                "cannot set `RAY_gcs_storage` or `RAY_gcs_storage_path` env var in head Pod when the embedded GCS FT backend is used - these are managed by KubeRay"))
        }
        if let m = head.rayContainer?.mounts.first(where: { $0.mountPath == "/data/gcs" || $0.name == "gcs-storage" }) {
            errors.append(.forbidden(RulePaths.headMount(m.index),
                "cannot set a volume mount named \"gcs-storage\" or mounted at /data/gcs in the head container when the embedded GCS FT backend is used - it is managed by KubeRay"))
        }
        if let v = head.volumeNames.first(where: { $0.name == "gcs-storage" }) {
            errors.append(.forbidden(RulePaths.headPodSpec + ".volumes[\(v.index)]",
                "cannot set a volume named \"gcs-storage\" in the head Pod when the embedded GCS FT backend is used - it is managed by KubeRay"))
        }
    }
}
