// Liveness and readiness probes of the Ray container, added only where the user left them out.
//
// Ray 2.53.0 and later answer `GET /api/healthz` on the dashboard agent's port: an HTTP probe.
// Older Ray (or an unknown `rayVersion`) is probed by a shell calling the agent's raylet health
// endpoint, and on the head also the dashboard's GCS health endpoint. Timings are KubeRay's: a
// Ray node may take a while to start (liveness allows 120 failures 5 s apart), and readiness
// answers within a minute.
import JSON
import RayAPI

enum RayProbes {
    /// First Ray version whose dashboard agent serves `/api/healthz`.
    static let httpProbeMinimumVersion = (major: 2, minor: 53, patch: 0)

    /// `(liveness, readiness)` for a Ray container of `type`.
    static func probes(type: RayNodeType, params: [String: String], rayVersion: String?) -> (liveness: JSONValue, readiness: JSONValue) {
        let agentPort = port(params["dashboard-agent-listen-port"]) ?? RayStartCommand.defaultDashboardAgentPort
        let timeout: Int64 = type == .head ? 5 : 2
        let handler: (String, JSONValue)
        if versionAtLeast(rayVersion, httpProbeMinimumVersion) {
            handler = ("httpGet", .object(JSONObject([("path", "/api/healthz"), ("port", .integer(agentPort))])))
        } else {
            var script = "wget --tries 1 -T 2 -q -O- http://localhost:\(agentPort)/api/local_raylet_healthz | grep success"
            if type == .head {
                let dashboardPort = port(params["dashboard-port"]) ?? RayStartCommand.defaultDashboardPort
                script += " && wget --tries 1 -T 10 -q -O- http://localhost:\(dashboardPort)/api/gcs_healthz | grep success"
            }
            handler = ("exec", .object(JSONObject([("command", .array(["bash", "-c", .string(script)]))])))
        }
        func probe(initialDelay: Int64, failures: Int64) -> JSONValue {
            .object(JSONObject([
                handler,
                ("initialDelaySeconds", .integer(initialDelay)),
                ("timeoutSeconds", .integer(timeout)),
                ("periodSeconds", 5),
                ("successThreshold", 1),
                ("failureThreshold", .integer(failures)),
            ]))
        }
        return (probe(initialDelay: 30, failures: 120), probe(initialDelay: 10, failures: 10))
    }

    /// A port number parameter (1–65535), nil otherwise.
    private static func port(_ text: String?) -> Int64? {
        guard let text, let value = Int64(text.trimmingSpaces), value > 0, value <= 65535 else { return nil }
        return value
    }

    /// Whether `version` (`2.53.0`, `2.53.0rc1`, `v2.54`) is at least `minimum`; false when it is
    /// absent or does not start with a number.
    static func versionAtLeast(_ version: String?, _ minimum: (major: Int, minor: Int, patch: Int)) -> Bool {
        guard var text = version?.trimmingSpaces, !text.isEmpty else { return false }
        if text.hasPrefix("v") { text.removeFirst() }
        var parts: [Int] = []
        for component in text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false) {
            let digits = component.utf8.prefix { $0 >= 0x30 && $0 <= 0x39 }
            guard !digits.isEmpty, digits.count <= 9, let number = Int(String(decoding: digits, as: UTF8.self)) else { break }
            parts.append(number)
            if digits.count != component.utf8.count { break }
        }
        guard let major = parts.first else { return false }
        let found = (major, parts.count > 1 ? parts[1] : 0, parts.count > 2 ? parts[2] : 0)
        return found >= (minimum.major, minimum.minor, minimum.patch)
    }
}
