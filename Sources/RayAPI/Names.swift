// The names the webhook, the conversion and the reconciler must agree on, defined once:
// API group/versions/kind, labels, annotations, and how pods and Services are named
//.
import JSON

/// The `ray.io` API group and the RayCluster resource.
package enum RayAPIGroup {
    package static let group = "ray.io"
    package static let kind = "RayCluster"
    package static let listKind = "RayClusterList"
    package static let plural = "rayclusters"
    package static let singular = "raycluster"
    /// `<plural>.<group>`, the CRD's metadata.name.
    package static let crdName = "rayclusters.ray.io"

    package static let versionV1 = "v1"
    package static let versionV1Alpha1 = "v1alpha1"
    /// apiVersion of the storage version (KubeRay's API).
    package static let v1 = "ray.io/v1"
    /// apiVersion of the original Ray operator's API.
    package static let v1alpha1 = "ray.io/v1alpha1"
    /// Both served apiVersions, storage version first.
    package static let servedAPIVersions = [v1, v1alpha1]
}

/// Labels put on (and selected from) Ray pods and Services (KubeRay's names).
package enum RayLabel {
    package static let cluster = "ray.io/cluster"
    package static let nodeType = "ray.io/node-type"
    package static let group = "ray.io/group"
    package static let identifier = "ray.io/identifier"
    package static let isRayNode = "ray.io/is-ray-node"
    /// The value of `ray.io/is-ray-node`.
    package static let isRayNodeValue = "yes"
    package static let appName = "app.kubernetes.io/name"
    package static let appNameValue = "kuberay"
    package static let createdBy = "app.kubernetes.io/created-by"
    package static let createdByValue = "kuberay-operator"
    package static let workerGroupReplicaIndex = "ray.io/worker-group-replica-index"
    package static let workerGroupReplicaName = "ray.io/worker-group-replica-name"
    package static let replicaHostIndex = "ray.io/replica-host-index"
    package static let serve = "ray.io/serve"
    package static let originatedFromCRName = "ray.io/originated-from-cr-name"
    package static let originatedFromCRD = "ray.io/originated-from-crd"
    package static let headlessWorkerService = "ray.io/headless-worker-svc"
}

/// Labels of the original Ray operator, kept so that selectors
/// written against it keep matching.
package enum SeedLabel {
    /// Value: the pod name (the seed's head Service selects on it).
    package static let component = "raycluster.component"
    /// Value: `operatorValue`.
    package static let componentName = "rayclusters.ray.io/component-name"
    package static let operatorValue = "ray-operator"
    /// Value: the RayCluster's metadata.name (the seed lists pods by it).
    package static let instanceName = "raycluster.instance.name"
    /// Value: the pod type (`head` / `worker`).
    package static let podType = "raycluster.pod.type"
    /// Set by the seed's samples themselves (not by the operator): the group name.
    package static let groupName = "raycluster.group.name"
}

/// Annotations on a RayCluster (and on its pods) that carry meaning.
package enum RayAnnotation {
    /// JSON of what one API version cannot express, restored when converting back.
    package static let conversionData = "ray.io/conversion-data"
    /// Legacy switch of GCS fault tolerance (any non-empty value conflicts with the options).
    package static let ftEnabled = "ray.io/ft-enabled"
    package static let externalStorageNamespace = "ray.io/external-storage-namespace"
    package static let overwriteContainerCmd = "ray.io/overwrite-container-cmd"
    package static let enableServeService = "ray.io/enable-serve-service"
    package static let disableProvisionedHeadRestart = "ray.io/disable-provisioned-head-restart"
    package static let gcsFTDeletionTimeout = "ray.io/gcs-ft-deletion-timeout"
    package static let upgradeStrategyRecreateHash = "ray.io/upgrade-strategy-recreate-hash"
    package static let kuberayVersion = "ray.io/kuberay-version"
}

/// Finalizers the operator may put on a RayCluster.
package enum RayFinalizer {
    package static let gcsFTRedisCleanup = "ray.io/gcs-ft-redis-cleanup-finalizer"
}

