// crd-gen: writes the RayCluster CustomResourceDefinition (config/crd/bases/ray.io_rayclusters.yaml)
// from the RayAPI schema description and the pinned Kubernetes OpenAPI definitions.
//
//   swift run crd-gen > config/crd/bases/ray.io_rayclusters.yaml
//   swift run crd-gen --check config/crd/bases/ray.io_rayclusters.yaml   (exit 1 when stale)
//   options: --definitions FILE (default hack/k8s-openapi/definitions-v1.36.0.json under the
//            current directory), --kubernetes-descriptions (keep Kubernetes' field descriptions;
//            off by default to keep the CRD well under etcd's object size limit)
import Foundation
import JSON
import RayAPI

let defaultDefinitions = "hack/k8s-openapi/definitions-v1.36.0.json"
/// The pinned definitions file is about 260 KB; a file far bigger is not the one we pinned.
let maxDefinitionsBytes = 16 << 20

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("crd-gen: \(message)\n".utf8))
    exit(code)
}

var definitionsPath = defaultDefinitions
var checkPath: String?
var options = KubernetesDefinitions.Options(kubernetesDescriptions: false)
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--definitions":
        guard let value = arguments.popFirst() else { fail("--definitions needs a file") }
        definitionsPath = value
    case "--check":
        guard let value = arguments.popFirst() else { fail("--check needs a file") }
        checkPath = value
    case "--kubernetes-descriptions":
        options.kubernetesDescriptions = true
    case "-h", "--help":
        print("usage: crd-gen [--definitions FILE] [--kubernetes-descriptions] [--check CRD_FILE]")
        exit(0)
    default:
        fail("unknown argument \(argument)")
    }
}

guard let data = FileManager.default.contents(atPath: definitionsPath) else {
    fail("cannot read \(definitionsPath) (run from the repository root, or pass --definitions)")
}
guard data.count <= maxDefinitionsBytes else { fail("\(definitionsPath) is larger than \(maxDefinitionsBytes) bytes") }

let text: String
do {
    let document = try JSONValue.parse([UInt8](data))
    let kubernetes = try KubernetesDefinitions(document: document)
    let crd = try CRDDocument.build(renderer: SchemaRenderer(kubernetes: kubernetes, options: options))
    text = "---\n" + Manifest.yaml(crd)
} catch let error as JSONParseError {
    fail("\(definitionsPath): \(error)")
} catch {
    fail("\(error)")
}

if let checkPath {
    guard let committed = FileManager.default.contents(atPath: checkPath) else { fail("cannot read \(checkPath)") }
    if committed != Data(text.utf8) {
        fail("\(checkPath) is stale: regenerate it with `swift run crd-gen > \(checkPath)`", code: 1)
    }
    print("\(checkPath) is up to date (\(committed.count) bytes)")
} else {
    FileHandle.standardOutput.write(Data(text.utf8))
}
