import JSON

/// Reads the Ray version out of a container image reference, when the image is an official Ray
/// image whose tag is a plain release version. The defaulter persists `spec.rayVersion` from it.
///
/// "Plain" is deliberately narrow, because a persisted default must be what the system would
/// assume anyway:
/// - the repository's last path segment is `ray`, `ray-ml` or `ray-llm` (any registry or
///   organisation prefix: mirrors keep the name), so a custom image whose tag happens to look like
///   a version is not taken for Ray;
/// - the tag is `MAJOR.MINOR.PATCH` (decimal, no leading zeros), optionally followed by the
///   variant suffixes Ray publishes: `-py39`…`-py313`, `-cpu`, `-gpu`, `-cu118`…, `-aarch64`,
///   `-extra`, `-tpu` (`2.9.0-py310-gpu` → `2.9.0`);
/// - no digest (`@sha256:…`: the tag is then only informational), not `latest`/`nightly`, no
///   release candidates or commit builds (`2.9.0rc1`, `2.9.0.abc123`), no unknown suffix.
/// Anything else yields nil and nothing is defaulted.
package enum RayImageVersion {
    /// Repository names of the official Ray images.
    package static let rayRepositories: Set<String> = ["ray", "ray-ml", "ray-llm"]
    /// Longest numeric component we read (a version component is never this long in practice).
    package static let maxComponentDigits = 6
    /// Longest image reference we look at (Kubernetes has no limit; we do not need one longer).
    package static let maxImageLength = 1024

    /// The plain Ray version of `image`, or nil.
    package static func rayVersion(ofImage image: String) -> String? {
        guard image.utf8.count <= maxImageLength, !image.contains("@") else { return nil }
        // The last path segment holds name[:tag]; a registry port (`host:5000/…`) lives in an
        // earlier segment, so splitting the last one on ':' is safe.
        let lastSegment = image.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        let nameAndTag = lastSegment.split(separator: ":", omittingEmptySubsequences: false)
        guard nameAndTag.count == 2, rayRepositories.contains(String(nameAndTag[0])) else { return nil }
        return plainVersion(ofTag: nameAndTag[1])
    }

    /// `2.9.0` for `2.9.0`, `2.9.0-py310-gpu`…; nil for anything else.
    package static func plainVersion(ofTag tag: Substring) -> String? {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let version = parts.first else { return nil }
        let numbers = version.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(isDecimal) else { return nil }
        for suffix in parts.dropFirst() where !isVariant(suffix) { return nil }
        return String(version)
    }

    private static func isDecimal(_ text: Substring) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= maxComponentDigits else { return false }
        guard bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        return bytes.count == 1 || bytes.first != UInt8(ascii: "0")
    }

    /// The image variant suffixes Ray's release images carry.
    private static func isVariant(_ token: Substring) -> Bool {
        switch token {
        case "cpu", "gpu", "aarch64", "extra", "tpu": return true
        default: break
        }
        for prefix in ["py", "cu"] where token.hasPrefix(prefix) {
            let digits = token.dropFirst(2)
            return digits.utf8.count >= 2 && digits.utf8.count <= 4
                && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        return false
    }
}
