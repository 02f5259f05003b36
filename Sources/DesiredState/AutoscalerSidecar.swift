// The autoscaler sidecar of the head pod under in-tree autoscaling (`enableInTreeAutoscaling`).
//
// A container `autoscaler` running `ray kuberay-autoscaler` against this cluster, with the Ray
// image unless `autoscalerOptions.image` names another, 500m CPU / 512Mi (requests = limits)
// unless `autoscalerOptions.resources` says otherwise, and the Ray logs volume mounted at
// /tmp/ray (Ray's autoscaler writes its events there for the head to read). The options then
// apply as KubeRay applies them: env, envFrom and volume mounts are appended, image, pull policy,
// security context, command and args replace ours.
//
// The ServiceAccount, Role and RoleBinding that let the sidecar read pods and patch the
// RayCluster are AutoscalerRBAC's.
import JSON
import RayAPI

enum AutoscalerSidecar {
    static let containerName = "autoscaler"
    static let logsMountPath = "/tmp/ray"
    static let defaultResources: JSONValue = [
        "limits": ["cpu": "500m", "memory": "512Mi"],
        "requests": ["cpu": "500m", "memory": "512Mi"],
    ]
    /// What the sidecar runs; `$(VAR)` is expanded by the kubelet from the container's env.
    static let startCommand = "ray kuberay-autoscaler --cluster-name $(RAY_CLUSTER_NAME) --cluster-namespace $(RAY_CLUSTER_NAMESPACE)"

    /// The sidecar for a head whose Ray container is `rayContainer`; `logsVolume` is the volume
    /// the Ray container mounts at /tmp/ray.
    static func container(rayContainer: Container, logsVolume: String, facts: ClusterFacts) -> JSONValue {
        let options = facts.spec.autoscalerOptions
        var env = RayContainerEnv.EnvList([])
        env.add(field: "RAY_CLUSTER_NAME", "metadata.labels['\(RayLabel.cluster)']")
        env.add(field: "RAY_CLUSTER_NAMESPACE", "metadata.namespace")
        env.add(field: "RAY_HEAD_POD_NAME", "metadata.name")
        env.add(value: "KUBERAY_CRD_VER", RayAPIGroup.versionV1)
        env.add(value: "KUBERAY_GEN_AUTOSCALER_START_CMD", startCommand)
        var entries = env.entries
        if let extra = options?.json["env"]?.arrayValue { entries.append(contentsOf: extra) }

        var mounts: [JSONValue] = [.object(JSONObject([("name", .string(logsVolume)), ("mountPath", .string(logsMountPath))]))]
        if let extra = options?.json["volumeMounts"]?.arrayValue { mounts.append(contentsOf: extra) }

        var members: [(String, JSONValue)] = [("name", .string(containerName))]
        let image = options?.image.flatMap { $0.isEmpty ? nil : $0 } ?? rayContainer.image
        if let image { members.append(("image", .string(image))) }
        members.append(("imagePullPolicy", .string(options?.imagePullPolicy.flatMap { $0.isEmpty ? nil : $0 } ?? "IfNotPresent")))
        members.append(("command", .array((options?.command.flatMap { $0.isEmpty ? nil : $0 } ?? ["/bin/bash", "-c", "--"]).map(JSONValue.string))))
        members.append(("args", .array((options?.args.flatMap { $0.isEmpty ? nil : $0 } ?? [startCommand]).map(JSONValue.string))))
        members.append(("env", .array(entries)))
        if let envFrom = options?.envFrom?.arrayValue, !envFrom.isEmpty { members.append(("envFrom", .array(envFrom))) }
        members.append(("resources", options?.resources?.json ?? defaultResources))
        members.append(("volumeMounts", .array(mounts)))
        if let securityContext = options?.securityContext { members.append(("securityContext", securityContext)) }
        return .object(JSONObject(members))
    }
}
