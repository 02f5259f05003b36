import Foundation
import JSON
import RayAPI
import XCTest

/// The committed CRD is exactly what crd-gen generates now, and has the names, versions and columns users rely on.
/// No API server needed.
final class GeneratedCRDTests: XCTestCase {
    static let crdPath = "config/crd/bases/ray.io_rayclusters.yaml"

    func testCommittedCRDIsUpToDate() throws {
        let generator = try Paths.product("crd-gen")
        let fresh = try ProcessRunner.run(generator.path, [], directory: Paths.repository)
        XCTAssertTrue(fresh.succeeded, fresh.stderr)
        let committed = try String(contentsOf: Paths.file(Self.crdPath), encoding: .utf8)
        XCTAssertFalse(fresh.stdout.isEmpty)
        if fresh.stdout != committed {
            XCTFail("\(Self.crdPath) is stale: regenerate it with `swift run crd-gen > \(Self.crdPath)`")
        }
        // The --check mode agrees, and notices a change.
        let check = try ProcessRunner.run(generator.path, ["--check", Self.crdPath], directory: Paths.repository)
        XCTAssertEqual(check.status, fresh.stdout == committed ? 0 : 1, check.combined)
        let tampered = FileManager.default.temporaryDirectory.appendingPathComponent("crd-\(UUID().uuidString).yaml")
        try (committed + "# edited by hand\n").write(to: tampered, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tampered) }
        let stale = try ProcessRunner.run(generator.path, ["--check", tampered.path], directory: Paths.repository)
        XCTAssertEqual(stale.status, 1, stale.combined)
        XCTAssertTrue(stale.stderr.contains("stale"), stale.stderr)
    }

    /// The pinned definitions are what the generator reads: without them it fails loudly.
    func testGeneratorFailsWithoutPinnedDefinitions() throws {
        let generator = try Paths.product("crd-gen")
        let result = try ProcessRunner.run(generator.path, ["--definitions", "/nonexistent/definitions.json"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cannot read"), result.stderr)
    }

    func runGenerator(definitions: String) throws -> ProcessResult {
        let generator = try Paths.product("crd-gen")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("defs-\(UUID().uuidString).json")
        try definitions.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try ProcessRunner.run(generator.path, ["--definitions", file.path])
    }

    /// A reference cycle in the definitions stops at the named depth limit instead of recursing forever.
    func testReferenceCycleIsRefused() throws {
        // Every Kubernetes type our schemas embed refers to itself.
        let names = RayClusterCRD.versions.flatMap { $0.schema.kubernetesTypes }
        XCTAssertTrue(names.contains("io.k8s.api.core.v1.PodTemplateSpec"))
        let definitions = names.map { name in
            ##""\##(name)":{"type":"object","properties":{"self":{"$ref":"#/$defs/\##(name)"}}}"##
        }
        let cyclic = ##"{"kubernetesVersion":"test","source":"test","definitions":{"## + definitions.joined(separator: ",") + "}}"
        let result = try runGenerator(definitions: cyclic)
        XCTAssertEqual(result.status, 2, result.combined)
        XCTAssertTrue(result.stderr.contains("deeper than 64 levels"), result.stderr)
        XCTAssertTrue(result.stdout.isEmpty)
    }

    /// A definition the schema embeds but the pinned file lacks is named.
    func testMissingDefinitionIsNamed() throws {
        let result = try runGenerator(definitions: #"{"kubernetesVersion":"test","source":"test","definitions":{}}"#)
        XCTAssertEqual(result.status, 2, result.combined)
        XCTAssertTrue(result.stderr.contains("io.k8s.api.core.v1."), result.stderr)
        let broken = try runGenerator(definitions: #"{"definitions": "#)
        XCTAssertEqual(broken.status, 2, broken.combined)
        XCTAssertTrue(broken.stderr.contains("invalid JSON"), broken.stderr)
    }

    /// The API server stores the CRD as one etcd object (1.5 MiB limit): keep a wide margin.
    static let maxCRDJSONBytes = 1_000_000

    func testCRDFitsInEtcd() throws {
        let text = try String(contentsOf: Paths.file(Self.crdPath), encoding: .utf8)
        let documents = try Manifest.decode(Array(text.utf8), source: Self.crdPath)
        XCTAssertEqual(documents.count, 1)
        let size = documents.first?.serialized().count ?? 0
        XCTAssertGreaterThan(size, 100_000, "the embedded Kubernetes types are expanded")
        XCTAssertLessThan(size, Self.maxCRDJSONBytes)
    }

    func testCRDFacts() throws {
        let crd = try manifestObject(file: Paths.file(Self.crdPath))
        XCTAssertEqual(JSON.at(crd, "apiVersion") as? String, "apiextensions.k8s.io/v1")
        XCTAssertEqual(JSON.at(crd, "metadata", "name") as? String, "rayclusters.ray.io")
        XCTAssertEqual(JSON.at(crd, "spec", "group") as? String, "ray.io")
        XCTAssertEqual(JSON.at(crd, "spec", "scope") as? String, "Namespaced")
        XCTAssertEqual(JSON.at(crd, "spec", "names", "kind") as? String, "RayCluster")
        XCTAssertEqual(JSON.at(crd, "spec", "names", "plural") as? String, "rayclusters")
        XCTAssertEqual(JSON.at(crd, "spec", "names", "categories") as? [String], ["all"])
        let versions = try XCTUnwrap(JSON.at(crd, "spec", "versions") as? [[String: Any]])
        XCTAssertEqual(versions.map { $0["name"] as? String }, ["v1", "v1alpha1"])
        XCTAssertEqual(versions.map { $0["served"] as? Bool }, [true, true])
        XCTAssertEqual(versions.map { $0["storage"] as? Bool }, [true, false])
        XCTAssertNil(versions[0]["deprecated"])
        XCTAssertEqual(versions[1]["deprecated"] as? Bool, true)
        XCTAssertNotNil(versions[1]["deprecationWarning"] as? String)
        for version in versions {
            XCTAssertNotNil(JSON.at(version, "subresources", "status"))
            let columns = try XCTUnwrap(version["additionalPrinterColumns"] as? [[String: Any]])
            XCTAssertEqual(columns.map { $0["name"] as? String },
                           ["desired workers", "available workers", "cpus", "memory", "gpus", "tpus", "status", "age",
                            "head pod IP", "head service IP"])
            XCTAssertEqual(columns.first?["jsonPath"] as? String, ".status.desiredWorkerReplicas")
        }
        // v1: KubeRay's required lists and persisted defaults.
        let v1 = try XCTUnwrap(JSON.at(versions[0], "schema", "openAPIV3Schema"))
        XCTAssertEqual(JSON.at(v1, "properties", "spec", "required") as? [String], ["headGroupSpec"])
        let worker = JSON.at(v1, "properties", "spec", "properties", "workerGroupSpecs", "items")
        XCTAssertEqual(Set(JSON.at(worker, "required") as? [String] ?? []), ["groupName", "minReplicas", "maxReplicas", "template"])
        let defaults: [String: Int] = ["replicas": 0, "minReplicas": 0, "maxReplicas": 2_147_483_647, "numOfHosts": 1, "priority": 0]
        for (field, value) in defaults {
            XCTAssertEqual(JSON.at(worker, "properties", field, "default") as? Int, value, field)
        }
        XCTAssertEqual(JSON.at(v1, "properties", "spec", "properties", "networkPolicy", "properties", "mode", "default") as? String, "DenyAll")
        // Embedded Kubernetes types are expanded, not left open.
        let container = JSON.at(v1, "properties", "spec", "properties", "headGroupSpec", "properties", "template",
                                "properties", "spec", "properties", "containers", "items")
        XCTAssertEqual(JSON.at(container, "properties", "image", "type") as? String, "string")
        XCTAssertEqual(JSON.at(container, "properties", "ports", "x-kubernetes-list-type") as? String, "map")
        XCTAssertEqual(JSON.at(container, "properties", "resources", "properties", "limits", "additionalProperties",
                               "x-kubernetes-int-or-string") as? Bool, true)
        // controller-gen's expansion rules, and what Kubernetes 1.20 needs.
        let podSpec = JSON.at(v1, "properties", "spec", "properties", "headGroupSpec", "properties", "template", "properties", "spec")
        XCTAssertEqual(JSON.at(container, "properties", "ports", "items", "properties", "protocol", "default") as? String, "TCP",
                       "a list-map key must be required or defaulted")
        XCTAssertNil(JSON.at(podSpec, "properties", "imagePullSecrets", "x-kubernetes-list-type"),
                     "imagePullSecrets' key `name` has no default 1.20 accepts, so it is a plain list")
        XCTAssertNil(JSON.at(container, "properties", "imagePullPolicy", "enum"), "Kubernetes' Go enums are not enforced")
        XCTAssertEqual(Set((JSON.at(v1, "properties", "spec", "properties", "headGroupSpec", "properties", "template",
                                    "properties", "metadata", "properties") as? [String: Any] ?? [:]).keys),
                       ["annotations", "finalizers", "labels", "name", "namespace"])
        XCTAssertEqual(JSON.at(container, "properties", "livenessProbe", "properties", "httpGet", "properties", "port",
                               "x-kubernetes-int-or-string") as? Bool, true)
        XCTAssertNotNil(JSON.at(v1, "properties", "spec", "properties", "headGroupSpec", "properties", "headService",
                                "properties", "spec", "properties", "ports"))
        XCTAssertEqual(JSON.at(v1, "properties", "status", "properties", "conditions", "x-kubernetes-list-map-keys") as? [String], ["type"])
        // v1alpha1: the original operator's API.
        let v1alpha1 = try XCTUnwrap(JSON.at(versions[1], "schema", "openAPIV3Schema"))
        XCTAssertEqual(Set(JSON.at(v1alpha1, "properties", "spec", "required") as? [String] ?? []), ["clusterName", "images"])
        XCTAssertEqual(JSON.at(v1alpha1, "properties", "spec", "properties", "extensions", "items", "required") as? [String], ["replicas"])
        // No CEL anywhere: Kubernetes 1.20 would reject it.
        let text = try String(contentsOf: Paths.file(Self.crdPath), encoding: .utf8)
        XCTAssertFalse(text.contains("x-kubernetes-validations"))
    }
}

/// Every document of a manifest (YAML or JSON), read with the project's own manifest decoder and
/// handed to the tests as Foundation JSON.
func manifestDocuments(_ text: String, source: String) throws -> [[String: Any]] {
    let documents = try Manifest.decode(Array(text.utf8), source: source)
    return try documents.map { try JSON.object($0.jsonString) }
}

/// A manifest file with exactly one object (a `kind: List` counts as its items: see `manifestDocuments`).
func manifestObject(file: URL) throws -> [String: Any] {
    let documents = try manifestDocuments(try String(contentsOf: file, encoding: .utf8), source: file.path)
    if documents.count == 1, let only = documents.first { return only }
    return ["kind": "List", "items": documents]
}
