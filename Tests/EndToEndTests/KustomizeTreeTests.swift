import Foundation
import XCTest

/// `kubectl kustomize` builds the config/ tree, and what it builds agrees with itself and with
/// the fixed contracts of docs/architecture.md: names, paths, the Service ↔ webhook ↔ Certificate DNS names,
/// CA injection.
/// No API server needed.
final class KustomizeTreeTests: XCTestCase {
    /// Every object of `kubectl kustomize config/<dir>`, as JSON (kubectl converts it).
    func build(_ dir: String) throws -> [[String: Any]] {
        guard ProcessRunner.commandExists("kubectl") else { throw Prerequisite.missing("kubectl is not installed") }
        let built = try ProcessRunner.run("kubectl", ["kustomize", Paths.file("config/\(dir)").path])
        XCTAssertTrue(built.succeeded, built.stderr)
        guard built.succeeded else { throw E2EError("kubectl kustomize config/\(dir) failed: \(built.stderr)") }
        return try manifestDocuments(built.stdout, source: "kubectl kustomize config/\(dir)")
    }

    func one(_ objects: [[String: Any]], kind: String, name: String) throws -> [String: Any] {
        let found = objects.filter { $0["kind"] as? String == kind && JSON.at($0, "metadata", "name") as? String == name }
        XCTAssertEqual(found.count, 1, "\(kind) \(name)")
        return try XCTUnwrap(found.first, "\(kind) \(name) missing")
    }

