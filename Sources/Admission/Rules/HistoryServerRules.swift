import JSON

/// What the history-server rules read of `spec.historyServerOptions`.
struct HistoryServerFacts {
    var present = false
    var collectorPresent = false
    var collectorImage: String?
    var collectorEnv: [EnvFact] = []
}

/// S44–S54: the history server collector sidecar (`spec.historyServerOptions`).
enum HistoryServerRules {
    static let path = "spec.historyServerOptions"
    static let collectorPath = "spec.historyServerOptions.collectorOptions"
    static let collectorContainerName = "ray-history-collector"
    /// Env the operator injects into the collector, in KubeRay's checking order (S47).
    static let reservedEnv = ["POD_IP", "FQ_RAY_IP", "RAY_CLUSTER_NAME", "RAY_CLUSTER_NAMESPACE",
                              "RAY_ROLE", "OWNER_KIND", "OWNER_NAME", "EVENTS_PORT"]

    static func check(_ facts: ClusterFacts, gates: FeatureGates, into errors: inout [FieldError]) {
        guard facts.historyServer.present else { return }
        // S44: with the gate off, only this is reported.
        guard gates.isEnabled(.rayClusterHistoryServer) else {
            errors.append(.forbidden(path, "RayClusterHistoryServer feature gate is not enabled"))
            return
        }
        // S45
        guard facts.historyServer.collectorPresent else {
            errors.append(.required(collectorPath, "historyServerOptions.collectorOptions must be set"))
            return
        }
        // S46
        if (facts.historyServer.collectorImage ?? "").isEmpty {
            errors.append(.required(collectorPath + ".image", "historyServerOptions.collectorOptions.image must be set"))
        }
        let env = facts.historyServer.collectorEnv
        // S47
        for name in reservedEnv {
            if let e = env.first(where: { $0.name == name }) {
                errors.append(.forbidden(collectorPath + ".env[\(e.index)]",
                    "historyServerOptions.collectorOptions.env must not contain \(name): it is managed by KubeRay and injected automatically into the collector container"))
            }
        }
        // S48–S52
        checkStorageBackend(env, into: &errors)
        // S53, S54
        for (c, container) in facts.head.template.containers.enumerated() where container.name == collectorContainerName {
            errors.append(.forbidden(RulePaths.headPodSpec + ".containers[\(c)].name",
                "head pod template must not define a container with name 'ray-history-collector' when history server collector options are enabled"))
        }
        for w in facts.workers {
            for (c, container) in w.common.template.containers.enumerated() where container.name == collectorContainerName {
                errors.append(.forbidden(RulePaths.workerPodSpec(w.index) + ".containers[\(c)].name",
                    "worker group \(w.groupName) pod template must not define a container with name 'ray-history-collector' when history server collector options are enabled"))
            }
        }
    }

    /// A variable counts as set with a non-empty literal value or a `valueFrom`.
    private static func isSet(_ env: [EnvFact], _ name: String) -> Bool {
        env.contains { $0.name == name && (!$0.value.isEmpty || $0.hasValueFrom) }
    }

    private static func checkStorageBackend(_ env: [EnvFact], into errors: inout [FieldError]) {
        let envPath = collectorPath + ".env"
        guard let backendVar = env.first(where: { $0.name == "STORAGE_BACKEND" }), !backendVar.value.isEmpty else {
            errors.append(.required(envPath,
                "STORAGE_BACKEND environment variable must be set with a literal string value in historyServerOptions.collectorOptions.env"))
            return
        }
        switch backendVar.value.uppercased() {
        case "GCS":
            if !isSet(env, "GCS_BUCKET") {
                errors.append(.required(envPath, "GCS_BUCKET environment variable must be set when STORAGE_BACKEND is GCS"))
            }
        case "S3":
            if !isSet(env, "S3_REGION") {
                errors.append(.required(envPath, "S3_REGION environment variable must be set when STORAGE_BACKEND is S3"))
            }
        case "AZUREBLOB":
            let modeVar = env.first { $0.name == "AZURE_STORAGE_AUTH_MODE" }?.value ?? ""
            let mode = trimmedLowercased(modeVar)
            let hasConnection = isSet(env, "AZURE_STORAGE_CONNECTION_STRING")
            let hasURL = isSet(env, "AZURE_STORAGE_ACCOUNT_URL")
            switch mode {
            case "connection_string":
                if !hasConnection {
                    errors.append(.required(envPath,
                        "AZURE_STORAGE_CONNECTION_STRING environment variable must be set when STORAGE_BACKEND is AZUREBLOB and AZURE_STORAGE_AUTH_MODE is connection_string"))
                }
            case "workload_identity", "default":
                if !hasURL {
                    errors.append(.required(envPath,
                        "AZURE_STORAGE_ACCOUNT_URL environment variable must be set when STORAGE_BACKEND is AZUREBLOB and AZURE_STORAGE_AUTH_MODE is \(mode)"))
                }
            default:
                if !hasConnection && !hasURL {
                    errors.append(.required(envPath,
                        "either AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL environment variable must be set when STORAGE_BACKEND is AZUREBLOB"))
                }
            }
        case "ALIYUNOSS":
            for name in ["OSS_BUCKET", "OSS_ENDPOINT", "OSS_REGION"] where !isSet(env, name) {
                errors.append(.required(envPath, "\(name) environment variable must be set when STORAGE_BACKEND is ALIYUNOSS"))
            }
        default:
            break  // KubeRay does not check other backends.
        }
    }

    private static func trimmedLowercased(_ s: String) -> String {
        var slice = Substring(s)
        while let c = slice.first, c == " " || c == "\t" || c == "\n" || c == "\r" { slice = slice.dropFirst() }
        while let c = slice.last, c == " " || c == "\t" || c == "\n" || c == "\r" { slice = slice.dropLast() }
        return slice.lowercased()
    }
}
