import JSON
import RayAPI

/// Everything the rules read from one RayCluster, gathered in ONE walk of the object (the rules
/// then only look at these facts, never at the JSON again). Reading also reports wrong JSON types
/// (see `SchemaReader`). This is the validator's digest, not a general-purpose typed view.

/// One `env` entry of a container.
struct EnvFact {
    var index: Int
    var name: String
    /// The literal `value` ("" when absent, as Go's zero value).
    var value: String
    var hasValueFrom: Bool
}

/// One `volumeMounts` entry of a container.
struct MountFact {
    var index: Int
    var name: String
    var mountPath: String
}

struct ContainerFacts {
    var name: String = ""
    var image: String?
    var env: [EnvFact] = []
    var mounts: [MountFact] = []

    func envVar(_ name: String) -> EnvFact? {
        for e in env where e.name == name { return e }
        return nil
    }
}

/// A pod template: its containers (index 0 is the Ray container), restart policy, volume names.
struct PodTemplateFacts {
    /// False when the `template` field itself is absent (the CRD requires it).
    var present = false
    var containers: [ContainerFacts] = []
    var restartPolicy: String?
    var volumeNames: [(index: Int, name: String)] = []
    var rayContainer: ContainerFacts? { containers.first }
}

/// What head and worker groups share.
struct GroupCommonFacts {
    var rayStartParams: [(key: String, value: String)] = []
    var resources: [(key: String, value: String)] = []
    var labels: [(key: String, value: String)] = []
    var template = PodTemplateFacts()
}

struct WorkerGroupFacts {
    var index: Int
    /// False when the entry is not an object (reported as a type error; no rule judges it).
    var isObject = false
    /// The raw entry (W3 shows it as its BadValue).
    var raw: JSONValue
    /// A string groupName is there (the name rules judge it).
    var groupNamePresent = false
    /// No groupName at all (the CRD requires one); a wrong type is reported as such instead.
    var groupNameMissing = true
    var groupName = ""
    var replicas: Int64?
    /// CRD defaults applied: the API server writes 0 and 2147483647 before anyone sees the object.
    var minReplicas: Int64 = 0
    var maxReplicas: Int64 = Int64(Int32.max)
    var idleTimeoutSeconds: Int64?
    var priority: Int64?
    var suspend = false
    var numOfHosts: Int64 = 1
    var common = GroupCommonFacts()

    var path: String { "spec.workerGroupSpecs[\(index)]" }
}

struct NetworkPolicyRulesFacts {
    var hasIngressRules = false
    var hasEgressRules = false
}

struct NetworkPolicyGroupFacts {
    var index: Int
    var groupName: String
    var rules: NetworkPolicyRulesFacts
}

struct ClusterFacts {
    // metadata
    var name: String?
    var annotations: [(key: String, value: String)] = []
    var labels: [(key: String, value: String)] = []

    // spec
    var specPresent = false
    var rayVersion = ""
    var enableInTreeAutoscaling = false
    var managedBy: String?

    var autoscalerOptionsPresent = false
    var autoscalerVersion: String?
    var autoscalerIdleTimeoutSeconds: Int64?
    var autoscalerEnv: [EnvFact] = []
    var autoscalerMounts: [MountFact] = []

    var gcsOptionsPresent = false
    /// "" when absent (which means redis).
    var gcsBackend = ""
    var gcsRedisUsernameSet = false
    var gcsRedisPasswordSet = false
    var gcsRedisAddress = ""
    var gcsExternalStorageNamespace = ""
    var gcsStoragePresent = false
    var gcsStorageClaimName = ""
    var gcsStorageSizeSet = false
    var gcsStorageClassSet = false
    var gcsStorageAccessModesSet = false

    var historyServerPresent = false
    var collectorPresent = false
    var collectorImage: String?
    var collectorEnv: [EnvFact] = []

