// The declarative description of the RayCluster CRD: names, versions,
// printer columns, and the OpenAPI schema of OUR fields (CRDSchemaV1.swift, CRDSchemaV1Alpha1.swift).
// The `crd-gen` executable turns it into config/crd/bases/ray.io_rayclusters.yaml, expanding the
// embedded Kubernetes types (`.kubernetes("io.k8s.api.core.v1.PodTemplateSpec")`) from Kubernetes'
// published OpenAPI definitions for a pinned version (hack/k8s-openapi/). Facts only: no I/O here.
import JSON

/// One node of a structural OpenAPI v3 schema as a CRD carries it.
package struct CRDSchema: Sendable, Equatable {
    /// What the node holds. Recursion goes through `indirect` cases.
    package indirect enum Shape: Sendable, Equatable {
        case string(enumValues: [String], format: String?)
        /// `format` is "int32" or "int64", as controller-gen writes it for Go int32/int64.
        case integer(format: String)
        case boolean
        /// An object with known properties (unknown ones are pruned by the API server).
        case object([CRDProperty])
        /// A map from string keys to values of one schema (`additionalProperties`).
        case map(values: CRDSchema)
        /// `listType`/`listMapKeys` become `x-kubernetes-list-type`/`x-kubernetes-list-map-keys`.
        case array(items: CRDSchema, listType: String?, listMapKeys: [String])
        /// A Kubernetes type expanded by crd-gen from the pinned definitions (full name, e.g.
        /// `io.k8s.api.core.v1.PodTemplateSpec`).
        case kubernetes(String)
        /// `resource.Quantity`: integer or string with Kubernetes' quantity pattern.
        case quantity
        /// `metav1.Time`: string, format date-time.
        case dateTime
        /// An object whose content the API server keeps as is (`metadata` at the root).
        case freeformObject
    }

    package var shape: Shape
    package var description: String?
    /// The API server writes this value when the field is absent (persisted defaults).
    package var defaultValue: JSONValue?
    /// `nullable: true` (Go `+nullable`): an explicit null is kept instead of rejected.
    package var nullable: Bool

    package init(_ shape: Shape, description: String? = nil, defaultValue: JSONValue? = nil, nullable: Bool = false) {
        self.shape = shape
        self.description = description
        self.defaultValue = defaultValue
        self.nullable = nullable
    }

    // MARK: Builders, so that the version files read like the Go types they describe.

    package static func string(_ description: String? = nil) -> CRDSchema {
        CRDSchema(.string(enumValues: [], format: nil), description: description)
    }
    package static func enumeration(_ values: [String], _ description: String? = nil, default value: String? = nil) -> CRDSchema {
        CRDSchema(.string(enumValues: values, format: nil), description: description, defaultValue: value.map { .string($0) })
    }
    package static func int32(_ description: String? = nil, default value: Int64? = nil) -> CRDSchema {
        CRDSchema(.integer(format: "int32"), description: description, defaultValue: value.map { .integer($0) })
    }
    package static func int64(_ description: String? = nil) -> CRDSchema {
        CRDSchema(.integer(format: "int64"), description: description)
    }
    package static func bool(_ description: String? = nil) -> CRDSchema {
        CRDSchema(.boolean, description: description)
    }
    package static func object(_ description: String? = nil, _ properties: [CRDProperty]) -> CRDSchema {
        CRDSchema(.object(properties), description: description)
    }
    package static func stringMap(_ description: String? = nil) -> CRDSchema {
        CRDSchema(.map(values: .string()), description: description)
    }
    package static func map(of values: CRDSchema, _ description: String? = nil) -> CRDSchema {
        CRDSchema(.map(values: values), description: description)
    }
    package static func list(of items: CRDSchema, _ description: String? = nil) -> CRDSchema {
        CRDSchema(.array(items: items, listType: nil, listMapKeys: []), description: description)
    }
    package static func listMap(of items: CRDSchema, keys: [String], _ description: String? = nil) -> CRDSchema {
        CRDSchema(.array(items: items, listType: "map", listMapKeys: keys), description: description)
    }
    package static func kubernetes(_ name: String, _ description: String? = nil) -> CRDSchema {
        CRDSchema(.kubernetes(name), description: description)
    }
    package static func quantity(_ description: String? = nil) -> CRDSchema {
        CRDSchema(.quantity, description: description)
    }
    package static func dateTime(_ description: String? = nil, nullable: Bool = false) -> CRDSchema {
        CRDSchema(.dateTime, description: description, nullable: nullable)
    }
    package static func freeformObject(_ description: String? = nil) -> CRDSchema {
        CRDSchema(.freeformObject, description: description)
    }

    /// Every Kubernetes definition this schema names, in first-seen order (what crd-gen must find
    /// in the pinned definitions file).
    package var kubernetesTypes: [String] {
        var found: [String] = []
        collectKubernetesTypes(into: &found)
        return found
    }

    private func collectKubernetesTypes(into found: inout [String]) {
        switch shape {
        case .kubernetes(let name): if !found.contains(name) { found.append(name) }
        case .object(let properties): for p in properties { p.schema.collectKubernetesTypes(into: &found) }
        case .map(let values): values.collectKubernetesTypes(into: &found)
        case .array(let items, _, _): items.collectKubernetesTypes(into: &found)
        case .string, .integer, .boolean, .quantity, .dateTime, .freeformObject: break
        }
    }
}

