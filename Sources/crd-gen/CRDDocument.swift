import JSON
import RayAPI

/// The whole CustomResourceDefinition object, in the key order kubectl and controller-gen print.
enum CRDDocument {
    static func build(renderer: SchemaRenderer) throws(GeneratorError) -> JSONValue {
        var versions: [JSONValue] = []
        for version in RayClusterCRD.versions {
            var entry = JSONObject()
            entry["additionalPrinterColumns"] = .array(version.printerColumns.map(printerColumn))
            if let warning = version.deprecationWarning {
                entry["deprecated"] = true
                entry["deprecationWarning"] = .string(warning)
            }
            entry["name"] = .string(version.name)
            entry["schema"] = ["openAPIV3Schema": try renderer.render(version.schema)]
            entry["served"] = .bool(version.served)
            entry["storage"] = .bool(version.storage)
            entry["subresources"] = ["status": .object(JSONObject())]
            versions.append(.object(entry))
        }
        let source = renderer.kubernetes
        return [
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": [
                "annotations": [
                    "ray.io/generated-by": "crd-gen (swift run crd-gen); do not edit by hand",
                    "ray.io/kubernetes-schemas": .string("Kubernetes \(source.kubernetesVersion) (\(source.source))"),
                ],
                "name": .string(RayClusterCRD.name),
            ],
            "spec": [
                "group": .string(RayClusterCRD.group),
                "names": [
                    "categories": .array(RayClusterCRD.categories.map { .string($0) }),
                    "kind": .string(RayClusterCRD.kind),
                    "listKind": .string(RayClusterCRD.listKind),
                    "plural": .string(RayClusterCRD.plural),
                    "singular": .string(RayClusterCRD.singular),
                ],
                "scope": .string(RayClusterCRD.scope),
                "versions": .array(versions),
            ],
        ]
    }

    static func printerColumn(_ column: CRDPrinterColumn) -> JSONValue {
        var object = JSONObject()
        object["jsonPath"] = .string(column.jsonPath)
        object["name"] = .string(column.name)
        if column.priority != 0 { object["priority"] = .integer(Int64(column.priority)) }
        object["type"] = .string(column.type)
        return .object(object)
    }
}