    var networkPolicyPresent = false
    /// nil means the CRD default, DenyAll.
    var networkPolicyMode: String?
    var networkPolicyHead = NetworkPolicyRulesFacts()
    var networkPolicyWorker = NetworkPolicyRulesFacts()
    var networkPolicyGroups: [NetworkPolicyGroupFacts] = []

    var tlsOptionsPresent = false
    var tlsEnabled = false

    var authOptionsPresent = false
    var authMode: String?
    var authEnableK8sTokenAuth = false
    var authSecretName = ""

    var upgradeStrategyPresent = false
    var upgradeStrategyType: String?

    var headPresent = false
    var head = GroupCommonFacts()
    var workers: [WorkerGroupFacts] = []

    // Derived once.

    /// KubeRay's `IsAutoscalingV2Enabled`: version v2, or head env RAY_enable_autoscaler_v2 is
    /// "1"/"true" (enableInTreeAutoscaling is not consulted).
    var autoscalerV2Enabled: Bool {
        if autoscalerVersion == "v2" { return true }
        if let e = head.template.rayContainer?.envVar("RAY_enable_autoscaler_v2") {
            return e.value == "1" || e.value == "true"
        }
        return false
    }
}

// MARK: - The one walk

extension ClusterFacts {
    init(reading object: JSONValue, reader: inout SchemaReader) {
        self.init()
        guard let root = reader.object(object, "<root>") else { return }

        if let metadata = reader.object(root["metadata"], "metadata") {
            name = reader.string(metadata["name"], "metadata.name")
            annotations = reader.stringMap(metadata["annotations"], "metadata.annotations")
            labels = reader.stringMap(metadata["labels"], "metadata.labels")
        }

        guard let spec = reader.object(root["spec"], "spec") else { return }
        specPresent = true
        rayVersion = reader.string(spec["rayVersion"], "spec.rayVersion") ?? ""
        enableInTreeAutoscaling = reader.bool(spec["enableInTreeAutoscaling"], "spec.enableInTreeAutoscaling") ?? false
        _ = reader.bool(spec["suspend"], "spec.suspend")
        managedBy = reader.string(spec["managedBy"], "spec.managedBy")
        _ = reader.stringMap(spec["headServiceAnnotations"], "spec.headServiceAnnotations")

        readAutoscalerOptions(spec["autoscalerOptions"], reader: &reader)
        readGcsOptions(spec["gcsFaultToleranceOptions"], reader: &reader)
        readHistoryServer(spec["historyServerOptions"], reader: &reader)
        readNetworkPolicy(spec["networkPolicy"], reader: &reader)

        if let tls = reader.object(spec["tlsOptions"], "spec.tlsOptions") {
            tlsOptionsPresent = true
            tlsEnabled = reader.bool(tls["enabled"], "spec.tlsOptions.enabled") ?? false
        }
        if let auth = reader.object(spec["authOptions"], "spec.authOptions") {
            authOptionsPresent = true
            authMode = reader.enumString(auth["mode"], "spec.authOptions.mode", allowed: ["disabled", "token"])
            authEnableK8sTokenAuth = reader.bool(auth["enableK8sTokenAuth"], "spec.authOptions.enableK8sTokenAuth") ?? false
            authSecretName = reader.string(auth["secretName"], "spec.authOptions.secretName") ?? ""
        }
        if let upgrade = reader.object(spec["upgradeStrategy"], "spec.upgradeStrategy") {
            upgradeStrategyPresent = true
            // The enum is judged by U1 with KubeRay's message, not as a schema error.
            upgradeStrategyType = reader.string(upgrade["type"], "spec.upgradeStrategy.type")
        }

        if let headSpec = reader.object(spec["headGroupSpec"], "spec.headGroupSpec") {
            headPresent = true
            head = Self.readGroup(headSpec, base: .head, reader: &reader)
            if let serviceType = headSpec["serviceType"] { _ = reader.string(serviceType, "spec.headGroupSpec.serviceType") }
            _ = reader.bool(headSpec["enableIngress"], "spec.headGroupSpec.enableIngress")
        }

        if let groups = reader.array(spec["workerGroupSpecs"], "spec.workerGroupSpecs") {
            workers.reserveCapacity(groups.count)
            for (i, entry) in groups.enumerated() {
                workers.append(Self.readWorker(entry, index: i, reader: &reader))
            }
        }
    }

