// The `ray start` command of a Ray container, built from `rayStartParams` as KubeRay builds it.
//
// Parameters, in the order they are decided (a key the user wrote is never overridden except
// `block`, which `ray start` must have for the container to stay up):
// 1. the group's `resources` map: `cpu` → num-cpus (rounded up), `memory` → memory (bytes),
//    GPU-like keys → num-gpus, any other key → `resources='{"key":value,…}'`;
// 2. the group's `labels` map → `labels=k1=v1,k2=v2` (keys sorted);
// 3. defaults: head `dashboard-host=0.0.0.0`, worker `address=<head FQDN>:<port>`,
//    `metrics-export-port=8080`, `block=true` (forced), `dashboard-agent-listen-port=52365`, head
//    `no-monitor=true` under in-tree autoscaling (the autoscaler sidecar monitors instead);
// 4. from the Ray container's resources when still absent: num-cpus (CPU limit, else request,
//    rounded up), memory (memory limit), num-gpus (first GPU-like limit, keys sorted), and
//    well-known accelerators merged into `resources` (`aws.amazon.com/neuroncore` →
//    `neuron_cores`, `google.com/tpu` → `TPU`) unless one is already there.
// Rendering: `ray start --head` or `ray start`, then every key sorted, each as ` --key=value `
// (spaces on both sides, hence the double spaces KubeRay's commands show); a value equal to
// `true` (any case) renders ` --key `, `false` drops the flag, except for `log-color`,
// `include-dashboard` and `include-log-monitor`, which always render `--key=value`.
import JSON
import RayAPI

