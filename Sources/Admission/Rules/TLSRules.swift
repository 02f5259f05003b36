import JSON

/// What the TLS rules read of `spec.tlsOptions`.
struct TLSFacts {
    var present = false
    var enabled = false
}

/// S66–S67: operator-managed mTLS (`spec.tlsOptions`): the gate, and the env variables and
/// volume mounts the operator owns once TLS is on.
enum TLSRules {
    static let managedEnv: Set<String> = ["RAY_USE_TLS", "RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT"]
    static let volumeName = "ray-tls"
    static let mountPath = "/etc/ray/tls"

    static func check(_ facts: ClusterFacts, gates: FeatureGates, into errors: inout [FieldError]) {
        guard facts.tls.present else { return }
        // S66 (even with enabled: false)
        guard gates.isEnabled(.rayClusterMTLS) else {
            errors.append(.forbidden("spec.tlsOptions", "spec.tlsOptions requires the RayClusterMTLS feature gate to be enabled"))
            return
        }
        guard facts.tls.enabled else { return }
        // S67
        if let head = facts.head.template.rayContainer {
            checkContainer(head, path: RulePaths.headRayContainer, place: "head Pod", into: &errors)
        }
        for w in facts.workers {
            if let container = w.common.template.rayContainer {
                checkContainer(container, path: RulePaths.workerRayContainer(w.index),
                               place: "worker group \"\(w.groupName)\"", into: &errors)
            }
        }
        for e in facts.autoscaler.env where managedEnv.contains(e.name) {
            errors.append(.forbidden("spec.autoscalerOptions.env[\(e.index)]",
                "cannot set \(e.name) environment variable in autoscalerOptions.env when tlsOptions is set - the operator manages TLS configuration for the autoscaler automatically"))
        }
        for m in facts.autoscaler.mounts {
            if m.name == volumeName {
                errors.append(.forbidden("spec.autoscalerOptions.volumeMounts[\(m.index)]",
                    "cannot use volume mount named \"ray-tls\" in autoscalerOptions.volumeMounts when tlsOptions is set - the operator manages TLS configuration automatically"))
            } else if m.mountPath == mountPath {
                errors.append(.forbidden("spec.autoscalerOptions.volumeMounts[\(m.index)]",
                    "cannot use volume mount at path \"/etc/ray/tls\" in autoscalerOptions.volumeMounts when tlsOptions is set - the operator manages TLS configuration automatically"))
            }
        }
    }

    private static func checkContainer(_ c: ContainerFacts, path: String, place: String, into errors: inout [FieldError]) {
        for e in c.env where managedEnv.contains(e.name) {
            errors.append(.forbidden(path + ".env[\(e.index)]",
                "cannot set \(e.name) environment variable in \(place) when tlsOptions is set - the operator manages TLS configuration automatically"))
        }
        for m in c.mounts {
            if m.name == volumeName {
                errors.append(.forbidden(path + ".volumeMounts[\(m.index)]",
                    "cannot use volume mount named \"ray-tls\" in \(place) when tlsOptions is set - the operator manages TLS configuration automatically"))
            } else if m.mountPath == mountPath {
                errors.append(.forbidden(path + ".volumeMounts[\(m.index)]",
                    "cannot use volume mount at path \"/etc/ray/tls\" in \(place) when tlsOptions is set - the operator manages TLS configuration automatically"))
            }
        }
    }
}