/// A named member of an object schema.
package struct CRDProperty: Sendable, Equatable {
    package var name: String
    package var schema: CRDSchema
    /// Listed in the parent's `required`.
    package var required: Bool

    package init(_ name: String, _ schema: CRDSchema, required: Bool = false) {
        self.name = name
        self.schema = schema
        self.required = required
    }

    /// An optional member (Go `+optional` / `omitempty`).
    package static func optional(_ name: String, _ schema: CRDSchema) -> CRDProperty {
        CRDProperty(name, schema, required: false)
    }
    /// A member in the parent's `required` list.
    package static func required(_ name: String, _ schema: CRDSchema) -> CRDProperty {
        CRDProperty(name, schema, required: true)
    }
}

/// One `additionalPrinterColumns` entry.
package struct CRDPrinterColumn: Sendable, Equatable {
    package var name: String
    package var type: String
    package var jsonPath: String
    package var priority: Int
    package init(_ name: String, type: String, jsonPath: String, priority: Int = 0) {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.priority = priority
    }
}

/// One entry of `spec.versions`.
package struct CRDVersion: Sendable, Equatable {
    package var name: String
    package var served: Bool
    package var storage: Bool
    package var deprecationWarning: String?
    package var schema: CRDSchema
    package var printerColumns: [CRDPrinterColumn]
}

/// The RayCluster CustomResourceDefinition as a whole.
package enum RayClusterCRD {
    package static let group = "ray.io"
    package static let kind = "RayCluster"
    package static let listKind = "RayClusterList"
    package static let plural = "rayclusters"
    package static let singular = "raycluster"
    package static let categories = ["all"]
    package static let scope = "Namespaced"
    /// `metadata.name` of the CRD.
    package static var name: String { "\(plural).\(group)" }
    /// Path of the conversion endpoint on the webhook.
    package static let conversionPath = "/convert"

    package static let v1alpha1DeprecationWarning =
        "ray.io/v1alpha1 RayCluster is deprecated; use ray.io/v1 RayCluster (the webhook converts between them)."

    /// KubeRay's printer columns, the same for both versions.
    package static let printerColumns: [CRDPrinterColumn] = [
        CRDPrinterColumn("desired workers", type: "integer", jsonPath: ".status.desiredWorkerReplicas"),
        CRDPrinterColumn("available workers", type: "integer", jsonPath: ".status.availableWorkerReplicas"),
        CRDPrinterColumn("cpus", type: "string", jsonPath: ".status.desiredCPU"),
        CRDPrinterColumn("memory", type: "string", jsonPath: ".status.desiredMemory"),
        CRDPrinterColumn("gpus", type: "string", jsonPath: ".status.desiredGPU"),
        CRDPrinterColumn("tpus", type: "string", jsonPath: ".status.desiredTPU", priority: 1),
        CRDPrinterColumn("status", type: "string", jsonPath: ".status.state"),
        CRDPrinterColumn("age", type: "date", jsonPath: ".metadata.creationTimestamp"),
        CRDPrinterColumn("head pod IP", type: "string", jsonPath: ".status.head.podIP", priority: 1),
        CRDPrinterColumn("head service IP", type: "string", jsonPath: ".status.head.serviceIP", priority: 1),
    ]

    /// `v1` (served, storage) first, then `v1alpha1` (served, deprecated), as KubeRay lists them.
    package static var versions: [CRDVersion] {
        [
            CRDVersion(name: "v1", served: true, storage: true, deprecationWarning: nil,
                       schema: RayClusterSchemaV1.root, printerColumns: printerColumns),
            CRDVersion(name: "v1alpha1", served: true, storage: false, deprecationWarning: v1alpha1DeprecationWarning,
                       schema: RayClusterSchemaV1Alpha1.root, printerColumns: printerColumns),
        ]
    }
}
