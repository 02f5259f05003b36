import JSON
import RayAPI
import TestSupport


/// Random RayClusters of both versions, with the shared fields in every state (absent, null,
/// empty, odd types, duplicates) and unknown fields at every level, members in random order.
struct RandomObjects {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    // MARK: Scalars and unknown content

    mutating func word() -> String {
        pick(["a", "b", "x-y", "head", "worker", "small-group", "headgroup", "", "ray", "é ü", "$", "value", "projected", "keys", "items", "true", "1"])
    }

    mutating func scalar() -> JSONValue {
        switch int(0...7) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2: return .integer(Int64(int(-3...5)))
        case 3: return .number(pick(["1.5", "1.0", "1e3", "-0.25", "12345678901234567890"]))
        case 4: return .integer(Int64(int(0...2_000_000)))
        default: return .string(word())
        }
    }

    /// Any JSON, as unknown fields carry.
    mutating func anyValue(depth: Int = 0) -> JSONValue {
        if depth > 2 || chance(0.5) { return scalar() }
        if chance(0.5) {
            return .array((0..<int(0...3)).map { _ in anyValue(depth: depth + 1) })
        }
        var object = JSONObject()
        for _ in 0..<int(0...3) { object[word()] = anyValue(depth: depth + 1) }
        return .object(object)
    }

    /// Adds unknown members (names no schema uses, and sometimes the guard key `$`).
    mutating func addUnknown(_ members: inout [(String, JSONValue)], p: Double = 0.3) {
        guard chance(p) else { return }
        for _ in 0..<int(1...2) {
            let key = pick(["unknownField", "x-extra", "newerAPIField", "$", "zzz", "_future"])
            if !members.contains(where: { $0.0 == key }) { members.append((key, anyValue())) }
        }
    }

    mutating func object(_ members: [(String, JSONValue)], shuffle: Bool = true) -> JSONValue {
        var members = members
        if shuffle && chance(0.3) { members.shuffle(using: &rng) }
        return .object(JSONObject(members))
    }

    /// A value for a shared field: usually well-formed, sometimes null, empty or oddly typed.
    mutating func fieldValue(_ typical: (inout RandomObjects) -> JSONValue) -> JSONValue {
        switch int(0...9) {
        case 0: return .null
        case 1: return anyValue()
        default: return typical(&self)
        }
    }

    mutating func maybe(_ key: String, _ p: Double, into members: inout [(String, JSONValue)], _ make: (inout RandomObjects) -> JSONValue) {
        if chance(p) { members.append((key, make(&self))) }
    }

    // MARK: Kubernetes parts

    mutating func stringMap() -> JSONValue {
        var object = JSONObject()
        for _ in 0..<int(0...3) { object[pick(["app", "ray.io/x", "key", "raycluster.group.name", "team"])] = .string(word()) }
        return .object(object)
    }

    mutating func image() -> JSONValue { .string(pick(["rayproject/ray:2.41.0", "rayproject/autoscaler", "rayproject/ray:2.9.0-gpu", ""])) }
    mutating func pullPolicy() -> JSONValue { .string(pick(["Always", "IfNotPresent", "Never"])) }

    mutating func resources() -> JSONValue {
        object([("limits", object([("cpu", .string(pick(["1", "500m", "2000m"]))), ("memory", .string(pick(["1Gi", "2Gi"])))])),
                ("requests", object([("cpu", .integer(1))]))])
    }

    mutating func list(_ make: (inout RandomObjects) -> JSONValue) -> JSONValue {
        .array((0..<int(0...2)).map { _ in make(&self) })
    }

    mutating func env() -> JSONValue {
        list { r in r.object([("name", .string(r.pick(["A", "MY_POD_IP", "CLUSTER_NAME"]))), ("value", .string(r.word()))]) }
    }

    mutating func volumes() -> JSONValue {
        list { r in r.object([("name", .string(r.word())), ("emptyDir", .object(JSONObject()))]) }
    }

    mutating func volumeMounts() -> JSONValue {
        list { r in r.object([("name", .string(r.word())), ("mountPath", .string("/tmp/" + r.word()))]) }
    }

    mutating func tolerations() -> JSONValue {
        list { r in r.object([("key", .string(r.word())), ("operator", "Exists")]) }
    }

    mutating func affinity() -> JSONValue {
        object([("nodeAffinity", object([("preferredDuringSchedulingIgnoredDuringExecution", .array([]))]))])
    }

    mutating func command() -> JSONValue {
        .string(pick(["ray start --head --block", "ray start --block --address=$CLUSTER_NAME-head:6379", "", "echo hi"]))
    }

    // MARK: v1

    mutating func container(first: Bool) -> JSONValue {
        var m: [(String, JSONValue)] = []
        maybe("name", 0.9, into: &m) { r in .string(r.pick(["head", "worker", "ray-head", "ray-worker", "sidecar"])) }
        maybe("image", 0.8, into: &m) { r in r.fieldValue { s in s.image() } }
        maybe("imagePullPolicy", 0.5, into: &m) { r in r.fieldValue { s in s.pullPolicy() } }
        switch int(0...5) {
        case 0, 1:
            m.append(("command", ["/bin/bash", "-c", "--"]))
            if chance(0.85) { m.append(("args", .array([command()]))) } else if chance(0.5) { m.append(("args", .array([command(), command()]))) }
        case 2:
            m.append(("command", .array([.string(pick(["python", "sh", "/bin/bash"])), "-c"])))
            maybe("args", 0.5, into: &m) { r in .array([r.command()]) }
        case 3:
            maybe("args", 1, into: &m) { r in .array([r.command()]) }
        default:
            break
        }
        maybe("env", 0.4, into: &m) { r in r.fieldValue { s in s.env() } }
        maybe("resources", 0.6, into: &m) { r in r.fieldValue { s in s.resources() } }
        maybe("volumeMounts", 0.3, into: &m) { r in r.fieldValue { s in s.volumeMounts() } }
        maybe("ports", 0.4, into: &m) { r in .array([r.object([("containerPort", 6379), ("name", "gcs")])]) }
        maybe("lifecycle", 0.1, into: &m) { r in r.anyValue() }
        addUnknown(&m)
        return object(m)
    }

    mutating func podTemplate() -> JSONValue {
        var m: [(String, JSONValue)] = []
        if chance(0.7) {
            var meta: [(String, JSONValue)] = []
            maybe("labels", 0.7, into: &meta) { r in r.fieldValue { s in s.stringMap() } }
            maybe("annotations", 0.4, into: &meta) { r in r.fieldValue { s in s.stringMap() } }
            maybe("name", 0.1, into: &meta) { r in .string(r.word()) }
            maybe("creationTimestamp", 0.1, into: &meta) { _ in .null }
            addUnknown(&meta, p: 0.1)
            m.append(("metadata", chance(0.05) ? anyValue() : object(meta)))
        }
        if chance(0.97) {
            var spec: [(String, JSONValue)] = []
            switch int(0...19) {
            case 0: break
            case 1: spec.append(("containers", .array([])))
            case 2: spec.append(("containers", anyValue()))
            default:
                var containers = [container(first: true)]
                for _ in 0..<int(0...2) where chance(0.4) { containers.append(container(first: false)) }
                spec.append(("containers", .array(containers)))
            }
            maybe("volumes", 0.3, into: &spec) { r in r.fieldValue { s in s.volumes() } }
            maybe("serviceAccountName", 0.2, into: &spec) { r in r.fieldValue { s in .string(s.word()) } }
            maybe("nodeSelector", 0.3, into: &spec) { r in r.fieldValue { s in s.stringMap() } }
            maybe("affinity", 0.2, into: &spec) { r in r.fieldValue { s in s.affinity() } }
            maybe("tolerations", 0.2, into: &spec) { r in r.fieldValue { s in s.tolerations() } }
            maybe("initContainers", 0.1, into: &spec) { r in .array([r.container(first: false)]) }
            maybe("restartPolicy", 0.1, into: &spec) { _ in "Never" }
            addUnknown(&spec)
            m.append(("spec", chance(0.03) ? anyValue() : object(spec)))
        }
        addUnknown(&m, p: 0.1)
        return object(m)
    }

    mutating func v1Group(head: Bool) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if !head {
            maybe("groupName", 0.95, into: &m) { r in r.fieldValue { s in .string(s.pick(["small-group", "gpu", "g2", "headgroup", ""])) } }
            maybe("replicas", 0.8, into: &m) { r in r.fieldValue { s in .integer(Int64(s.int(0...4))) } }
            if chance(0.6) {
                m.append(("minReplicas", .integer(Int64(int(0...2)))))
                m.append(("maxReplicas", chance(0.5) ? .integer(2_147_483_647) : .integer(Int64(int(1...10)))))
            }
            maybe("numOfHosts", 0.3, into: &m) { r in .integer(Int64(r.int(1...4))) }
            maybe("priority", 0.2, into: &m) { _ in 0 }
            maybe("scaleStrategy", 0.1, into: &m) { r in r.object([("workersToDelete", ["p-1"])]) }
        } else {
            maybe("serviceType", 0.2, into: &m) { r in .string(r.pick(["ClusterIP", "NodePort"])) }
            maybe("enableIngress", 0.1, into: &m) { _ in false }
            maybe("headService", 0.05, into: &m) { r in r.object([("metadata", r.object([("name", "svc")]))]) }
        }
        maybe("rayStartParams", 0.8, into: &m) { r in
            r.chance(0.4) ? .object(JSONObject()) : r.object([("num-cpus", "1"), ("dashboard-host", "0.0.0.0")])
        }
        maybe("template", 0.97, into: &m) { r in r.chance(0.02) ? r.anyValue() : r.podTemplate() }
        addUnknown(&m)
        return object(m)
    }

    mutating func v1Spec() -> JSONValue {
        var m: [(String, JSONValue)] = []
        maybe("rayVersion", 0.5, into: &m) { _ in "2.41.0" }
        maybe("enableInTreeAutoscaling", 0.2, into: &m) { _ in true }
        maybe("autoscalerOptions", 0.1, into: &m) { r in r.object([("upscalingMode", "Default"), ("idleTimeoutSeconds", 60)]) }
        maybe("gcsFaultToleranceOptions", 0.1, into: &m) { r in r.object([("redisAddress", "redis:6379")]) }
        maybe("headGroupSpec", 0.95, into: &m) { r in r.chance(0.02) ? r.anyValue() : r.v1Group(head: true) }
        if chance(0.85) {
            if chance(0.03) {
                m.append(("workerGroupSpecs", anyValue()))
            } else {
                m.append(("workerGroupSpecs", .array((0..<int(0...4)).map { _ in v1Group(head: false) })))
            }
        }
        addUnknown(&m)
        return object(m)
    }

    // MARK: v1alpha1

    mutating func alphaExtension() -> JSONValue {
        var m: [(String, JSONValue)] = []
        maybe("replicas", 0.9, into: &m) { r in r.fieldValue { s in .integer(Int64(s.int(0...3))) } }
        maybe("type", 0.9, into: &m) { r in r.chance(0.1) ? r.anyValue() : .string(r.pick(["head", "worker", "worker", "Head", "HEAD", "gpu"])) }
        maybe("image", 0.4, into: &m) { r in r.fieldValue { s in s.image() } }
        maybe("groupName", 0.9, into: &m) { r in r.fieldValue { s in .string(s.pick(["small-group", "head-group", "gpu", "headgroup", ""])) } }
        maybe("command", 0.7, into: &m) { r in r.fieldValue { s in s.command() } }
        maybe("labels", 0.5, into: &m) { r in r.fieldValue { s in s.stringMap() } }
        maybe("serviceAccountName", 0.2, into: &m) { r in r.fieldValue { s in .string(s.word()) } }
        maybe("nodeSelector", 0.3, into: &m) { r in r.fieldValue { s in s.stringMap() } }
        maybe("affinity", 0.2, into: &m) { r in r.fieldValue { s in s.affinity() } }
        maybe("resources", 0.6, into: &m) { r in r.fieldValue { s in s.resources() } }
        maybe("tolerations", 0.2, into: &m) { r in r.fieldValue { s in s.tolerations() } }
        maybe("containerEnv", 0.3, into: &m) { r in r.fieldValue { s in s.env() } }
        maybe("headServiceSuffix", 0.3, into: &m) { _ in "ray-operator.svc" }
        maybe("annotations", 0.3, into: &m) { r in r.fieldValue { s in s.stringMap() } }
        maybe("volumes", 0.2, into: &m) { r in r.fieldValue { s in s.volumes() } }
        maybe("volumeMounts", 0.2, into: &m) { r in r.fieldValue { s in s.volumeMounts() } }
        maybe("idList", 0.05, into: &m) { _ in ["p-1"] }
        addUnknown(&m)
        return object(m)
    }

    mutating func alphaSpec(name: JSONValue?) -> JSONValue {
        var m: [(String, JSONValue)] = []
        maybe("clusterName", 0.9, into: &m) { r in r.chance(0.7) ? (name ?? .string("c")) : r.fieldValue { s in .string(s.word()) } }
        maybe("images", 0.9, into: &m) { r in
            var images: [(String, JSONValue)] = []
            r.maybe("defaultImage", 0.85, into: &images) { r in r.fieldValue { s in s.image() } }
            r.addUnknown(&images, p: 0.1)
            return r.chance(0.03) ? r.anyValue() : r.object(images)
        }
        maybe("imagePullPolicy", 0.6, into: &m) { r in r.fieldValue { s in s.pullPolicy() } }
        if chance(0.9) {
            if chance(0.03) {
                m.append(("extensions", anyValue()))
            } else {
                var extensions = (0..<int(0...4)).map { _ in alphaExtension() }
                if chance(0.02) { extensions.append(scalar()) }
                m.append(("extensions", .array(extensions)))
            }
        }
        addUnknown(&m)
        return object(m)
    }

    // MARK: Whole objects

    mutating func metadata() -> JSONValue? {
        if chance(0.03) { return nil }
        var m: [(String, JSONValue)] = []
        maybe("name", 0.95, into: &m) { r in .string(r.pick(["raycluster-sample", "rc", "c-1"])) }
        maybe("namespace", 0.5, into: &m) { _ in "default" }
        maybe("uid", 0.3, into: &m) { _ in "6f1c1b7e-0000-4000-8000-000000000001" }
        maybe("labels", 0.4, into: &m) { r in r.stringMap() }
        if chance(0.4) {
            var annotations: [(String, JSONValue)] = []
            if chance(0.6) { annotations.append(("note", .string(word()))) }
            if chance(0.1) { annotations.append((RayAnnotation.conversionData, .string(pick(["", "{}", "garbage", #"{"apiVersion":"ray.io/v1"}"#])))) }
            m.append(("annotations", object(annotations)))
        }
        maybe("generation", 0.2, into: &m) { _ in 3 }
        maybe("managedFields", 0.1, into: &m) { r in .array([r.anyValue()]) }
        return object(m)
    }

    mutating func cluster(version: String) -> JSONValue {
        var m: [(String, JSONValue)] = [("apiVersion", .string(version)), ("kind", "RayCluster")]
        let meta = metadata()
        if let meta { m.append(("metadata", meta)) }
        if chance(0.95) {
            m.append(("spec", version == RayAPIGroup.v1 ? v1Spec() : alphaSpec(name: meta?["name"])))
        }
        maybe("status", 0.3, into: &m) { r in r.object([("state", "ready"), ("availableWorkerReplicas", 1), ("extra", r.anyValue())]) }
        addUnknown(&m, p: 0.1)
        return object(m)
    }
}
