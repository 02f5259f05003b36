// The head pod and the worker pods of a RayCluster, as complete objects ready to create.
//
// A pod is its group's template with, on top (KubeRay's BuildPod, plus the original operator's
// names, labels and env):
// - metadata: the fixed name (ClusterNames), the cluster's namespace, labels and annotations
//   (PodMetadata), the one controller owner reference, the template's finalizers;
// - the Ray container (container 0): the `ray start` command (RayStartCommand) unless the
//   container already runs `ray start`, the RayCluster or template says
//   `ray.io/overwrite-container-cmd: "true"`, or the cluster was written through v1alpha1 (its
//   command is the user's own `ray start`); env (RayContainerEnv); a `metrics` port 8080 when
//   none is named so; probes where the user left none (RayProbes; v1 clusters only, see
//   ClusterOrigin); /dev/shm backed by memory so Ray's object store is not limited to Docker's
//   64 MB default, unless it is mounted already or `plasma-directory` moves the store;
// - workers of v1 clusters: the init container `wait-gcs-ready`, which holds the worker until the
//   head's GCS answers, so `ray start --block` does not fail and restart while the head is still
//   starting (KubeRay's default). Left out for v1alpha1 clusters: their image may predate
//   `ray health-check`, and the original operator started workers at once;
// - every init container gets FQ_RAY_IP and RAY_IP;
// - the head under in-tree autoscaling: the autoscaler sidecar, the shared /tmp/ray volume and,
//   unless the template names one, the ServiceAccount the operator makes for it (AutoscalerRBAC);
//   with autoscaler v2, `restartPolicy: Never` where the template sets none (the autoscaler
//   replaces failed nodes itself).
import JSON
import RayAPI

