// `ray-operator convert` without the I/O: manifests in, text out, exactly the webhook's conversion.
// Like `kubectl convert`: every RayCluster is converted to the output version; objects of other
// kinds are passed through unchanged (so a file with ConfigMaps and Services around its clusters
// stays whole); several objects print as YAML documents separated by `---`, or as one JSON `List`.
import JSON
import RayAPI

/// The result of a `convert` run: what to print and the exit status.
package struct ManifestConversionReport: Sendable, Equatable {
    package var stdout: String
    package var stderr: String
    /// 0 converted; 2 unreadable input, an object that is not convertible, or a usage error.
    package var exitCode: Int32
}

package enum ManifestConversion {
    package enum OutputFormat: String, Sendable, CaseIterable {
        case yaml, json
    }

    /// Converts every RayCluster in `sources` to `outputVersion`; nothing is printed on failure.
    package static func convert(_ sources: [ManifestSource], to outputVersion: String, format: OutputFormat) -> ManifestConversionReport {
        guard RayAPIGroup.servedAPIVersions.contains(outputVersion) else {
            return failure("error: --output-version \(JSONValue.string(outputVersion).jsonString) is not served; expected ray.io/v1 or ray.io/v1alpha1")
        }
        var objects: [JSONValue] = []
        for source in sources {
            let documents: [JSONValue]
            do {
                documents = try Manifest.decode(try source.content.get(), source: source.name)
            } catch {
                return failure("error: \(error)")
            }
            for (index, document) in documents.enumerated() {
                guard case .object = document else {
                    return failure("error: \(source.name): document \(index &+ 1) is a JSON \(document.typeName), not an object")
                }
                guard document["kind"] == .string(RayAPIGroup.kind),
                      let apiVersion = document.string("apiVersion"), apiVersion.hasPrefix(RayAPIGroup.group + "/") else {
                    objects.append(document)  // another kind: passed through unchanged
                    continue
                }
                do {
                    objects.append(try RayClusterConverter.convert(document, to: outputVersion))
                } catch {
                    return failure("error: \(source.name): \(ConversionReview.objectName(document)): \(error.message)")
                }
            }
        }
        return ManifestConversionReport(stdout: render(objects, format: format), stderr: "", exitCode: 0)
    }

    static func render(_ objects: [JSONValue], format: OutputFormat) -> String {
        switch format {
        case .yaml:
            var out = ""
            for (i, object) in objects.enumerated() {
                if i > 0 { out += "---\n" }
                out += Manifest.yaml(object)
            }
            return out
        case .json:
            let value: JSONValue = objects.count == 1
                ? objects[0]
                : .object(JSONObject([("apiVersion", "v1"), ("kind", "List"), ("items", .array(objects)),
                                      ("metadata", .object(JSONObject()))]))
            var out = ""
            PrettyJSON.write(value, indent: 0, into: &out)
            return out + "\n"
        }
    }

    private static func failure(_ message: String) -> ManifestConversionReport {
        ManifestConversionReport(stdout: "", stderr: message + "\n", exitCode: 2)
    }
}

/// Indented JSON as kubectl prints it (4 spaces), keys in document order.
enum PrettyJSON {
    static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out += "[\n"
            for (i, element) in elements.enumerated() {
                pad(indent &+ 4, &out)
                write(element, indent: indent &+ 4, into: &out)
                out += i &+ 1 < elements.count ? ",\n" : "\n"
            }
            pad(indent, &out)
            out += "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (i, member) in object.members.enumerated() {
                pad(indent &+ 4, &out)
                out += JSONValue.string(member.key).jsonString
                out += ": "
                write(member.value, indent: indent &+ 4, into: &out)
                out += i &+ 1 < object.count ? ",\n" : "\n"
            }
            pad(indent, &out)
            out += "}"
        default:
            out += value.jsonString
        }
    }

    private static func pad(_ n: Int, _ out: inout String) {
        out += String(repeating: " ", count: n)
    }
}
