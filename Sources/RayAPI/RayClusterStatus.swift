// Read-only views of `RayClusterStatus` and its constants.
import JSON

/// `RayClusterStatus`.
public struct RayClusterStatus: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    /// Deprecated in favour of conditions; one of `ClusterState`.
    public var state: String? { json.string("state") }
    /// Quantities (string or number in JSON), as text.
    public var desiredCPU: String? { json["desiredCPU"]?.quantityText }
    public var desiredMemory: String? { json["desiredMemory"]?.quantityText }
    public var desiredGPU: String? { json["desiredGPU"]?.quantityText }
    public var desiredTPU: String? { json["desiredTPU"]?.quantityText }
    public var lastUpdateTime: String? { json.string("lastUpdateTime") }
    /// State → RFC 3339 time of the last transition into it.
    public var stateTransitionTimes: [String: String]? { json.stringMap("stateTransitionTimes") }
    /// Port name → port, as text.
    public var endpoints: [String: String]? { json.stringMap("endpoints") }
    public var head: HeadInfo? { json.view("head") }
    public var reason: String? { json.string("reason") }
    public var conditions: [Condition]? { json.views("conditions") }
    public var readyWorkerReplicas: Int64? { json.int64("readyWorkerReplicas") }
    public var availableWorkerReplicas: Int64? { json.int64("availableWorkerReplicas") }
    public var desiredWorkerReplicas: Int64? { json.int64("desiredWorkerReplicas") }
    public var minWorkerReplicas: Int64? { json.int64("minWorkerReplicas") }
    public var maxWorkerReplicas: Int64? { json.int64("maxWorkerReplicas") }
    public var observedGeneration: Int64? { json.int64("observedGeneration") }

    /// The first condition of `type` (conditions are a list-map keyed by type).
    public func condition(_ type: String) -> Condition? {
        conditions?.first { $0.type == type }
    }
}

/// `HeadInfo` (status.head).
public struct HeadInfo: JSONView {
    public let json: JSONValue
    public init(_ json: JSONValue) { self.json = json }

    public var podIP: String? { json.string("podIP") }
    public var serviceIP: String? { json.string("serviceIP") }
    public var podName: String? { json.string("podName") }
    public var serviceName: String? { json.string("serviceName") }
}

/// Values of `status.state`.
public enum ClusterState {
    public static let ready = "ready"
    public static let suspended = "suspended"
    /// Deprecated; never set by current KubeRay.
    public static let failed = "failed"
    /// v1alpha1 (KubeRay) only.
    public static let unhealthy = "unhealthy"
}

/// Condition types of `status.conditions`.
public enum RayClusterConditionType {
    public static let provisioned = "RayClusterProvisioned"
    public static let headPodReady = "HeadPodReady"
    public static let replicaFailure = "ReplicaFailure"
    public static let suspending = "RayClusterSuspending"
    public static let suspended = "RayClusterSuspended"
}

/// Reasons used on `status.conditions`.
public enum RayClusterConditionReason {
    public static let allPodRunningAndReadyFirstTime = "AllPodRunningAndReadyFirstTime"
    public static let podsProvisioning = "RayClusterPodsProvisioning"
    public static let headPodNotFound = "HeadPodNotFound"
    public static let headPodRunningAndReady = "HeadPodRunningAndReady"
    public static let unknown = "Unknown"
    public static let failedDeleteAllPods = "FailedDeleteAllPods"
    public static let failedDeleteHeadPod = "FailedDeleteHeadPod"
    public static let failedCreateHeadPod = "FailedCreateHeadPod"
    public static let failedDeleteWorkerPod = "FailedDeleteWorkerPod"
    public static let failedCreateWorkerPod = "FailedCreateWorkerPod"
    public static let suspending = "RayClusterSuspending"
    public static let suspended = "RayClusterSuspended"
}
