import JSON
import RayAPI

/// ST1: KubeRay's status check (`ValidateRayClusterStatus`). The API server drops `status` from
/// creates and routes status writes around the webhook, so in a cluster this only matters for
/// objects read back and judged offline (`ray-operator validate` on `kubectl get -o yaml` output).
enum StatusRules {
    static func check(_ object: JSONValue, into errors: inout [FieldError]) {
        guard let conditions = object["status"]?["conditions"]?.arrayValue else { return }
        var suspending = false
        var suspended = false
        for condition in conditions where condition["status"]?.stringValue == "True" {
            switch condition["type"]?.stringValue {
            case "RayClusterSuspending": suspending = true
            case "RayClusterSuspended": suspended = true
            default: break
            }
        }
        if suspending && suspended {
            errors.append(.forbidden("status.conditions",
                "invalid RayCluster State: rayv1.RayClusterSuspending and rayv1.RayClusterSuspended conditions should not be both true"))
        }
    }
}
