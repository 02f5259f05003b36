// A pod as the cache shows it, read once: identity, type, group, phase, readiness, whether it is
// terminating, and whether it must be deleted because it cannot recover.
//
// A pod must be deleted (and is then replaced) when:
// - its phase is Failed or Succeeded: terminal phases, the kubelet never runs it again whatever
//   its restartPolicy says (an evicted pod is Failed with restartPolicy Always);
// - it is Running but its Ray container (the pod's first container, matched in the statuses by
//   name) has terminated and will not be restarted: restartPolicy Never, or OnFailure after a
//   clean exit. With Always the kubelet restarts the container, so the pod is left alone.
// A terminating pod (deletionTimestamp set) is never deleted again: it is already going.
import JSON
import RayAPI

struct ObservedPod {
    let json: JSONValue
    let name: String
    let uid: String?
    let nodeType: String?
    let group: String?
    let terminating: Bool
    let phase: String?

    init(_ json: JSONValue) {
        self.json = json
        let metadata = json["metadata"]
        name = metadata?["name"]?.stringValue ?? ""
        uid = metadata?["uid"]?.stringValue
        nodeType = metadata?["labels"]?[RayLabel.nodeType]?.stringValue
        group = metadata?["labels"]?[RayLabel.group]?.stringValue
        // A null deletionTimestamp is the same as none.
        terminating = metadata?["deletionTimestamp"]?.stringValue != nil
        phase = json["status"]?["phase"]?.stringValue
    }

    var isRunning: Bool { phase == "Running" }

    /// The pod's `Ready` condition, when it has one.
    var readyCondition: JSONValue? {
        json["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }
    }

    /// Running with `Ready` True.
    var isRunningAndReady: Bool { isRunning && readyCondition?["status"]?.stringValue == "True" }

    /// KubeRay's "all pods running" test of one pod: Running, and no `Ready` condition that is not
    /// True (a pod without the condition passes).
    var passesRunningCheck: Bool {
        guard isRunning else { return false }
        if let ready = readyCondition { return ready["status"]?.stringValue == "True" }
        return true
    }

    /// The status of the Ray container, found by the name of the pod's first container.
    var rayContainerStatus: JSONValue? {
        guard let rayName = json["spec"]?["containers"]?[0]?["name"]?.stringValue else { return nil }
        return json["status"]?["containerStatuses"]?.arrayValue?.first { $0["name"]?.stringValue == rayName }
    }

    /// Why this pod must be deleted, or nil when it can stay.
    func deletionReason(type: RayNodeType) -> String? {
        guard !terminating else { return nil }
        let policy = json["spec"]?["restartPolicy"]?.stringValue ?? "Always"
        if phase == "Failed" || phase == "Succeeded" {
            return "The \(type.rawValue) Pod \(name) status is \(phase ?? ""), which is a terminal state; it is deleted and replaced."
        }
        guard isRunning, let terminated = rayContainerStatus?["state"]?["terminated"], terminated.objectValue != nil else { return nil }
        let exitCode = terminated["exitCode"]?.int64Value ?? 0
        let restarts = policy == "Always" || (policy == "OnFailure" && exitCode != 0)
        guard !restarts else { return nil }
        return "The \(type.rawValue) Pod \(name) is Running but its Ray container terminated (exit code \(exitCode), reason \(terminated["reason"]?.stringValue ?? "none")) and restartPolicy \(policy) will not restart it; it is deleted and replaced."
    }
}