/// Values of the `ray.io/node-type` label, and the pod-type part of a pod name.
package enum RayNodeType: String, Sendable, CaseIterable {
    case head
    case worker
    case redisCleanup = "redis-cleanup"
}

/// Environment variables the original operator injects (its sample commands use them).
package enum SeedEnv {
    package static let clusterName = "CLUSTER_NAME"
    package static let namespace = "NAMESPACE"
    package static let podIP = "MY_POD_IP"
}

/// Length limits the rules and the naming rely on.
package enum NameLimits {
    /// KubeRay's limit on a RayCluster name, so that `<name>-serve-svc` fits a 63-char label.
    package static let rayClusterName = 53
    /// DNS-1123 and DNS-1035 labels, label values, the name part of qualified names.
    package static let dnsLabel = 63
    /// DNS-1123 subdomains (object names such as pods).
    package static let dnsSubdomain = 253
    /// KubeRay's `CheckName` keeps at most this many (trailing) characters.
    package static let checkName = 50
    /// KubeRay's `CheckLabel` keeps at most this many (trailing) characters.
    package static let checkLabel = 63
}

/// How derived objects are named.
package enum RayNaming {
    /// The head group name of a v1 object unless conversion recorded another.
    package static let defaultHeadGroupName = "headgroup"
    /// The port Ray's GCS listens on and workers dial (`<cluster>-head:6379`).
    package static let defaultGCSPort: Int64 = 6379

    /// A pod of the original operator's scheme: `<cluster>-<group>-<type>-<index>`
    /// (`raycluster-sample-small-group-worker-0`). An empty group gives a double dash, as there.
    package static func podName(cluster: String, group: String, type: RayNodeType, index: Int) -> String {
        "\(cluster)-\(group)-\(type.rawValue)-\(index)"
    }

    /// The index of `podName` when it is `<cluster>-<group>-<type>-<index>` (index in canonical
    /// decimal, no sign or leading zeros); nil otherwise.
    package static func podIndex(of podName: String, cluster: String, group: String, type: RayNodeType) -> Int? {
        let prefix = "\(cluster)-\(group)-\(type.rawValue)-"
        guard podName.hasPrefix(prefix) else { return nil }
        let digits = podName.utf8.dropFirst(prefix.utf8.count)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if digits.count > 1 && digits.first == 0x30 { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    /// The lowest index `i` for which `podName(…, index: i)` is not in `existing` — what a create
    /// uses so that creating twice is idempotent and gaps are refilled first.
    package static func lowestFreeIndex(existing: some Sequence<String>, cluster: String, group: String, type: RayNodeType) -> Int {
        var used = Set<Int>()
        for name in existing {
            if let index = podIndex(of: name, cluster: cluster, group: group, type: type) { used.insert(index) }
        }
        var candidate = 0
        while used.contains(candidate) { candidate &+= 1 }
        return candidate
    }

    /// The head Service: `<cluster>-head` (the address the seed's worker command dials).
    package static func headServiceName(cluster: String) -> String { "\(cluster)-head" }

    /// The original operator's derivation from a head pod name: the text before the first "head"
    /// plus "head" (`raycluster-sample-head-group-head-0` → `raycluster-sample-head`); the pod
    /// name itself when it contains no "head". Equals `headServiceName` when the head group's name
    /// is empty or starts with "head" and the cluster name contains no "head".
    package static func seedHeadServiceName(headPodName: String) -> String {
        let bytes = Array(headPodName.utf8)
        let needle = Array("head".utf8)
        guard bytes.count >= needle.count else { return headPodName }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return String(decoding: bytes[..<start], as: UTF8.self) + "head"
        }
        return headPodName
    }

    /// KubeRay's default head Service name `<cluster>-head-svc` (used when a custom headService
    /// has no name).
    package static func kuberayHeadServiceName(cluster: String) -> String { "\(cluster)-head-svc" }
    /// KubeRay's headless worker Service (multi-host groups).
    package static func headlessServiceName(cluster: String) -> String { "\(cluster)-headless" }
    /// KubeRay's Serve Service (annotation `ray.io/enable-serve-service: "true"`).
    package static func serveServiceName(cluster: String) -> String { "\(cluster)-serve-svc" }
    /// The operator-managed PVC of embedded GCS storage.
    package static func gcsPVCName(cluster: String) -> String { "\(cluster)-gcs-pvc" }

    /// `ray.io/identifier` of a pod: CheckLabel(`<cluster>-head` / `<cluster>-worker`).
    package static func identifierLabel(cluster: String, type: RayNodeType) -> String {
        checkLabel("\(cluster)-\(type.rawValue)")
    }

    /// KubeRay's CheckName: keep the last 50 bytes; a leading digit, then a leading punctuation
    /// character, becomes `r`.
    package static func checkName(_ name: String) -> String {
        var bytes = Array(name.utf8)
        if bytes.count > NameLimits.checkName { bytes.removeFirst(bytes.count - NameLimits.checkName) }
        guard let first = bytes.first else { return "" }
        if isDigit(first) { bytes[0] = UInt8(ascii: "r") }
        if let lead = bytes.first, isPunctuation(lead) { bytes[0] = UInt8(ascii: "r") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// KubeRay's CheckLabel: keep the last 63 bytes; a leading punctuation character becomes `r`.
    package static func checkLabel(_ value: String) -> String {
        var bytes = Array(value.utf8)
        if bytes.count > NameLimits.checkLabel { bytes.removeFirst(bytes.count - NameLimits.checkLabel) }
        guard let first = bytes.first else { return "" }
        if isPunctuation(first) { bytes[0] = UInt8(ascii: "r") }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Go's unicode.IsPunct over ASCII: !"#%&'()*,-./:;?@[\]_{} (not $+<=>^`|~, which are symbols).
    private static func isPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "\""), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: ","),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: ";"),
             UInt8(ascii: "?"), UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: "\\"), UInt8(ascii: "]"),
             UInt8(ascii: "_"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            return true
        default:
            return false
        }
    }
}

/// The labels a Ray pod carries and the selectors that find pods again
///.
package enum RayPodLabels {
    /// The operator's own labels for a pod, in a stable order. KubeRay's set, plus the original
    /// operator's when `seedLabels` is true (selectors written against it keep matching).
    /// `group` is the group name (KubeRay uses `headgroup` for the head).
    package static func defaults(cluster: String, group: String, type: RayNodeType, podName: String? = nil,
                                seedLabels: Bool = true) -> [(key: String, value: String)] {
        var labels: [(key: String, value: String)] = [
            (RayLabel.cluster, cluster),
            (RayLabel.nodeType, type.rawValue),
            (RayLabel.group, group),
            (RayLabel.identifier, RayNaming.identifierLabel(cluster: cluster, type: type)),
            (RayLabel.isRayNode, RayLabel.isRayNodeValue),
            (RayLabel.appName, RayLabel.appNameValue),
            (RayLabel.createdBy, RayLabel.createdByValue),
        ]
        if seedLabels {
            if let podName { labels.append((SeedLabel.component, podName)) }
            labels.append((SeedLabel.componentName, SeedLabel.operatorValue))
            labels.append((SeedLabel.instanceName, cluster))
            labels.append((SeedLabel.podType, type.rawValue))
        }
        return labels
    }

    /// Every pod of a cluster.
    package static func clusterSelector(cluster: String) -> [String: String] { [RayLabel.cluster: cluster] }

    /// The head pod(s), or the worker pods, of a cluster.
    package static func nodeTypeSelector(cluster: String, type: RayNodeType) -> [String: String] {
        [RayLabel.cluster: cluster, RayLabel.nodeType: type.rawValue]
    }

    /// The pods of one group.
    package static func groupSelector(cluster: String, group: String) -> [String: String] {
        [RayLabel.cluster: cluster, RayLabel.group: group]
    }

    /// The selector of the head Service: the head pod of the cluster.
    package static func headServiceSelector(cluster: String) -> [String: String] {
        [RayLabel.cluster: cluster, RayLabel.nodeType: RayNodeType.head.rawValue,
         RayLabel.identifier: RayNaming.identifierLabel(cluster: cluster, type: .head)]
    }

    /// `labelSelector` query text (`k1=v1,k2=v2`, keys sorted) for list/watch calls.
    package static func selectorQuery(_ selector: [String: String]) -> String {
        selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