    func testDefaultBuildsWithTheFixedNames() throws {
        let objects = try build("default")
        let namespace = "ray-system"
        // Every namespaced object lands in ray-system.
        for object in objects where !["Namespace", "CustomResourceDefinition", "ValidatingWebhookConfiguration",
                                      "MutatingWebhookConfiguration", "ClusterRole", "ClusterRoleBinding"].contains(object["kind"] as? String ?? "") {
            XCTAssertEqual(JSON.at(object, "metadata", "namespace") as? String, namespace,
                           "\(object["kind"] ?? "") \(JSON.at(object, "metadata", "name") ?? "")")
        }
        _ = try one(objects, kind: "Namespace", name: namespace)

        // The Service: webhook-service, 443 → the container's 9443.
        let service = try one(objects, kind: "Service", name: "webhook-service")
        let ports = try XCTUnwrap(JSON.at(service, "spec", "ports") as? [[String: Any]])
        XCTAssertEqual(ports.count, 1)
        XCTAssertEqual(ports.first?["port"] as? Int, 443)
        let deployment = try one(objects, kind: "Deployment", name: "ray-operator")
        let container = try XCTUnwrap((JSON.at(deployment, "spec", "template", "spec", "containers") as? [[String: Any]])?
            .first { $0["name"] as? String == "webhook" })
        let containerPorts = container["ports"] as? [[String: Any]] ?? []
        let target = ports.first?["targetPort"]
        let webhookPort = containerPorts.first { port in
            (target as? String).map { port["name"] as? String == $0 } ?? ((target as? Int) == port["containerPort"] as? Int)
        }
        XCTAssertEqual(webhookPort?["containerPort"] as? Int, 9443, "Service targetPort must reach the container's 9443")
        // The Service selects the Deployment's pods.
        let selector = try XCTUnwrap(JSON.at(service, "spec", "selector") as? [String: String])
        let podLabels = try XCTUnwrap(JSON.at(deployment, "spec", "template", "metadata", "labels") as? [String: String])
        XCTAssertFalse(selector.isEmpty)
        for (key, value) in selector { XCTAssertEqual(podLabels[key], value, "selector \(key)") }

        // Deployment: 2 replicas, `webhook`, probes on 8081, hardened, cert mounted read-only at the default dir.
        XCTAssertEqual(JSON.at(deployment, "spec", "replicas") as? Int, 2)
        XCTAssertEqual((container["args"] as? [String])?.first, "webhook")
        XCTAssertEqual(JSON.at(container, "readinessProbe", "httpGet", "path") as? String, "/readyz")
        XCTAssertEqual(JSON.at(container, "livenessProbe", "httpGet", "path") as? String, "/healthz")
        XCTAssertTrue(containerPorts.contains { $0["containerPort"] as? Int == 8081 && $0["name"] as? String == "health" })
        XCTAssertTrue(containerPorts.contains { $0["containerPort"] as? Int == 8080 })
        XCTAssertEqual(JSON.at(container, "securityContext", "readOnlyRootFilesystem") as? Bool, true)
        XCTAssertEqual(JSON.at(container, "securityContext", "allowPrivilegeEscalation") as? Bool, false)
        XCTAssertEqual(JSON.at(container, "securityContext", "capabilities", "drop") as? [String], ["ALL"])
        XCTAssertEqual(JSON.at(deployment, "spec", "template", "spec", "securityContext", "runAsNonRoot") as? Bool, true)
        XCTAssertEqual(JSON.at(deployment, "spec", "template", "spec", "securityContext", "seccompProfile", "type") as? String, "RuntimeDefault")
        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        let certMount = try XCTUnwrap(mounts.first { $0["mountPath"] as? String == "/tmp/k8s-webhook-server/serving-certs" })
        XCTAssertEqual(certMount["readOnly"] as? Bool, true)
        let volumes = JSON.at(deployment, "spec", "template", "spec", "volumes") as? [[String: Any]] ?? []
        let certVolume = volumes.first { $0["name"] as? String == certMount["name"] as? String }
        XCTAssertEqual(JSON.at(certVolume, "secret", "secretName") as? String, "webhook-server-cert")
        let pdb = objects.first { $0["kind"] as? String == "PodDisruptionBudget" }
        XCTAssertNotNil(pdb)
        for (key, value) in (JSON.at(pdb, "spec", "selector", "matchLabels") as? [String: String] ?? [:]) {
            XCTAssertEqual(podLabels[key], value)
        }

        // Certificate: serving-cert, the Secret the Deployment mounts, DNS names of the Service.
        let certificate = try one(objects, kind: "Certificate", name: "serving-cert")
        XCTAssertEqual(JSON.at(certificate, "spec", "secretName") as? String, "webhook-server-cert")
        XCTAssertEqual(Set(JSON.at(certificate, "spec", "dnsNames") as? [String] ?? []),
                       ["webhook-service.ray-system.svc", "webhook-service.ray-system.svc.cluster.local"])
        XCTAssertEqual(JSON.at(certificate, "spec", "privateKey", "algorithm") as? String, "ECDSA")
        XCTAssertEqual(JSON.at(certificate, "spec", "privateKey", "size") as? Int, 256)
        // Its issuer chain exists: CA Issuer ← CA Certificate ← selfSigned Issuer.
        let issuerName = try XCTUnwrap(JSON.at(certificate, "spec", "issuerRef", "name") as? String)
        let caIssuer = try one(objects, kind: "Issuer", name: issuerName)
        let caSecret = try XCTUnwrap(JSON.at(caIssuer, "spec", "ca", "secretName") as? String)
        let caCertificate = try XCTUnwrap(objects.first { $0["kind"] as? String == "Certificate" && JSON.at($0, "spec", "secretName") as? String == caSecret })
        XCTAssertEqual(JSON.at(caCertificate, "spec", "isCA") as? Bool, true)
        let rootIssuer = try one(objects, kind: "Issuer", name: try XCTUnwrap(JSON.at(caCertificate, "spec", "issuerRef", "name") as? String))
        XCTAssertNotNil(JSON.at(rootIssuer, "spec", "selfSigned"))

        // The webhook configurations: one validating, one mutating, each on its fixed path.
        let inject = "\(namespace)/serving-cert"
        let expected = [("ValidatingWebhookConfiguration", "vraycluster.ray.io", "/validate-ray-io-v1-raycluster"),
                        ("MutatingWebhookConfiguration", "mraycluster.ray.io", "/mutate-ray-io-v1-raycluster")]
        for (kind, name, path) in expected {
            let configuration = try one(objects, kind: kind, name: name)
            XCTAssertEqual(JSON.at(configuration, "metadata", "annotations", "cert-manager.io/inject-ca-from") as? String, inject)
            let webhooks = try XCTUnwrap(configuration["webhooks"] as? [[String: Any]])
            XCTAssertEqual(webhooks.count, 1)
            let webhook = try XCTUnwrap(webhooks.first)
            XCTAssertEqual(webhook["name"] as? String, name)
            XCTAssertEqual(JSON.at(webhook, "clientConfig", "service", "name") as? String, "webhook-service")
            XCTAssertEqual(JSON.at(webhook, "clientConfig", "service", "namespace") as? String, namespace)
            XCTAssertEqual(JSON.at(webhook, "clientConfig", "service", "path") as? String, path)
            XCTAssertEqual((JSON.at(webhook, "clientConfig", "service", "port") as? Int) ?? 443, 443)
            XCTAssertEqual(webhook["failurePolicy"] as? String, "Fail")
            XCTAssertEqual(webhook["sideEffects"] as? String, "None")
            XCTAssertEqual(webhook["matchPolicy"] as? String, "Equivalent")
            XCTAssertEqual(webhook["timeoutSeconds"] as? Int, 5)
            XCTAssertEqual(webhook["admissionReviewVersions"] as? [String], ["v1", "v1beta1"])
            let rules = try XCTUnwrap(webhook["rules"] as? [[String: Any]])
            XCTAssertEqual(rules.count, 1)
            XCTAssertEqual(rules.first?["apiGroups"] as? [String], ["ray.io"])
            XCTAssertEqual(Set(rules.first?["operations"] as? [String] ?? []), ["CREATE", "UPDATE"])
            XCTAssertEqual(rules.first?["resources"] as? [String], ["rayclusters"])
        }

        // The CRD converts through the same Service, CA injected from the same Certificate.
        let crd = try one(objects, kind: "CustomResourceDefinition", name: "rayclusters.ray.io")
        XCTAssertEqual(JSON.at(crd, "metadata", "annotations", "cert-manager.io/inject-ca-from") as? String, inject)
        XCTAssertEqual(JSON.at(crd, "spec", "conversion", "strategy") as? String, "Webhook")
        XCTAssertEqual(JSON.at(crd, "spec", "conversion", "webhook", "clientConfig", "service", "name") as? String, "webhook-service")
        XCTAssertEqual(JSON.at(crd, "spec", "conversion", "webhook", "clientConfig", "service", "namespace") as? String, namespace)
        XCTAssertEqual(JSON.at(crd, "spec", "conversion", "webhook", "clientConfig", "service", "path") as? String, "/convert")
        XCTAssertEqual(JSON.at(crd, "spec", "conversion", "webhook", "conversionReviewVersions") as? [String], ["v1"])

        // The pods' ServiceAccount exists.
        let account = try XCTUnwrap(JSON.at(deployment, "spec", "template", "spec", "serviceAccountName") as? String)
        _ = try one(objects, kind: "ServiceAccount", name: account)
    }