    private static func readWorker(_ entry: JSONValue, index i: Int, reader: inout SchemaReader) -> WorkerGroupFacts {
        var w = WorkerGroupFacts(index: i, raw: entry)
        guard let g = reader.object(entry, "spec.workerGroupSpecs[\(i)]") else { return w }
        w.isObject = true
        if let raw = g["groupName"], !raw.isNull { w.groupNameMissing = false }
        if let name = reader.string(g["groupName"], "spec.workerGroupSpecs[\(i)].groupName") {
            w.groupNamePresent = true
            w.groupName = name
        }
        w.replicas = reader.int32(g["replicas"], "spec.workerGroupSpecs[\(i)].replicas")
        if let v = reader.int32(g["minReplicas"], "spec.workerGroupSpecs[\(i)].minReplicas") { w.minReplicas = v }
        if let v = reader.int32(g["maxReplicas"], "spec.workerGroupSpecs[\(i)].maxReplicas") { w.maxReplicas = v }
        w.idleTimeoutSeconds = reader.int32(g["idleTimeoutSeconds"], "spec.workerGroupSpecs[\(i)].idleTimeoutSeconds")
        w.priority = reader.int32(g["priority"], "spec.workerGroupSpecs[\(i)].priority")
        w.suspend = reader.bool(g["suspend"], "spec.workerGroupSpecs[\(i)].suspend") ?? false
        if let v = reader.int32(g["numOfHosts"], "spec.workerGroupSpecs[\(i)].numOfHosts") { w.numOfHosts = v }
        if let strategy = reader.object(g["scaleStrategy"], "spec.workerGroupSpecs[\(i)].scaleStrategy"),
           let names = reader.array(strategy["workersToDelete"], "spec.workerGroupSpecs[\(i)].scaleStrategy.workersToDelete")
        {
            for (k, name) in names.enumerated() {
                _ = reader.string(name, "spec.workerGroupSpecs[\(i)].scaleStrategy.workersToDelete[\(k)]")
            }
        }
        w.common = readGroup(g, base: .worker(i), reader: &reader)
        return w
    }

    /// Where a group lives; its path string is only built when something is reported.
    enum GroupBase {
        case head
        case worker(Int)
        var path: String {
            switch self {
            case .head: return RulePaths.head
            case .worker(let i): return RulePaths.worker(i)
            }
        }
    }

    private static func readGroup(_ g: JSONObject, base: GroupBase, reader: inout SchemaReader) -> GroupCommonFacts {
        var facts = GroupCommonFacts()
        facts.rayStartParams = reader.stringMap(g["rayStartParams"], base.path + ".rayStartParams")
        facts.resources = reader.stringMap(g["resources"], base.path + ".resources")
        facts.labels = reader.stringMap(g["labels"], base.path + ".labels")
        if let template = reader.object(g["template"], base.path + ".template") {
            facts.template.present = true
            readPodTemplate(template, base: base, into: &facts.template, reader: &reader)
        }
        return facts
    }

    private static func readPodTemplate(_ template: JSONObject, base: GroupBase, into facts: inout PodTemplateFacts, reader: inout SchemaReader) {
        guard let podSpec = reader.object(template["spec"], base.path + ".template.spec") else { return }
        facts.restartPolicy = reader.string(podSpec["restartPolicy"], base.path + ".template.spec.restartPolicy")
        if let containers = reader.array(podSpec["containers"], base.path + ".template.spec.containers") {
            facts.containers.reserveCapacity(containers.count)
            for (c, entry) in containers.enumerated() {
                guard let container = reader.object(entry, base.path + ".template.spec.containers[\(c)]") else {
                    facts.containers.append(ContainerFacts())
                    continue
                }
                facts.containers.append(readContainer(container, path: base.path + ".template.spec.containers[\(c)]", reader: &reader))
            }
        }
        if let volumes = reader.array(podSpec["volumes"], base.path + ".template.spec.volumes") {
            for (v, entry) in volumes.enumerated() {
                guard let volume = reader.object(entry, base.path + ".template.spec.volumes[\(v)]") else { continue }
                if let name = reader.string(volume["name"], base.path + ".template.spec.volumes[\(v)].name") {
                    facts.volumeNames.append((v, name))
                }
            }
        }
    }

