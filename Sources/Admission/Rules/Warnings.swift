import JSON
import RayAPI

/// Warnings: accepted, but probably not what the user meant. Each is at most `maxLength`
/// characters (kubectl prints them one per line) and they come in a fixed order: replica
/// clamping (list order), the deprecated annotation, KubeRay's autoscaler-v1 restartPolicy
/// warning, rayVersion vs the head image, pod hostnames.
enum Warnings {
    static let maxLength = 120
    /// Kubernetes cuts a pod's hostname (derived from its name) to this many characters.
    static let hostnameLength = 63

    static func collect(_ facts: ClusterFacts, into warnings: inout [String]) {
        clampedReplicas(facts, into: &warnings)
        if facts.annotations.value(for: GcsFaultToleranceRules.ftEnabledAnnotation) != nil {
            warnings.append(fit("annotation ray.io/ft-enabled is deprecated; use spec.gcsFaultToleranceOptions instead"))
        }
        let v1Groups = AutoscalerRules.v1RestartPolicyGroups(facts)
        if !v1Groups.isEmpty { warnings.append(v1RestartPolicy(v1Groups)) }
        if let w = rayVersionMismatch(facts) { warnings.append(w) }
        hostnames(facts, into: &warnings)
    }

    /// KubeRay runs `clamp(replicas, minReplicas, maxReplicas)` pods per group.
    private static func clampedReplicas(_ facts: ClusterFacts, into warnings: inout [String]) {
        for w in facts.workers where w.minReplicas >= 0 && w.minReplicas <= w.maxReplicas {
            let replicas = w.replicas ?? 0
            if replicas < w.minReplicas {
                warnings.append(fit("\(groupLabel(w)): replicas \(replicas) is below minReplicas \(w.minReplicas) and will be clamped to \(w.minReplicas)"))
            } else if replicas > w.maxReplicas {
                warnings.append(fit("\(groupLabel(w)): replicas \(replicas) is above maxReplicas \(w.maxReplicas) and will be clamped to \(w.maxReplicas)"))
            }
        }
    }

    /// KubeRay's V1 event text; group names dropped from the end (with a count) when too long.
    static func v1RestartPolicy(_ names: [String]) -> String {
        func text(_ shown: [String], more: Int) -> String {
            var list = shown.joined(separator: ", ")
            if more > 0 { list += " and \(more) more" }
            return "restartPolicy for worker groups [\(list)] should be Never or unset when using autoscaler V1"
        }
        var shown = names
        while !shown.isEmpty {
            let candidate = text(shown, more: names.count &- shown.count)
            if candidate.count <= maxLength { return fit(candidate) }
            shown.removeLast()
        }
        return fit("restartPolicy for \(names.count) worker groups should be Never or unset when using autoscaler V1")
    }

    /// `spec.rayVersion` against the plain Ray version of the head Ray container's image tag.
    private static func rayVersionMismatch(_ facts: ClusterFacts) -> String? {
        guard !facts.rayVersion.isEmpty, let image = facts.head.template.rayContainer?.image else { return nil }
        // Fast path for the usual case, without allocating: the tag starts with rayVersion
        // followed by the end or a variant suffix (`:2.46.0`, `:2.46.0-py310-gpu`).
        if tag(of: image, startsWithVersion: facts.rayVersion) { return nil }
        guard let imageVersion = RayImageVersion.rayVersion(ofImage: image) else { return nil }
        if case .success(let declared) = RayVersionGate.parse(facts.rayVersion),
           case .success(let tagged) = RayVersionGate.parse(imageVersion),
           declared.compare(tagged) == 0
        {
            return nil
        }
        let full = "spec.rayVersion \(facts.rayVersion) differs from the Ray version \(imageVersion) of the head image \(image)"
        if full.count <= maxLength { return fit(full) }
        return fit("spec.rayVersion \(facts.rayVersion) differs from the Ray version \(imageVersion) of the head container image")
    }

    private static func tag(of image: String, startsWithVersion version: String) -> Bool {
        let bytes = image.utf8
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return false }
        var rest = bytes[bytes.index(after: colon)...]
        for b in version.utf8 {
            guard let first = rest.first, first == b else { return false }
            rest = rest.dropFirst()
        }
        return rest.isEmpty || rest.first == UInt8(ascii: "-")
    }

    /// Pod names longer than a hostname: Kubernetes truncates the pod's hostname to 63 characters
    /// (KubeRay accepts cluster names up to 53, so this is a warning, not an error). Lengths are
    /// computed, not the names built: `<cluster>-<group>-<type>-<index>` (RayNaming.podName).
    private static func hostnames(_ facts: ClusterFacts, into warnings: inout [String]) {
        guard let cluster = facts.name, !cluster.isEmpty else { return }
        let clusterLength = cluster.utf8.count
        let head = podNameLength(clusterLength, RayNaming.defaultHeadGroupName.utf8.count, .head, index: 0)
        if head > hostnameLength {
            warnings.append(fit("the head pod name is \(head) characters; Kubernetes cuts pod hostnames to \(hostnameLength)"))
        }
        for w in facts.workers where w.groupNamePresent {
            let length = podNameLength(clusterLength, w.groupName.utf8.count, .worker, index: PodNameRules.highestIndex(w))
            if length > hostnameLength {
                warnings.append(fit("\(groupLabel(w)): pod names reach \(length) characters; Kubernetes cuts pod hostnames to \(hostnameLength)"))
            }
        }
    }

    static func podNameLength(_ cluster: Int, _ group: Int, _ type: RayNodeType, index: Int) -> Int {
        var digits = 1
        var rest = index
        while rest >= 10 {
            rest /= 10
            digits &+= 1
        }
        return cluster &+ 1 &+ group &+ 1 &+ type.rawValue.utf8.count &+ 1 &+ digits
    }

    /// "worker group <name>", or its path when the name would crowd out the message.
    static func groupLabel(_ w: WorkerGroupFacts) -> String {
        if w.groupName.count <= 40 && !w.groupName.isEmpty { return "worker group \(w.groupName)" }
        return w.path
    }

    /// Every warning goes through here: user text (names, images) may hold control characters,
    /// which must not reach an HTTP `Warning` header, so they become "?"; then the length promise,
    /// kept as a last resort by cutting and marking with "...".
    static func fit(_ text: String) -> String {
        var clean = text
        if text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            clean = String(String.UnicodeScalarView(text.unicodeScalars.map {
                $0.value < 0x20 || $0.value == 0x7F ? "?" : $0
            }))
        }
        guard clean.count > maxLength else { return clean }
        return String(clean.prefix(maxLength &- 3)) + "..."
    }
}