    func testCRDKustomizationBuilds() throws {
        let objects = try build("crd")
        XCTAssertEqual(objects.count, 1)
        let crd = try one(objects, kind: "CustomResourceDefinition", name: "rayclusters.ray.io")
        XCTAssertEqual(JSON.at(crd, "spec", "conversion", "webhook", "clientConfig", "service", "path") as? String, "/convert")
        XCTAssertNotNil(JSON.at(crd, "metadata", "annotations", "cert-manager.io/inject-ca-from"))
    }

    func testOtherKustomizationsBuild() throws {
        for dir in ["certmanager", "webhook", "rbac", "manager", "prometheus", "samples"] {
            XCTAssertFalse(try build(dir).isEmpty, dir)
        }
        let monitor = try XCTUnwrap(try build("prometheus").first)
        XCTAssertEqual(monitor["kind"] as? String, "ServiceMonitor")
        // It selects the metrics Service of config/manager.
        let metrics = try XCTUnwrap(try build("manager").first { $0["kind"] as? String == "Service" })
        let labels = JSON.at(metrics, "metadata", "labels") as? [String: String] ?? [:]
        for (key, value) in JSON.at(monitor, "spec", "selector", "matchLabels") as? [String: String] ?? [:] {
            XCTAssertEqual(labels[key], value)
        }
        let port = (JSON.at(monitor, "spec", "endpoints", 0, "port") as? String)
        XCTAssertTrue((JSON.at(metrics, "spec", "ports") as? [[String: Any]] ?? []).contains { $0["name"] as? String == port })
    }
}
