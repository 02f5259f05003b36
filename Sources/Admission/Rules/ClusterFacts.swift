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

    // One value per rule family; each is declared beside its rules (Rules/<Family>Rules.swift).
    var autoscaler = AutoscalerFacts()
    var gcs = GcsFaultToleranceFacts()
    var historyServer = HistoryServerFacts()
    var networkPolicy = NetworkPolicyFacts()
    var tls = TLSFacts()
    var auth = AuthFacts()
    var upgradeStrategy = UpgradeStrategyFacts()

    var headPresent = false
    var head = GroupCommonFacts()
    var workers: [WorkerGroupFacts] = []

    // Derived once.

    /// KubeRay's `IsAutoscalingV2Enabled`: version v2, or head env RAY_enable_autoscaler_v2 is
    /// "1"/"true" (enableInTreeAutoscaling is not consulted).
    var autoscalerV2Enabled: Bool {
        if autoscaler.version == "v2" { return true }
        if let e = head.template.rayContainer?.envVar("RAY_enable_autoscaler_v2") {
            return e.value == "1" || e.value == "true"
        }
        return false
    }
}
