// Read-only views of `RayClusterStatus` and its constants.
import JSON

/// `RayClusterStatus`.
package struct RayClusterStatus: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    /// Deprecated in favour of conditions; one of `ClusterState`.
    package var state: String? { json.string("state") }
    /// Quantities (string or number in JSON), as text.
    package var desiredCPU: String? { json["desiredCPU"]?.quantityText }
    package var desiredMemory: String? { json["desiredMemory"]?.quantityText }
    package var desiredGPU: String? { json["desiredGPU"]?.quantityText }
    package var desiredTPU: String? { json["desiredTPU"]?.quantityText }
    package var lastUpdateTime: String? { json.string("lastUpdateTime") }
    /// State → RFC 3339 time of the last transition into it.
    package var stateTransitionTimes: [String: String]? { json.stringMap("stateTransitionTimes") }
    /// Port name → port, as text.
    package var endpoints: [String: String]? { json.stringMap("endpoints") }
    package var head: HeadInfo? { json.view("head") }
    package var reason: String? { json.string("reason") }
    package var conditions: [Condition]? { json.views("conditions") }
    package var readyWorkerReplicas: Int64? { json.int64("readyWorkerReplicas") }
    package var availableWorkerReplicas: Int64? { json.int64("availableWorkerReplicas") }
    package var desiredWorkerReplicas: Int64? { json.int64("desiredWorkerReplicas") }
    package var minWorkerReplicas: Int64? { json.int64("minWorkerReplicas") }
    package var maxWorkerReplicas: Int64? { json.int64("maxWorkerReplicas") }
    package var observedGeneration: Int64? { json.int64("observedGeneration") }

    /// The first condition of `type` (conditions are a list-map keyed by type).
    package func condition(_ type: String) -> Condition? {
        conditions?.first { $0.type == type }
    }
}

/// `HeadInfo` (status.head).
package struct HeadInfo: JSONView {
    package let json: JSONValue
    package init(_ json: JSONValue) { self.json = json }

    package var podIP: String? { json.string("podIP") }
    package var serviceIP: String? { json.string("serviceIP") }
    package var podName: String? { json.string("podName") }
    package var serviceName: String? { json.string("serviceName") }
}

/// Values of `status.state`.
package enum ClusterState {
    package static let ready = "ready"
    package static let suspended = "suspended"
    /// Deprecated; never set by current KubeRay.
    package static let failed = "failed"
    /// v1alpha1 (KubeRay) only.
    package static let unhealthy = "unhealthy"
}

/// Condition types of `status.conditions`.
package enum RayClusterConditionType {
    package static let provisioned = "RayClusterProvisioned"
    package static let headPodReady = "HeadPodReady"
    package static let replicaFailure = "ReplicaFailure"
    package static let suspending = "RayClusterSuspending"
    package static let suspended = "RayClusterSuspended"
}

/// Reasons used on `status.conditions`.
package enum RayClusterConditionReason {
    package static let allPodRunningAndReadyFirstTime = "AllPodRunningAndReadyFirstTime"
    package static let podsProvisioning = "RayClusterPodsProvisioning"
    package static let headPodNotFound = "HeadPodNotFound"
    package static let headPodRunningAndReady = "HeadPodRunningAndReady"
    package static let unknown = "Unknown"
    package static let failedDeleteAllPods = "FailedDeleteAllPods"
    package static let failedDeleteHeadPod = "FailedDeleteHeadPod"
    package static let failedCreateHeadPod = "FailedCreateHeadPod"
    package static let failedDeleteWorkerPod = "FailedDeleteWorkerPod"
    package static let failedCreateWorkerPod = "FailedCreateWorkerPod"
    package static let suspending = "RayClusterSuspending"
    package static let suspended = "RayClusterSuspended"
}