    private static func readContainer(_ container: JSONObject, path: @autoclosure () -> String, reader: inout SchemaReader) -> ContainerFacts {
        var facts = ContainerFacts()
        facts.name = reader.string(container["name"], path() + ".name") ?? ""
        facts.image = reader.string(container["image"], path() + ".image")
        facts.env = readEnv(container["env"], path: path() + ".env", reader: &reader)
        facts.mounts = readMounts(container["volumeMounts"], path: path() + ".volumeMounts", reader: &reader)
        return facts
    }

    static func readEnv(_ value: JSONValue?, path: @autoclosure () -> String, reader: inout SchemaReader) -> [EnvFact] {
        guard let entries = reader.array(value, path()) else { return [] }
        var result: [EnvFact] = []
        result.reserveCapacity(entries.count)
        for (k, entry) in entries.enumerated() {
            guard let env = reader.object(entry, path() + "[\(k)]") else { continue }
            let name = reader.string(env["name"], path() + "[\(k)].name") ?? ""
            let value = reader.string(env["value"], path() + "[\(k)].value") ?? ""
            let valueFrom = reader.object(env["valueFrom"], path() + "[\(k)].valueFrom") != nil
            result.append(EnvFact(index: k, name: name, value: value, hasValueFrom: valueFrom))
        }
        return result
    }

    static func readMounts(_ value: JSONValue?, path: @autoclosure () -> String, reader: inout SchemaReader) -> [MountFact] {
        guard let entries = reader.array(value, path()) else { return [] }
        var result: [MountFact] = []
        for (k, entry) in entries.enumerated() {
            guard let mount = reader.object(entry, path() + "[\(k)]") else { continue }
            let name = reader.string(mount["name"], path() + "[\(k)].name") ?? ""
            let mountPath = reader.string(mount["mountPath"], path() + "[\(k)].mountPath") ?? ""
            result.append(MountFact(index: k, name: name, mountPath: mountPath))
        }
        return result
    }

    private mutating func readAutoscalerOptions(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let options = reader.object(value, "spec.autoscalerOptions") else { return }
        autoscalerOptionsPresent = true
        autoscalerVersion = reader.enumString(options["version"], "spec.autoscalerOptions.version", allowed: ["v1", "v2"])
        _ = reader.enumString(options["upscalingMode"], "spec.autoscalerOptions.upscalingMode",
                              allowed: ["Default", "Aggressive", "Conservative"])
        _ = reader.string(options["image"], "spec.autoscalerOptions.image")
        _ = reader.string(options["imagePullPolicy"], "spec.autoscalerOptions.imagePullPolicy")
        autoscalerIdleTimeoutSeconds = reader.int32(options["idleTimeoutSeconds"], "spec.autoscalerOptions.idleTimeoutSeconds")
        autoscalerEnv = Self.readEnv(options["env"], path: "spec.autoscalerOptions.env", reader: &reader)
        autoscalerMounts = Self.readMounts(options["volumeMounts"], path: "spec.autoscalerOptions.volumeMounts", reader: &reader)
    }

