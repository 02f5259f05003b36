import Conversion
import JSON
import RayAPI

/// The verdict on one document.
package struct ManifestVerdict: Sendable, Equatable {
    package enum Result: String, Sendable {
        case valid, invalid, skipped
        /// The input could not be read or a document is not a Kubernetes object (exit code 2).
        case error
    }

    package var source: String
    /// 1-based document index within the source; 0 when the whole source failed.
    package var document: Int
    package var apiVersion: String?
    package var kind: String?
    package var name: String?
    package var namespace: String?
    package var result: Result
    package var errors: [FieldError]
    package var warnings: [String]
    /// `ray.io/v1alpha1` when the object was converted to v1 before it was judged.
    package var convertedFrom: String?
    /// Why it was skipped or could not be read.
    package var message: String?

    package init(source: String, document: Int, apiVersion: String? = nil, kind: String? = nil, name: String? = nil,
                namespace: String? = nil, result: Result, errors: [FieldError] = [], warnings: [String] = [],
                convertedFrom: String? = nil, message: String? = nil) {
        self.source = source
        self.document = document
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.result = result
        self.errors = errors
        self.warnings = warnings
        self.convertedFrom = convertedFrom
        self.message = message
    }

    /// kubectl's resource reference: `raycluster.ray.io/name`, `configmap/name`, `deployment.apps/name`.
    package var reference: String {
        let lowerKind = (kind ?? "unknown").lowercased()
        let group: String
        if let apiVersion, let slash = apiVersion.firstIndex(of: "/") {
            group = "." + apiVersion[..<slash]
        } else {
            group = ""
        }
        return "\(lowerKind)\(group)/\(name ?? "")"
    }
}

/// Everything `validate` found, and how to print it.
package struct ManifestValidationReport: Sendable, Equatable {
    package var verdicts: [ManifestVerdict]

    package init(verdicts: [ManifestVerdict]) { self.verdicts = verdicts }

    /// 2 when any input could not be read (or there was nothing to validate), else 1 when any
    /// RayCluster is invalid, else 0.
    package var exitCode: Int32 {
        if verdicts.isEmpty || verdicts.contains(where: { $0.result == .error }) { return 2 }
        if verdicts.contains(where: { $0.result == .invalid }) { return 1 }
        return 0
    }

    package func count(_ result: ManifestVerdict.Result) -> Int { verdicts.filter { $0.result == result }.count }

    /// kubectl-style text: results and warnings for stdout, `error:` lines for stderr.
    package func text() -> (stdout: String, stderr: String) {
        var out = ""
        var err = ""
        if verdicts.isEmpty { err += "error: no objects passed to validate\n" }
        for verdict in verdicts {
            for warning in verdict.warnings { out += "Warning: \(warning)\n" }
            switch verdict.result {
            case .valid:
                out += "\(verdict.reference) valid"
                if let from = verdict.convertedFrom { out += " (converted from \(from))" }
                out += "\n"
            case .invalid:
                // kubectl's rendering of a 422 Invalid Status (cmdutil.MultilineError).
                if let from = verdict.convertedFrom {
                    out += "Note: \(verdict.reference) was converted from \(from) to ray.io/v1; the paths below are ray.io/v1 paths\n"
                }
                let prefix = "The \(verdict.kind ?? "RayCluster") \"\(verdict.name ?? "")\" is invalid: "
                if verdict.errors.count == 1 {
                    out += prefix + verdict.errors[0].message + "\n"
                } else {
                    out += prefix + "\n"
                    for error in verdict.errors { out += "* \(error.message)\n" }
                }
            case .skipped:
                out += "\(verdict.reference) skipped: \(verdict.message ?? "not a RayCluster")\n"
            case .error:
                err += "error: \(verdict.message ?? "unreadable input")\n"
            }
        }
        return (out, err)
    }

    /// The report for machines: `{"results":[…],"summary":{…},"exitCode":N}`.
    package func json() -> JSONValue {
        var results: [JSONValue] = []
        for verdict in verdicts {
            var object = JSONObject()
            object["source"] = .string(verdict.source)
            object["document"] = .integer(Int64(truncatingIfNeeded: verdict.document))
            if let apiVersion = verdict.apiVersion { object["apiVersion"] = .string(apiVersion) }
            if let kind = verdict.kind { object["kind"] = .string(kind) }
            if let name = verdict.name { object["name"] = .string(name) }
            if let namespace = verdict.namespace { object["namespace"] = .string(namespace) }
            object["result"] = .string(verdict.result.rawValue)
            if let from = verdict.convertedFrom { object["convertedFrom"] = .string(from) }
            if let message = verdict.message { object["message"] = .string(message) }
            if verdict.result == .invalid, let name = verdict.name {
                object["status"] = InvalidStatus.status(name: name, errors: verdict.errors)
            }
            object["errors"] = .array(verdict.errors.map { error in
                ["field": .string(error.field), "reason": .string(error.kind.rawValue), "message": .string(error.message)]
            })
            object["warnings"] = .array(verdict.warnings.map { .string($0) })
            results.append(.object(object))
        }
        var summary = JSONObject()
        for result in [ManifestVerdict.Result.valid, .invalid, .skipped, .error] {
            summary[result.rawValue] = .integer(Int64(truncatingIfNeeded: count(result)))
        }
        return ["results": .array(results), "summary": .object(summary), "exitCode": .integer(Int64(exitCode))]
    }
}

