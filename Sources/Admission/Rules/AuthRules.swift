import JSON

/// What the auth rules read of `spec.authOptions`.
struct AuthFacts {
    var present = false
    var mode: String?
    var enableK8sTokenAuth = false
    var secretName = ""
}

/// S55–S60: Ray token authentication (`spec.authOptions`) and the Ray versions it needs.
enum AuthRules {
    static func check(_ facts: ClusterFacts, into errors: inout [FieldError]) {
        guard facts.auth.present else { return }
        let path = "spec.authOptions"
        let version = facts.rayVersion
        if facts.auth.mode == "token" {
            var versionTooLowForToken = false
            var parsed: RayVersionGate?
            if version.isEmpty {
                // S55
                errors.append(.required("spec.rayVersion",
                    "authOptions.mode is 'token' but RayVersion was not specified. Ray version 2.52.0 or later is required"))
            } else {
                switch RayVersionGate.parse(version) {
                case .failure(let error):
                    // S56
                    errors.append(.invalid("spec.rayVersion", .string(version),
                        "authOptions.mode is 'token' but RayVersion format is invalid: \(version), \(error.message)"))
                case .success(let v):
                    parsed = v
                    if !v.isAtLeast(.tokenAuthMinimum) {
                        // S57
                        versionTooLowForToken = true
                        errors.append(.invalid("spec.rayVersion", .string(version),
                            "authOptions.mode is 'token' but minimum Ray version is 2.52.0, got \(version)"))
                    }
                }
            }
            if facts.auth.enableK8sTokenAuth {
                // S58 (not repeated when S57 already says the version is too low)
                if let v = parsed, !versionTooLowForToken, !v.isAtLeast(.k8sTokenAuthMinimum) {
                    errors.append(.invalid("spec.rayVersion", .string(version),
                        "authOptions.enableK8sTokenAuth is enabled but minimum Ray version is 2.55.0, got \(version)"))
                }
                // S59
                if !facts.auth.secretName.isEmpty {
                    errors.append(.forbidden(path + ".secretName", "authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set"))
                }
            }
        } else if facts.auth.enableK8sTokenAuth {
            // S60
            errors.append(.forbidden(path + ".enableK8sTokenAuth", "authOptions.enableK8sTokenAuth is enabled but authOptions.mode not set to 'token'"))
        }
    }
}