    private mutating func readGcsOptions(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let options = reader.object(value, "spec.gcsFaultToleranceOptions") else { return }
        gcsOptionsPresent = true
        gcsBackend = reader.enumString(options["backend"], "spec.gcsFaultToleranceOptions.backend", allowed: ["redis", "rocksdb"]) ?? ""
        gcsRedisUsernameSet = reader.object(options["redisUsername"], "spec.gcsFaultToleranceOptions.redisUsername") != nil
        gcsRedisPasswordSet = reader.object(options["redisPassword"], "spec.gcsFaultToleranceOptions.redisPassword") != nil
        gcsRedisAddress = reader.string(options["redisAddress"], "spec.gcsFaultToleranceOptions.redisAddress") ?? ""
        gcsExternalStorageNamespace = reader.string(options["externalStorageNamespace"],
                                                    "spec.gcsFaultToleranceOptions.externalStorageNamespace") ?? ""
        if let storage = reader.object(options["storage"], "spec.gcsFaultToleranceOptions.storage") {
            gcsStoragePresent = true
            gcsStorageClaimName = reader.string(storage["claimName"], "spec.gcsFaultToleranceOptions.storage.claimName") ?? ""
            if let size = storage["size"], !size.isNull {
                gcsStorageSizeSet = true
                switch size {
                case .string, .integer, .number: break
                default: reader.typeMismatch("spec.gcsFaultToleranceOptions.storage.size", expected: "string", found: size)
                }
            }
            gcsStorageClassSet = reader.string(storage["storageClassName"], "spec.gcsFaultToleranceOptions.storage.storageClassName") != nil
            gcsStorageAccessModesSet = reader.array(storage["accessModes"], "spec.gcsFaultToleranceOptions.storage.accessModes") != nil
            _ = reader.enumString(storage["deletionPolicy"], "spec.gcsFaultToleranceOptions.storage.deletionPolicy",
                                  allowed: ["DeleteWithCluster", "Retain"])
        }
    }

    private mutating func readHistoryServer(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let options = reader.object(value, "spec.historyServerOptions") else { return }
        historyServerPresent = true
        guard let collector = reader.object(options["collectorOptions"], "spec.historyServerOptions.collectorOptions") else { return }
        collectorPresent = true
        collectorImage = reader.string(collector["image"], "spec.historyServerOptions.collectorOptions.image")
        collectorEnv = Self.readEnv(collector["env"], path: "spec.historyServerOptions.collectorOptions.env", reader: &reader)
    }

    private mutating func readNetworkPolicy(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let policy = reader.object(value, "spec.networkPolicy") else { return }
        networkPolicyPresent = true
        networkPolicyMode = reader.enumString(policy["mode"], "spec.networkPolicy.mode",
                                              allowed: ["DenyAll", "DenyAllIngress", "DenyAllEgress"])
        networkPolicyHead = Self.readRules(policy["head"], path: "spec.networkPolicy.head", reader: &reader)
        networkPolicyWorker = Self.readRules(policy["worker"], path: "spec.networkPolicy.worker", reader: &reader)
        if let groups = reader.array(policy["workerGroups"], "spec.networkPolicy.workerGroups") {
            for (k, entry) in groups.enumerated() {
                let path = "spec.networkPolicy.workerGroups[\(k)]"
                guard let g = reader.object(entry, path) else { continue }
                guard let name = reader.string(g["groupName"], path + ".groupName") else {
                    reader.errors.append(.required(path + ".groupName"))
                    continue
                }
                networkPolicyGroups.append(NetworkPolicyGroupFacts(
                    index: k, groupName: name, rules: Self.readRules(entry, path: path, reader: &reader)))
            }
        }
    }

    private static func readRules(_ value: JSONValue?, path: String, reader: inout SchemaReader) -> NetworkPolicyRulesFacts {
        guard let rules = reader.object(value, path) else { return NetworkPolicyRulesFacts() }
        // Go's `len(rules) > 0`: an empty list counts as unset.
        let ingress = reader.array(rules["ingressRules"], path + ".ingressRules") ?? []
        let egress = reader.array(rules["egressRules"], path + ".egressRules") ?? []
        return NetworkPolicyRulesFacts(hasIngressRules: !ingress.isEmpty, hasEgressRules: !egress.isEmpty)
    }
}