/// `ray-operator validate`: every RayCluster document of every source judged by exactly the
/// webhook's rules (`RayClusterValidator`), `ray.io/v1alpha1` ones after conversion to v1.
package enum ManifestValidation {
    package static func validate(_ sources: [ManifestSource], gates: FeatureGates = FeatureGates()) -> ManifestValidationReport {
        var verdicts: [ManifestVerdict] = []
        for source in sources {
            let documents: [JSONValue]
            switch source.content {
            case .failure(let error):
                verdicts.append(ManifestVerdict(source: source.name, document: 0, result: .error, message: error.message))
                continue
            case .success(let bytes):
                do {
                    documents = try Manifest.decode(bytes, source: source.name)
                } catch {
                    verdicts.append(ManifestVerdict(source: source.name, document: 0, result: .error, message: error.message))
                    continue
                }
            }
            for (index, document) in documents.enumerated() {
                verdicts.append(judge(document, source: source.name, index: index &+ 1, gates: gates))
            }
        }
        return ManifestValidationReport(verdicts: verdicts)
    }

    /// The verdict on one decoded document.
    package static func judge(_ document: JSONValue, source: String, index: Int, gates: FeatureGates) -> ManifestVerdict {
        guard case .object = document else {
            return ManifestVerdict(source: source, document: index, result: .error,
                                   message: "\(source): document \(index) is a JSON \(document.typeName), not a Kubernetes object")
        }
        let apiVersion = document["apiVersion"]?.stringValue
        let kind = document["kind"]?.stringValue
        var verdict = ManifestVerdict(source: source, document: index, apiVersion: apiVersion, kind: kind,
                                      name: document["metadata"]?["name"]?.stringValue,
                                      namespace: document["metadata"]?["namespace"]?.stringValue, result: .valid)
        guard let kind, !kind.isEmpty else {
            verdict.result = .error
            verdict.message = "\(source): document \(index): Object 'Kind' is missing"
            return verdict
        }
        guard let apiVersion, !apiVersion.isEmpty else {
            verdict.result = .error
            verdict.message = "\(source): document \(index): Object 'apiVersion' is missing"
            return verdict
        }
        let group = apiVersion.split(separator: "/", maxSplits: 1).count == 2 ? String(apiVersion.split(separator: "/")[0]) : ""
        guard kind == "RayCluster", group == "ray.io" else {
            verdict.result = .skipped
            verdict.message = "not a RayCluster (\(apiVersion) \(kind))"
            return verdict
        }
        let object: JSONValue
        switch apiVersion {
        case "ray.io/v1":
            object = document
        case "ray.io/v1alpha1":
            verdict.convertedFrom = apiVersion
            do {
                object = try RayClusterConverter.convert(document, to: "ray.io/v1")
            } catch {
                verdict.result = .invalid
                verdict.errors = [FieldError(.invalid, field: "apiVersion", value: .string(apiVersion),
                                             detail: "cannot convert to ray.io/v1: \(error.message)")]
                return verdict
            }
        default:
            verdict.result = .invalid
            verdict.errors = [FieldError(.notSupported, field: "apiVersion", value: .string(apiVersion),
                                         detail: "supported values: \"ray.io/v1\", \"ray.io/v1alpha1\"")]
            return verdict
        }
        let outcome = RayClusterValidator.validate(object, gates: gates)
        verdict.errors = outcome.errors
        verdict.warnings = outcome.warnings
        verdict.result = outcome.isValid ? .valid : .invalid
        return verdict
    }
}
