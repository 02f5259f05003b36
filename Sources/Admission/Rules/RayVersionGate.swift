import JSON

/// `spec.rayVersion` as KubeRay reads it for its version gates: apimachinery's
/// `version.ParseGeneric` (leading spaces and a `v` allowed, at least two dot-separated decimal
/// components, anything after the numbers ignored), compared component by component.
/// Error texts are apimachinery's, since KubeRay embeds them in its messages (S16, S56).
struct RayVersionGate: Equatable {
    var components: [UInt64]

    /// Parses like `version.ParseGeneric`; the error is apimachinery's message.
    static func parse(_ text: String) -> Result<RayVersionGate, RayVersionParseError> {
        var bytes = Substring(text).utf8[...]
        // `^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)*$`
        while let b = bytes.first, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C || b == 0x0B {
            bytes = bytes.dropFirst()
        }
        if bytes.first == UInt8(ascii: "v") { bytes = bytes.dropFirst() }
        var parts: [Substring.UTF8View.SubSequence] = []
        var rest = bytes
        while true {
            let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            if digits.isEmpty {
                if parts.isEmpty { return .failure(RayVersionParseError("could not parse \(GoRendering.quote(text)) as version")) }
                // The regex backtracks: a trailing "." without digits belongs to the ignored tail.
                break
            }
            parts.append(digits)
            rest = rest.dropFirst(digits.count)
            guard rest.first == UInt8(ascii: "."), rest.dropFirst().first.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true else { break }
            rest = rest.dropFirst()
        }
        guard parts.count >= 2 else {
            return .failure(RayVersionParseError("illegal version string \(GoRendering.quote(text))"))
        }
        var components: [UInt64] = []
        components.reserveCapacity(parts.count)
        for (i, part) in parts.enumerated() {
            let comp = String(decoding: part, as: UTF8.self)
            if i == 0, part.count > 1, part.first == UInt8(ascii: "0") {
                return .failure(RayVersionParseError("illegal zero-prefixed version component \(GoRendering.quote(comp)) in \(GoRendering.quote(text))"))
            }
            guard let n = UInt64(comp) else {
                return .failure(RayVersionParseError(
                    "illegal non-numeric version component \(GoRendering.quote(comp)) in \(GoRendering.quote(text)): strconv.ParseUint: parsing \(GoRendering.quote(comp)): value out of range"))
            }
            components.append(n)
        }
        return .success(RayVersionGate(components: components))
    }

    /// apimachinery's comparison: shared components first, then any extra non-zero one wins.
    func isAtLeast(_ other: RayVersionGate) -> Bool { compare(other) >= 0 }

    func compare(_ other: RayVersionGate) -> Int {
        let n = max(components.count, other.components.count)
        for i in 0..<n {
            let a = i < components.count ? components[i] : 0
            let b = i < other.components.count ? other.components[i] : 0
            if a != b { return a < b ? -1 : 1 }
        }
        return 0
    }

    static let priorityMinimum = RayVersionGate(components: [2, 56, 0])
    static let tokenAuthMinimum = RayVersionGate(components: [2, 52, 0])
    static let k8sTokenAuthMinimum = RayVersionGate(components: [2, 55, 0])
}

struct RayVersionParseError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