/// Builders of the pods of a RayCluster.
package enum PodBuilder {
    /// Volume and mount of the object store's shared memory.
    static let sharedMemoryVolume = "shared-mem"
    static let sharedMemoryPath = "/dev/shm"
    /// Volume of Ray's logs shared with the autoscaler sidecar.
    static let logsVolume = "ray-logs"
    static let waitGCSReadyName = "wait-gcs-ready"

    /// The head pod `<cluster>-<headGroup>-head-0`.
    package static func headPod(cluster: JSONValue, options: DesiredStateOptions = DesiredStateOptions()) throws(DesiredStateError) -> JSONValue {
        try headPod(ClusterFacts(cluster: cluster, options: options))
    }

    /// The worker pod `<cluster>-<group>-worker-<index>` of the worker group named `group`.
    package static func workerPod(cluster: JSONValue, group: String, index: Int,
                                 options: DesiredStateOptions = DesiredStateOptions()) throws(DesiredStateError) -> JSONValue {
        let facts = try ClusterFacts(cluster: cluster, options: options)
        guard let spec = facts.workerGroups.first(where: { ($0.groupName ?? "") == group }) else {
            throw DesiredStateError("the RayCluster \(facts.names.namespace)/\(facts.names.cluster) has no worker group \(group)")
        }
        return try workerPod(facts, group: spec, index: index)
    }

    static func headPod(_ facts: ClusterFacts) throws(DesiredStateError) -> JSONValue {
        let head = facts.headGroup
        return try build(facts, type: .head, group: facts.names.headGroupName, podName: facts.names.headPodName,
                         template: head.json["template"], userParams: head.rayStartParams, groupResources: head.resources,
                         groupLabels: head.json["labels"], slot: nil, where: "headGroupSpec")
    }

    static func workerPod(_ facts: ClusterFacts, group: WorkerGroupSpec, index: Int) throws(DesiredStateError) -> JSONValue {
        let name = group.groupName ?? ""
        let hosts = Int(clamping: max(group.numOfHosts ?? 1, 1))
        return try build(facts, type: .worker, group: name, podName: facts.names.workerPodName(group: name, index: index),
                         template: group.json["template"], userParams: group.rayStartParams, groupResources: group.resources,
                         groupLabels: group.json["labels"], slot: PodMetadata.WorkerSlot(index: index, numOfHosts: hosts),
                         where: "worker group \(name)")
    }

    // MARK: Assembly

    private static func build(_ facts: ClusterFacts, type: RayNodeType, group: String, podName: String, template: JSONValue?,
                              userParams: [String: String]?, groupResources: [String: String]?, groupLabels: JSONValue?,
                              slot: PodMetadata.WorkerSlot?, where place: String) throws(DesiredStateError) -> JSONValue {
        guard case .object(var spec)? = template?["spec"] else {
            throw DesiredStateError("\(place) of RayCluster \(facts.names.namespace)/\(facts.names.cluster) has no template.spec")
        }
        guard case .array(var containers)? = spec["containers"], case .object(var ray)? = containers.first else {
            throw DesiredStateError("\(place) of RayCluster \(facts.names.namespace)/\(facts.names.cluster) has no containers")
        }
        let userRay = Container(.object(ray))
        let templateMetadata = template?["metadata"]

        // The command.
        let params = RayStartCommand.params(type: type, userParams: userParams, groupResources: groupResources,
                                            groupLabels: groupLabels?.objectValue.map { object in
                                                var map: [String: String] = [:]
                                                for member in object { if let value = member.value.stringValue { map[member.key] = value } }
                                                return map
                                            }, rayContainer: userRay, facts: facts)
        let startCommand = RayStartCommand.render(type: type, params: params)
        let userCommand = ((userRay.command ?? []) + (userRay.args ?? [])).map { " \($0) " }.joined()
        let templateOverwrite = templateMetadata?["annotations"]?[RayAnnotation.overwriteContainerCmd]?.stringValue?.lowercased() == "true"
        let keepCommand = facts.origin == .v1alpha1 || facts.overwritesContainerCommand || templateOverwrite
            || userCommand.contains("ray start")
        if !keepCommand {
            let prefix = userCommand.isEmpty ? "" : userCommand + " && "
            ray["command"] = ["/bin/bash", "-c", "--"]
            ray["args"] = .array([.string(prefix + "ulimit -n ${RAY_START_ULIMIT_OPEN_FILES:-65536}; " + startCommand)])
        }

        // Env, ports, probes.
        ray["env"] = .array(RayContainerEnv.rayContainerEnv(user: ray["env"]?.arrayValue ?? [], type: type,
                                                             startCommand: startCommand, facts: facts))
        addMetricsPort(to: &ray)
        if facts.options.injectProbes && facts.origin == .v1 {
            let probes = RayProbes.probes(type: type, params: params, rayVersion: facts.spec.rayVersion)
            if ray["livenessProbe"] == nil || ray["livenessProbe"] == .null { ray["livenessProbe"] = probes.liveness }
            if ray["readinessProbe"] == nil || ray["readinessProbe"] == .null { ray["readinessProbe"] = probes.readiness }
        }

        // Volumes.
        var volumes = spec["volumes"]?.arrayValue ?? []
        if params["plasma-directory"] == nil {
            mountEmptyDir(named: sharedMemoryVolume, at: sharedMemoryPath, medium: "Memory",
                          sizeLimit: memorySize(userRay.resources), container: &ray, volumes: &volumes)
        }
        var logsVolumeName = logsVolume
        let autoscalerSidecar = type == .head && facts.autoscaling
        if autoscalerSidecar {
            mountEmptyDir(named: logsVolume, at: AutoscalerSidecar.logsMountPath, medium: nil, sizeLimit: nil,
                          container: &ray, volumes: &volumes)
            logsVolumeName = mountedVolume(at: AutoscalerSidecar.logsMountPath, in: ray) ?? logsVolume
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }

        // Init containers.
        var initContainers = spec["initContainers"]?.arrayValue ?? []
        if type == .worker && facts.origin == .v1 && facts.options.injectWaitGCSReady {
            initContainers.append(waitGCSReady(rayContainer: userRay, facts: facts))
        }
        if !initContainers.isEmpty {
            spec["initContainers"] = .array(initContainers.map { container in
                var updated = container
                updated["env"] = .array(RayContainerEnv.initContainerEnv(user: container["env"]?.arrayValue ?? [], facts: facts))
                return updated
            })
        }

        containers[0] = .object(ray)
        if autoscalerSidecar {
            containers.append(AutoscalerSidecar.container(rayContainer: userRay, logsVolume: logsVolumeName, facts: facts))
        }
        spec["containers"] = .array(containers)
        if facts.autoscalerV2 && (spec["restartPolicy"]?.stringValue ?? "").isEmpty { spec["restartPolicy"] = "Never" }
        if autoscalerSidecar && (spec["serviceAccountName"]?.stringValue ?? "").isEmpty {
            spec["serviceAccountName"] = .string(AutoscalerRBAC.serviceAccountName(facts))
        }

        var metadata: [(String, JSONValue)] = [
            ("name", .string(podName)),
            ("namespace", .string(facts.names.namespace)),
            ("labels", PodMetadata.labels(template: templateMetadata?["labels"], groupLabels: groupLabels, type: type,
                                          group: group, podName: podName, worker: slot, facts: facts)),
        ]
        let annotations = PodMetadata.annotations(template: templateMetadata?["annotations"], type: type, facts: facts)
        if annotations.objectValue?.isEmpty == false { metadata.append(("annotations", annotations)) }
        metadata.append(("ownerReferences", .array([facts.ownerReference])))
        if case .array(let finalizers)? = templateMetadata?["finalizers"], !finalizers.isEmpty {
            metadata.append(("finalizers", .array(finalizers)))
        }
        return .object(JSONObject([
            ("apiVersion", "v1"),
            ("kind", "Pod"),
            ("metadata", .object(JSONObject(metadata))),
            ("spec", .object(spec)),
        ]))
    }

    // MARK: Pieces

    /// Adds `{name: metrics, containerPort: 8080}` unless a port is named `metrics` or already
    /// uses 8080.
    private static func addMetricsPort(to container: inout JSONObject) {
        var ports = container["ports"]?.arrayValue ?? []
        let named = ports.contains { $0["name"]?.stringValue == "metrics" }
        let used = ports.contains { $0["containerPort"]?.int64Value == RayStartCommand.defaultMetricsPort }
        guard !named && !used else { return }
        ports.append(.object(JSONObject([("name", "metrics"), ("containerPort", .integer(RayStartCommand.defaultMetricsPort))])))
        container["ports"] = .array(ports)
    }

    /// The container's memory limit, else its memory request, as written.
    private static func memorySize(_ resources: ResourceRequirements?) -> JSONValue? {
        if let limit = resources?.json["limits"]?["memory"], limit.quantityText != nil { return limit }
        if let request = resources?.json["requests"]?["memory"], request.quantityText != nil { return request }
        return nil
    }

    /// The volume a container mounts at `path`, if any.
    private static func mountedVolume(at path: String, in container: JSONObject) -> String? {
        container["volumeMounts"]?.arrayValue?.first { $0["mountPath"]?.stringValue == path }?["name"]?.stringValue
    }

    /// Mounts an emptyDir volume at `path` unless something is mounted there already; the volume
    /// is added unless one of that name exists.
    private static func mountEmptyDir(named name: String, at path: String, medium: String?, sizeLimit: JSONValue?,
                                      container: inout JSONObject, volumes: inout [JSONValue]) {
        guard mountedVolume(at: path, in: container) == nil else { return }
        if !volumes.contains(where: { $0["name"]?.stringValue == name }) {
            var emptyDir: [(String, JSONValue)] = []
            if let medium { emptyDir.append(("medium", .string(medium))) }
            if let sizeLimit { emptyDir.append(("sizeLimit", sizeLimit)) }
            volumes.append(.object(JSONObject([("name", .string(name)), ("emptyDir", .object(JSONObject(emptyDir)))])))
        }
        var mounts = container["volumeMounts"]?.arrayValue ?? []
        mounts.append(.object(JSONObject([("name", .string(name)), ("mountPath", .string(path))])))
        container["volumeMounts"] = .array(mounts)
    }

    /// The init container that waits until the head's GCS answers `ray health-check`. It runs the
    /// Ray image with the Ray container's env and mounts (TLS settings may live there), and fixed
    /// small resources, so that namespaces with a ResourceQuota accept it and it asks for no GPU.
    private static func waitGCSReady(rayContainer: Container, facts: ClusterFacts) -> JSONValue {
        let address = "\(facts.headFQDN):\(facts.headPort)"
        let script = """
            SECONDS=0
            while true; do
              if (( SECONDS <= 120 )); then output=/dev/null; else output=/dev/stderr; fi
              if ray health-check --address \(address) > "$output" 2>&1; then
                echo "The GCS at \(address) is ready."
                break
              fi
              echo "${SECONDS}s: waiting for the GCS at \(address) to be ready."
              sleep 5
            done
            """
        var members: [(String, JSONValue)] = [("name", .string(waitGCSReadyName))]
        if let image = rayContainer.image { members.append(("image", .string(image))) }
        if let policy = rayContainer.imagePullPolicy { members.append(("imagePullPolicy", .string(policy))) }
        members.append(("command", ["/bin/bash", "-c", "--"]))
        members.append(("args", .array([.string(script)])))
        if let env = rayContainer.json["env"]?.arrayValue, !env.isEmpty { members.append(("env", .array(env))) }
        members.append(("resources", [
            "limits": ["cpu": "200m", "memory": "256Mi"],
            "requests": ["cpu": "200m", "memory": "256Mi"],
        ]))
        if let mounts = rayContainer.json["volumeMounts"]?.arrayValue, !mounts.isEmpty { members.append(("volumeMounts", .array(mounts))) }
        if let securityContext = rayContainer.securityContext { members.append(("securityContext", securityContext)) }
        return .object(JSONObject(members))
    }
}
