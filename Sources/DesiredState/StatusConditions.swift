// `status.conditions` edited as apimachinery's meta.SetStatusCondition / RemoveStatusCondition
// do: a condition is keyed by type; setting one that exists keeps its place and changes
// `lastTransitionTime` only when its status flips (reason and message follow the new values);
// a new one is appended with `lastTransitionTime` = now. Unknown condition types are kept.
//
// The API server validates conditions (metav1.Condition): reason must be CamelCase-like
// (`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`, at most 1024 bytes), message at most 32768 bytes,
// status True/False/Unknown, and a message that is not empty. Reasons and messages copied from pods are checked here, so one odd
// kubelet reason cannot make every status write fail.
import JSON
import RayAPI

struct StatusConditions {
    private(set) var list: [JSONValue]
    let now: String

    init(_ existing: JSONValue?, now: String) {
        list = existing?.arrayValue ?? []
        self.now = now
    }

    static let maxReasonBytes = 1024
    static let maxMessageBytes = 32768

    func find(_ type: String) -> JSONValue? { list.first { $0["type"]?.stringValue == type } }

    func isTrue(_ type: String) -> Bool { find(type)?["status"]?.stringValue == "True" }

    mutating func set(_ type: String, status: String, reason: String, message: String) {
        let status = ["True", "False", "Unknown"].contains(status) ? status : "Unknown"
        let reason = StatusConditions.validReason(reason) ? reason : RayClusterConditionReason.unknown
        // An empty message is refused by API servers that check the CRD's `required` strictly
        // (Kubernetes 1.20 reads "" as missing); the reason says at least something.
        let message = StatusConditions.truncated(message.isEmpty ? reason : message, to: StatusConditions.maxMessageBytes)
        if let index = list.firstIndex(where: { $0["type"]?.stringValue == type }) {
            var condition = list[index]
            if condition["status"]?.stringValue != status || condition["lastTransitionTime"]?.stringValue == nil {
                condition["lastTransitionTime"] = .string(now)
            }
            condition["status"] = .string(status)
            condition["reason"] = .string(reason)
            condition["message"] = .string(message)
            list[index] = condition
        } else {
            list.append(.object(JSONObject([
                ("type", .string(type)),
                ("status", .string(status)),
                ("lastTransitionTime", .string(now)),
                ("reason", .string(reason)),
                ("message", .string(message)),
            ])))
        }
    }

    mutating func remove(_ type: String) {
        list.removeAll { $0["type"]?.stringValue == type }
    }

    /// metav1.Condition's reason rule.
    static func validReason(_ reason: String) -> Bool {
        let bytes = Array(reason.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= maxReasonBytes else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        guard letter(first), letter(last) || digit(last) || last == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { letter($0) || digit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ":") }
    }

    /// At most `limit` bytes, cut at a character boundary.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var size = 0
        for character in text {
            let length = character.utf8.count
            guard size &+ length <= limit else { break }
            result.append(character)
            size &+= length
        }
        return result
    }
}
