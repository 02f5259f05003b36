// What every builder needs to know about one RayCluster, read once: names, UID, origin, the head
// group, the head's port and address, and the owner reference children carry. Building it is the
// one place where a cluster too broken to build anything from is refused.
import JSON
import RayAPI

struct ClusterFacts {
    let object: JSONValue
    let cluster: RayCluster
    let spec: RayClusterSpec
    let names: ClusterNames
    let origin: ClusterOrigin
    let uid: String
    let headGroup: HeadGroupSpec
    let options: DesiredStateOptions

    init(cluster object: JSONValue, options: DesiredStateOptions) throws(DesiredStateError) {
        guard case .object = object else { throw DesiredStateError("the RayCluster is not a JSON object") }
        self.object = object
        cluster = RayCluster(object)
        names = try ClusterNames(cluster: object)
        guard let uid = cluster.metadata?.uid, !uid.isEmpty else {
            throw DesiredStateError("the RayCluster \(names.namespace)/\(names.cluster) has no metadata.uid, which the owner reference of its pods needs")
        }
        self.uid = uid
        guard let spec = cluster.spec else { throw DesiredStateError("the RayCluster \(names.namespace)/\(names.cluster) has no spec") }
        self.spec = spec
        guard let headGroup = spec.headGroupSpec else {
            throw DesiredStateError("the RayCluster \(names.namespace)/\(names.cluster) has no spec.headGroupSpec")
        }
        self.headGroup = headGroup
        origin = ClusterOrigin(cluster: object)
        self.options = options
    }

    /// In-tree autoscaling (`enableInTreeAutoscaling: true`).
    var autoscaling: Bool { spec.isAutoscalingEnabled }

    /// Autoscaler v2 is asked for explicitly (`autoscalerOptions.version: v2`).
    var autoscalerV2: Bool { autoscaling && spec.autoscalerOptions?.version == AutoscalerVersion.v2 }

    /// The port of the head's GCS: `rayStartParams.port`, else 6379 (KubeRay's getHeadPort).
    var headPort: String {
        if let port = headGroup.rayStartParams?["port"], !port.isEmpty { return port }
        return String(RayNaming.defaultGCSPort)
    }

    /// The head Service's fully qualified name, which workers dial.
    var headFQDN: String { names.headServiceFQDN(clusterDomain: options.clusterDomain) }

    /// GCS fault tolerance is on: the legacy annotation says "true" or the options are set.
    var gcsFaultTolerance: Bool {
        cluster.metadata?.annotation(RayAnnotation.ftEnabled)?.lowercased() == "true" || spec.gcsFaultToleranceOptions != nil
    }

    /// `ray.io/overwrite-container-cmd: "true"` on the RayCluster.
    var overwritesContainerCommand: Bool {
        cluster.metadata?.annotation(RayAnnotation.overwriteContainerCmd)?.lowercased() == "true"
    }

    /// The worker groups in spec order (an absent list is none).
    var workerGroups: [WorkerGroupSpec] { spec.workerGroupSpecs ?? [] }

    /// The one controller owner reference every child carries: deleting the RayCluster deletes
    /// them (garbage collection), and the UID keeps a re-created namesake from adopting them.
    var ownerReference: JSONValue {
        .object(JSONObject([
            ("apiVersion", .string(RayAPIGroup.v1)),
            ("kind", .string(RayAPIGroup.kind)),
            ("name", .string(names.cluster)),
            ("uid", .string(uid)),
            ("controller", true),
            ("blockOwnerDeletion", true),
        ]))
    }
}
