// Strings that nearly every Kubernetes object and admission review repeats, made once.
//
// Why: a RayCluster review is some 500 values, most of them short strings, and making a String
// (even a small, inline one) costs about a hundred instructions in the standard library, a long
// one an allocation and its free. The parser looks these up instead (keys and short values): a
// hash of the bytes it already scans (`StringDigest`), one probe of a fixed table, a compare of
// the bytes; a hit hands out the prebuilt String, whose copies cost nothing (literals are
// immortal: no reference counting). A miss costs the lookup only, about a tenth of a creation.
// The table is immutable once built; nothing input-dependent is ever added to it.

/// A string's first and last eight bytes (little-endian words; a shorter string is its one word,
/// zero-padded) and its length. Strings of at most 16 bytes are equal exactly when their digests
/// are; longer ones also need their middle bytes compared. `fingerprint` mixes the three into a
/// hash: equal strings, equal fingerprints (the parser's duplicate-key check compares those).
struct StringDigest: Equatable {
    var first: UInt64
    var last: UInt64
    var length: Int

    private static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// From the `count` bytes at `q`; `readableCount` is how many bytes from `q` may be read (the
    /// document's rest), which lets a short string be read as one masked word.
    @inline(__always) init(_ q: UnsafePointer<UInt8>, count n: Int, readableCount: Int) {
        let raw = UnsafeRawPointer(q)
        length = n
        if n >= 8 {
            first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        } else {
            last = 0
            if readableCount >= 8 {
                first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) & ((1 << UInt64(truncatingIfNeeded: n &* 8)) &- 1)
            } else {
                first = 0
                var k = 0
                while k < n {
                    first |= UInt64(q[k]) << UInt64(truncatingIfNeeded: k &* 8)
                    k &+= 1
                }
            }
        }
    }

    init(_ string: String) {
        var string = string
        self = string.withUTF8 { buffer in
            // The empty string has no bytes to point at: all zero.
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return StringDigest(first: 0, last: 0, length: 0) }
            return StringDigest(base, count: buffer.count, readableCount: buffer.count)
        }
    }

    private init(first: UInt64, last: UInt64, length: Int) {
        self.first = first
        self.last = last
        self.length = length
    }

    @inline(__always) var fingerprint: UInt64 {
        ((first &* StringDigest.multiplier) ^ last ^ UInt64(truncatingIfNeeded: length)) &* StringDigest.multiplier
    }
}

/// The fixed table of interned strings.
final class JSONInternTable: @unchecked Sendable {
    // @unchecked Sendable: every stored property is written once, in `init`, and only read after.

    /// Longest string worth looking up (`kubectl.kubernetes.io/last-applied-configuration` is 48).
    static let maxLength = 48

    static let shared = JSONInternTable(JSONInternTable.words)

    /// One interned string with its digest, for the compare; entries are dense (only hits touch
    /// them, and the same few keep coming back) while the probe table is two bytes a slot, so
    /// both stay in the first-level cache.
    private struct Entry {
        var first: UInt64
        var last: UInt64
        var length: Int
        /// Offset of the string's bytes in `bytes` (compared beyond 16 bytes).
        var offset: Int
        var string: String
    }

    /// Open addressing: entry number + 1, or 0 for an empty slot.
    private let slots: UnsafeMutablePointer<UInt16>
    private let mask: Int
    private let entries: UnsafeMutablePointer<Entry>
    private let bytes: UnsafeMutablePointer<UInt8>
    let count: Int