/// KubeRay's `ray start` parameters and their rendering.
package enum RayStartCommand {
    /// Port of the metrics exporter, on the Ray container and the head Service.
    package static let defaultMetricsPort: Int64 = 8080
    /// Port of the dashboard agent, which the probes ask.
    package static let defaultDashboardAgentPort: Int64 = 52365
    /// Port of the dashboard on the head.
    package static let defaultDashboardPort: Int64 = 8265
    /// Keys rendered `--key=value` even when the value is true or false.
    package static let alwaysKeyValue: Set<String> = ["log-color", "include-dashboard", "include-log-monitor"]

    /// `ray start …` for the given parameters (already completed).
    package static func render(type: RayNodeType, params: [String: String]) -> String {
        var command = type == .head ? "ray start --head " : "ray start "
        for key in params.keys.sorted() {
            guard let value = params[key] else { continue }
            let normalized = value.trimmingSpaces.lowercased()
            if normalized == "true" && !alwaysKeyValue.contains(key) {
                command += " --\(key) "
            } else if normalized == "false" && !alwaysKeyValue.contains(key) {
                continue
            } else {
                command += " --\(key)=\(value) "
            }
        }
        return command
    }

    /// The completed parameters of a head or worker of `facts`' cluster.
    static func params(type: RayNodeType, userParams: [String: String]?, groupResources: [String: String]?,
                       groupLabels: [String: String]?, rayContainer: Container?, facts: ClusterFacts) -> [String: String] {
        var params = userParams ?? [:]
        if let groupResources, !groupResources.isEmpty { applyGroupResources(groupResources, to: &params) }
        if let groupLabels, !groupLabels.isEmpty {
            params["labels"] = groupLabels.keys.sorted().compactMap { key in groupLabels[key].map { "\(key)=\($0)" } }.joined(separator: ",")
        }
        switch type {
        case .head:
            if params["dashboard-host"] == nil { params["dashboard-host"] = "0.0.0.0" }
            if facts.autoscaling { params["no-monitor"] = "true" }
        default:
            if params["address"] == nil { params["address"] = "\(facts.headFQDN):\(facts.headPort)" }
        }
        if params["metrics-export-port"] == nil { params["metrics-export-port"] = String(defaultMetricsPort) }
        params["block"] = "true"
        if params["dashboard-agent-listen-port"] == nil { params["dashboard-agent-listen-port"] = String(defaultDashboardAgentPort) }
        applyContainerResources(rayContainer?.resources, to: &params)
        return params
    }

    // MARK: Resources

    /// Whether a resource name counts as a GPU: it ends in `gpu` (`nvidia.com/gpu`, `amd.com/gpu`)
    /// or is an NVIDIA MIG slice (`nvidia.com/mig-1g.5gb`).
    static func isGPUResource(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix("gpu") || isMIGResource(lower)
    }

    /// `nvidia.com/mig-<digits>g.<digits>gb`.
    private static func isMIGResource(_ name: String) -> Bool {
        let prefix = "nvidia.com/mig-"
        guard name.hasPrefix(prefix), name.hasSuffix("gb") else { return false }
        let middle = Array(name.utf8.dropFirst(prefix.utf8.count).dropLast(2))
        guard let g = middle.firstIndex(of: UInt8(ascii: "g")), g > 0, g &+ 2 < middle.count,
              middle[g &+ 1] == UInt8(ascii: ".") else { return false }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        return middle[..<g].allSatisfy(isDigit) && middle[(g &+ 2)...].allSatisfy(isDigit)
    }

    /// Well-known accelerators and their Ray resource names, in the order they are looked for.
    static let acceleratorResources: [(kubernetes: String, ray: String)] = [
        ("aws.amazon.com/neuroncore", "neuron_cores"),
        ("google.com/tpu", "TPU"),
    ]

    private static func applyGroupResources(_ resources: [String: String], to params: inout [String: String]) {
        var custom: [(String, JSONValue)] = []
        for name in resources.keys.sorted() {
            guard let text = resources[name], let quantity = try? Quantity(parsing: text) else { continue }
            let lower = name.lowercased()
            if lower == "cpu" {
                if let value = quantity.value { params["num-cpus"] = String(value) }
            } else if lower == "memory" {
                if let value = quantity.value { params["memory"] = String(value) }
            } else if isGPUResource(lower) {
                if let value = quantity.value { params["num-gpus"] = String(value) }
            } else if let milli = quantity.milliValue {
                custom.append((name, .number(decimalText(milli: milli))))
            }
        }
        if !custom.isEmpty { params["resources"] = quotedResources(JSONObject(custom)) }
    }

    private static func applyContainerResources(_ resources: ResourceRequirements?, to params: inout [String: String]) {
        let limits = resources?.limits ?? [:]
        let requests = resources?.requests ?? [:]
        func nonZero(_ text: String?) -> Quantity? {
            guard let text, let quantity = try? Quantity(parsing: text), !quantity.isZero else { return nil }
            return quantity
        }
        if params["num-cpus"] == nil, let cpu = nonZero(limits["cpu"]) ?? nonZero(requests["cpu"]), let value = cpu.value {
            params["num-cpus"] = String(value)
        }
        if params["memory"] == nil, let memory = nonZero(limits["memory"]), let value = memory.value {
            params["memory"] = String(value)
        }
        if params["num-gpus"] == nil {
            for name in limits.keys.sorted() where isGPUResource(name) {
                if let gpu = nonZero(limits[name]), let value = gpu.value {
                    params["num-gpus"] = String(value)
                    break
                }
            }
        }
        // Accelerators: merged into the `resources` JSON unless one is already named there.
        guard let found = acceleratorResources.first(where: { nonZero(limits[$0.kubernetes]) != nil }),
              let quantity = nonZero(limits[found.kubernetes]), let value = quantity.value else { return }
        var map = JSONObject()
        if let existing = params["resources"] {
            guard let parsed = parseResources(existing) else { return }  // not JSON: left as the user wrote it
            map = parsed
        }
        if acceleratorResources.contains(where: { map[$0.ray] != nil }) { return }
        map[found.ray] = .integer(value)
        params["resources"] = quotedResources(map)
    }

    /// The `resources` parameter as a JSON object: the text with surrounding single, then double,
    /// quotes removed; nil when it is not a JSON object of numbers.
    static func parseResources(_ text: String) -> JSONObject? {
        let unquoted = text.trimming(UInt8(ascii: "'")).trimming(UInt8(ascii: "\""))
        guard let parsed = try? JSONValue.parse(unquoted), case .object(let object) = parsed,
              object.allSatisfy({ $0.value.doubleValue != nil }) else { return nil }
        return object
    }

    /// `'{"a":1,"b":0.5}'`: keys sorted, integral numbers without a fraction (as Go's encoder
    /// writes a float64 map), in single quotes for the shell.
    static func quotedResources(_ map: JSONObject) -> String {
        var members: [(String, JSONValue)] = []
        for key in map.keys.sorted() {
            guard let value = map[key] else { continue }
            if let double = value.doubleValue, double == double.rounded(), abs(double) < 1e15, let integer = Int64(exactly: double) {
                members.append((key, .integer(integer)))
            } else {
                members.append((key, value))
            }
        }
        return "'\(JSONValue.object(JSONObject(members)).jsonString)'"
    }

    /// A thousandths count as a decimal number: 1500 → "1.5", 2000 → "2", 1 → "0.001".
    static func decimalText(milli: Int64) -> String {
        let sign = milli < 0 ? "-" : ""
        let magnitude = milli.magnitude
        let whole = magnitude / 1000
        let fraction = magnitude % 1000
        guard fraction != 0 else { return sign + String(whole) }
        var digits = String(fraction)
        while digits.utf8.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(whole).\(digits)"
    }
}

extension String {
    /// Without leading and trailing ASCII spaces.
    var trimmingSpaces: String { trimming(UInt8(ascii: " ")) }

    /// Without leading and trailing copies of `byte`.
    func trimming(_ byte: UInt8) -> String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { $0 != byte }), let last = bytes.lastIndex(where: { $0 != byte }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
