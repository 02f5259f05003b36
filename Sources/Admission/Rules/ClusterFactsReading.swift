// The one walk over a RayCluster that fills `ClusterFacts`: every field any rule reads is read
// here, once, with its schema type checked on the way (SchemaReader records type errors).
import JSON
import RayAPI

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

        if let options = reader.object(spec["tlsOptions"], "spec.tlsOptions") {
            tls.present = true
            tls.enabled = reader.bool(options["enabled"], "spec.tlsOptions.enabled") ?? false
        }
        if let options = reader.object(spec["authOptions"], "spec.authOptions") {
            auth.present = true
            auth.mode = reader.enumString(options["mode"], "spec.authOptions.mode", allowed: ["disabled", "token"])
            auth.enableK8sTokenAuth = reader.bool(options["enableK8sTokenAuth"], "spec.authOptions.enableK8sTokenAuth") ?? false
            auth.secretName = reader.string(options["secretName"], "spec.authOptions.secretName") ?? ""
        }
        if let upgrade = reader.object(spec["upgradeStrategy"], "spec.upgradeStrategy") {
            upgradeStrategy.present = true
            // The enum is judged by U1 with KubeRay's message, not as a schema error.
            upgradeStrategy.type = reader.string(upgrade["type"], "spec.upgradeStrategy.type")
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
        autoscaler.present = true
        autoscaler.version = reader.enumString(options["version"], "spec.autoscalerOptions.version", allowed: ["v1", "v2"])
        _ = reader.enumString(options["upscalingMode"], "spec.autoscalerOptions.upscalingMode",
                              allowed: ["Default", "Aggressive", "Conservative"])
        _ = reader.string(options["image"], "spec.autoscalerOptions.image")
        _ = reader.string(options["imagePullPolicy"], "spec.autoscalerOptions.imagePullPolicy")
        autoscaler.idleTimeoutSeconds = reader.int32(options["idleTimeoutSeconds"], "spec.autoscalerOptions.idleTimeoutSeconds")
        autoscaler.env = Self.readEnv(options["env"], path: "spec.autoscalerOptions.env", reader: &reader)
        autoscaler.mounts = Self.readMounts(options["volumeMounts"], path: "spec.autoscalerOptions.volumeMounts", reader: &reader)
    }

    private mutating func readGcsOptions(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let options = reader.object(value, "spec.gcsFaultToleranceOptions") else { return }
        gcs.present = true
        gcs.backend = reader.enumString(options["backend"], "spec.gcsFaultToleranceOptions.backend", allowed: ["redis", "rocksdb"]) ?? ""
        gcs.redisUsernameSet = reader.object(options["redisUsername"], "spec.gcsFaultToleranceOptions.redisUsername") != nil
        gcs.redisPasswordSet = reader.object(options["redisPassword"], "spec.gcsFaultToleranceOptions.redisPassword") != nil
        gcs.redisAddress = reader.string(options["redisAddress"], "spec.gcsFaultToleranceOptions.redisAddress") ?? ""
        gcs.externalStorageNamespace = reader.string(options["externalStorageNamespace"],
                                                    "spec.gcsFaultToleranceOptions.externalStorageNamespace") ?? ""
        if let storage = reader.object(options["storage"], "spec.gcsFaultToleranceOptions.storage") {
            gcs.storagePresent = true
            gcs.storageClaimName = reader.string(storage["claimName"], "spec.gcsFaultToleranceOptions.storage.claimName") ?? ""
            if let size = storage["size"], !size.isNull {
                gcs.storageSizeSet = true
                switch size {
                case .string, .integer, .number: break
                default: reader.typeMismatch("spec.gcsFaultToleranceOptions.storage.size", expected: "string", found: size)
                }
            }
            gcs.storageClassSet = reader.string(storage["storageClassName"], "spec.gcsFaultToleranceOptions.storage.storageClassName") != nil
            gcs.storageAccessModesSet = reader.array(storage["accessModes"], "spec.gcsFaultToleranceOptions.storage.accessModes") != nil
            _ = reader.enumString(storage["deletionPolicy"], "spec.gcsFaultToleranceOptions.storage.deletionPolicy",
                                  allowed: ["DeleteWithCluster", "Retain"])
        }
    }

    private mutating func readHistoryServer(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let options = reader.object(value, "spec.historyServerOptions") else { return }
        historyServer.present = true
        guard let collector = reader.object(options["collectorOptions"], "spec.historyServerOptions.collectorOptions") else { return }
        historyServer.collectorPresent = true
        historyServer.collectorImage = reader.string(collector["image"], "spec.historyServerOptions.collectorOptions.image")
        historyServer.collectorEnv = Self.readEnv(collector["env"], path: "spec.historyServerOptions.collectorOptions.env", reader: &reader)
    }

    private mutating func readNetworkPolicy(_ value: JSONValue?, reader: inout SchemaReader) {
        guard let policy = reader.object(value, "spec.networkPolicy") else { return }
        networkPolicy.present = true
        networkPolicy.mode = reader.enumString(policy["mode"], "spec.networkPolicy.mode",
                                              allowed: ["DenyAll", "DenyAllIngress", "DenyAllEgress"])
        networkPolicy.head = Self.readRules(policy["head"], path: "spec.networkPolicy.head", reader: &reader)
        networkPolicy.worker = Self.readRules(policy["worker"], path: "spec.networkPolicy.worker", reader: &reader)
        if let groups = reader.array(policy["workerGroups"], "spec.networkPolicy.workerGroups") {
            for (k, entry) in groups.enumerated() {
                let path = "spec.networkPolicy.workerGroups[\(k)]"
                guard let g = reader.object(entry, path) else { continue }
                guard let name = reader.string(g["groupName"], path + ".groupName") else {
                    reader.errors.append(.required(path + ".groupName"))
                    continue
                }
                networkPolicy.groups.append(NetworkPolicyGroupFacts(
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