    init(_ words: [String]) {
        var unique: [String] = []
        var seen = Set<String>()
        for word in words where !word.isEmpty && word.utf8.count <= JSONInternTable.maxLength && seen.insert(word).inserted {
            unique.append(word)
        }
        // Entry numbers + 1 fit the two-byte slots.
        if unique.count > Int(UInt16.max) &- 1 { unique = Array(unique.prefix(Int(UInt16.max) &- 1)) }
        count = unique.count
        // A power of two at least twice the entries: short probe runs.
        var size = 16
        while size < unique.count &* 2 { size &*= 2 }
        mask = size &- 1
        slots = UnsafeMutablePointer<UInt16>.allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        let total = unique.reduce(0) { $0 &+ $1.utf8.count }
        bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(total, 1))
        entries = UnsafeMutablePointer<Entry>.allocate(capacity: Swift.max(unique.count, 1))
        var offset = 0
        for (index, word) in unique.enumerated() {
            let utf8 = Array(word.utf8)
            (bytes + offset).initialize(from: utf8, count: utf8.count)
            let digest = StringDigest(word)
            (entries + index).initialize(to: Entry(first: digest.first, last: digest.last, length: utf8.count, offset: offset, string: word))
            var k = JSONInternTable.home(digest, mask)
            while slots[k] != 0 { k = (k &+ 1) & mask }
            slots[k] = UInt16(truncatingIfNeeded: index &+ 1)
            offset &+= utf8.count
        }
    }

    // The shared table lives as long as the process; others (tests) are freed.
    deinit {
        entries.deinitialize(count: count)
        entries.deallocate()
        bytes.deallocate()
        slots.deallocate()
    }

    @inline(__always) private static func home(_ digest: StringDigest, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: digest.fingerprint >> 40) & mask
    }

    /// The interned String with the bytes at `q` (whose digest is `digest`), or nil.
    @inline(__always) func lookUp(_ q: UnsafePointer<UInt8>, _ digest: StringDigest) -> String? {
        var k = JSONInternTable.home(digest, mask)
        while true {
            let slot = Int(slots[k])
            if slot == 0 { return nil }
            let entry = entries + (slot &- 1)
            if entry.pointee.first == digest.first && entry.pointee.last == digest.last && entry.pointee.length == digest.length
                && (digest.length <= 16 || JSONInternTable.middleEqual(bytes + entry.pointee.offset, q, digest.length)) {
                return entry.pointee.string
            }
            k = (k &+ 1) & mask
        }
    }

    /// Bytes 8 to n-8 of two strings longer than 16 bytes (the digests hold the rest).
    private static func middleEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var k = 8
        while n &- 8 &- k >= 8 {
            if UnsafeRawPointer(a + k).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + k).loadUnaligned(as: UInt64.self) { return false }
            k &+= 8
        }
        while k < n &- 8 {
            if a[k] != b[k] { return false }
            k &+= 1
        }
        return true
    }

    /// Keys and values of Kubernetes objects (metadata, pod templates, containers), of the
    /// RayCluster API, of admission reviews and of managedFields, by how often they come up.
    static let words: [String] = [
        // Envelope and metadata
        "apiVersion", "kind", "metadata", "spec", "status", "name", "namespace", "uid", "labels", "annotations",
        "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "generateName", "finalizers", "ownerReferences", "managedFields", "selfLink", "controller",
        "blockOwnerDeletion", "manager", "operation", "time", "fieldsType", "fieldsV1", "subresource",
        "FieldsV1", "Apply", "Update", "v1", "List", "items", "default",
        // Admission reviews
        "request", "response", "resource", "requestKind", "requestResource", "requestSubResource", "subResource",
        "userInfo", "username", "groups", "extra", "object", "oldObject", "dryRun", "options", "group", "version",
        "allowed", "patch", "patchType", "warnings", "AdmissionReview", "admission.k8s.io/v1",
        "admission.k8s.io/v1beta1", "CREATE", "UPDATE", "DELETE", "CONNECT", "CreateOptions", "UpdateOptions",
        "DeleteOptions", "PatchOptions", "meta.k8s.io/v1", "fieldManager", "fieldValidation", "system:authenticated",
        "system:masters", "kubectl-client-side-apply", "kubectl", "kubectl-edit", "kubectl-create",
        "kubectl.kubernetes.io/last-applied-configuration", "authentication.kubernetes.io/credential-id",
        // RayCluster
        "ray.io", "ray.io/v1", "ray.io/v1alpha1", "RayCluster", "rayclusters", "rayVersion", "headGroupSpec",
        "workerGroupSpecs", "groupName", "replicas", "minReplicas", "maxReplicas", "numOfHosts", "rayStartParams",
        "template", "serviceType", "headService", "headServiceAnnotations", "enableInTreeAutoscaling",
        "autoscalerOptions", "upscalingMode", "idleTimeoutSeconds", "gcsFaultToleranceOptions", "suspend",
        "managedBy", "workersToDelete", "scaleStrategy", "dashboard-host", "num-cpus", "num-gpus", "block",
        "object-store-memory", "metrics-export-port", "port", "redis-password", "ray.io/ft-enabled",
        "ray.io/cluster", "ray.io/node-type", "ray.io/group", "ray.io/is-ray-node", "ray.io/identifier",
        "head", "worker", "headgroup", "Default", "Conservative", "Aggressive", "ClusterIP", "NodePort",
        "LoadBalancer", "state", "ready", "availableWorkerReplicas", "desiredWorkerReplicas", "readyWorkerReplicas",
        "desiredCPU", "desiredMemory", "desiredGPU", "desiredTPU", "observedGeneration", "lastUpdateTime",
        "endpoints", "podIP", "serviceIP", "podName", "conditions", "clusterName", "images", "defaultImage",
        "extensions", "headStartParams", "workerStartParams",
        // Pod templates and containers
        "containers", "initContainers", "image", "imagePullPolicy", "IfNotPresent", "Always", "Never", "command",
        "args", "env", "envFrom", "value", "valueFrom", "fieldRef", "fieldPath", "status.podIP", "metadata.name",
        "metadata.namespace", "secretKeyRef", "configMapKeyRef", "key", "optional", "resources", "limits",
        "requests", "cpu", "memory", "nvidia.com/gpu", "google.com/tpu", "ephemeral-storage", "ports",
        "containerPort", "protocol", "TCP", "UDP", "hostPort", "gcs", "gcs-server", "dashboard", "client",
        "metrics", "serve", "volumeMounts", "mountPath", "subPath", "readOnly", "volumes", "emptyDir", "medium",
        "Memory", "sizeLimit", "configMap", "secret", "secretName", "persistentVolumeClaim", "claimName",
        "hostPath", "path", "type", "lifecycle", "preStop", "postStart", "exec", "/bin/sh", "/bin/bash", "-c",
        "--", "ray stop", "livenessProbe", "readinessProbe", "startupProbe", "httpGet", "tcpSocket",
        "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold",
        "securityContext", "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "capabilities", "add", "drop",
        "privileged", "allowPrivilegeEscalation", "terminationMessagePath", "terminationMessagePolicy",
        "/dev/termination-log", "File", "workingDir", "restartPolicy", "OnFailure", "serviceAccountName",
        "serviceAccount", "nodeSelector", "affinity", "nodeAffinity", "podAffinity", "podAntiAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms", "matchExpressions", "matchLabels", "labelSelector", "topologyKey", "weight",
        "operator", "values", "In", "NotIn", "Exists", "Equal", "tolerations", "effect", "NoSchedule",
        "NoExecute", "PreferNoSchedule", "tolerationSeconds", "schedulerName", "default-scheduler",
        "priorityClassName", "dnsPolicy", "ClusterFirst", "hostNetwork", "imagePullSecrets",
        "terminationGracePeriodSeconds", "enableServiceLinks", "shareProcessNamespace", "app",
        "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
        "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "app.kubernetes.io/created-by",
        "/tmp/ray", "ray-logs", "/dev/shm", "dshm", "ray-head", "ray-worker", "small-group", "workergroup",
        // managedFields (FieldsV1)
        ".", "f:metadata", "f:spec", "f:status", "f:labels", "f:annotations", "f:name", "f:namespace",
        "f:finalizers", "f:ownerReferences", "f:rayVersion", "f:headGroupSpec", "f:workerGroupSpecs",
        "f:rayStartParams", "f:serviceType", "f:template", "f:containers", "f:image", "f:resources", "f:limits",
        "f:requests", "f:cpu", "f:memory", "f:replicas", "f:minReplicas", "f:maxReplicas", "f:groupName",
        "f:volumes", "f:volumeMounts", "f:env", "f:ports", "f:enableInTreeAutoscaling", "f:state",
        "f:conditions", "f:endpoints", "f:head", "f:lastUpdateTime", "f:observedGeneration",
        "f:kubectl.kubernetes.io/last-applied-configuration",
        // Short values
        "true", "false", "0", "1", "2", "3", "4", "8", "10", "100m", "200m", "250m", "500m", "1000m", "1Gi", "2Gi",
        "4Gi", "8Gi", "16Gi", "1G", "2G", "4G", "0.0.0.0", "6379", "8265", "10001", "8080", "Ready", "True",
        "False", "Unknown", "HeadPodReady", "RayClusterProvisioned", "ray-operator", "kuberay-operator",
    ]
}
