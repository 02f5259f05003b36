import Foundation
import XCTest

/// Against a real kube-apiserver (RAY_E2E_KUBECONFIG; `scripts/test` starts one on loopback): the
/// generated CRD and our webhook configurations, served by a local `ray-operator webhook`.
final class WebhookEndToEndTests: XCTestCase {
    nonisolated(unsafe) static var webhook: LocalWebhook?
    nonisolated(unsafe) static var setupFailure: (any Error)?

    static var kubeconfig: String? { Prerequisite.kubeconfig }

    override class func setUp() {
        super.setUp()
        guard let kubeconfig else { return }
        do {
            let started = try LocalWebhook(kubeconfig: kubeconfig)
            webhook = started
            try started.install()
        } catch {
            setupFailure = error
        }
    }

    override class func tearDown() {
        webhook?.stop()
        webhook = nil
        super.tearDown()
    }

    var webhook: LocalWebhook {
        get throws {
            guard Self.kubeconfig != nil else { throw Prerequisite.missing("RAY_E2E_KUBECONFIG is not set (scripts/test sets it)") }
            if let failure = Self.setupFailure {
                if failure is XCTSkip { throw failure }  // e.g. the binary is not built (a skip only outside strict mode)
                throw E2EError("end-to-end setup failed: \(failure)")
            }
            guard let webhook = Self.webhook else { throw E2EError("end-to-end setup did not run") }
            return webhook
        }
    }

    // MARK: - Helpers

    func create(_ manifest: String, in webhook: LocalWebhook) throws -> ProcessResult {
        // Answers from our webhook (denials) are final; only "not reachable yet" is retried.
        try webhook.kubectl.runRetrying(["create", "-n", webhook.namespace, "-f", "-"], stdin: manifest) { result in
            Kubectl.isTransient(result) && !result.stderr.contains("denied the request")
        }
    }

    func goodCluster(name: String) -> String {
        """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata:
          name: \(name)
          labels: {e2e: good}
        spec:
          headGroupSpec:
            rayStartParams: {dashboard-host: 0.0.0.0}
            template:
              spec:
                containers:
                - name: ray-head
                  image: rayproject/ray:2.9.0
                  resources: {limits: {cpu: "1", memory: 2Gi}}
          workerGroupSpecs:
          - groupName: small-group
            minReplicas: 1
            maxReplicas: 5
            template:
              spec:
                containers:
                - name: ray-worker
                  image: rayproject/ray:2.9.0
        """
    }

    // MARK: - Tests

    /// The committed CRD, exactly as `config/crd` builds it (conversion through the in-cluster
    /// Service, CA-injection annotation), is a valid CRD for this API server.
    func testCRDAsBuiltByKustomizeIsAccepted() throws {
        let webhook = try webhook
        let built = try ProcessRunner.run("kubectl", ["kustomize", Paths.file("config/crd").path])
        XCTAssertTrue(built.succeeded, built.stderr)
        // Same field manager as the install, so the dry run replaces (not merges with) its `url`.
        let result = try webhook.kubectl.run(["apply", "--server-side", "--force-conflicts", "--field-manager", "ray-e2e",
                                              "--dry-run=server", "-o", "jsonpath={.spec.conversion.webhook.clientConfig.service.path}",
                                              "-f", "-"], stdin: built.stdout)
        XCTAssertTrue(result.succeeded, result.stderr)
        XCTAssertEqual(result.stdout, "/convert")
    }

    /// Every object of `config/default` whose kind this API server serves is valid (server-side
    /// dry run). cert-manager kinds need cert-manager; the PodDisruptionBudget is policy/v1 (1.21+).
    func testDefaultObjectsAreAcceptedByTheAPIServer() throws {
        let webhook = try webhook
        let built = try ProcessRunner.run("kubectl", ["kustomize", Paths.file("config/default").path])
        XCTAssertTrue(built.succeeded, built.stderr)
        let served: Set<String> = ["ServiceAccount", "Role", "RoleBinding", "Service", "Deployment",
                                   "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "CustomResourceDefinition"]
        var objects: [[String: Any]] = []
        for var object in try manifestDocuments(built.stdout, source: "config/default") where served.contains(object["kind"] as? String ?? "") {
            // Namespaced objects go to the test's namespace instead of ray-system.
            if var metadata = object["metadata"] as? [String: Any], metadata["namespace"] != nil {
                metadata["namespace"] = webhook.namespace
                object["metadata"] = metadata
            }
            objects.append(object)
        }
        XCTAssertEqual(objects.count, 9, "ServiceAccount, Role, RoleBinding, 2 Services, Deployment, 2 webhook configurations, CRD")
        let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": objects]
        // Same field manager as the install, so the dry run replaces its `url` client configs.
        let result = try webhook.kubectl.run(["apply", "--server-side", "--force-conflicts", "--field-manager", "ray-e2e",
                                              "--dry-run=server", "-f", "-"], stdin: try JSON.string(list))
        XCTAssertTrue(result.succeeded, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, objects.count, result.stdout)
    }

    func testBadRayClusterIsRefusedWithOurMessage() throws {
        let webhook = try webhook
        let bad = """
        apiVersion: ray.io/v1
        kind: RayCluster
        metadata: {name: duplicate-groups}
        spec:
          headGroupSpec:
            template: {spec: {containers: [{name: ray-head, image: rayproject/ray:2.9.0}]}}
          workerGroupSpecs:
          - {groupName: workers, minReplicas: 0, maxReplicas: 1, template: {spec: {containers: [{name: w, image: rayproject/ray:2.9.0}]}}}
          - {groupName: workers, minReplicas: 0, maxReplicas: 1, template: {spec: {containers: [{name: w, image: rayproject/ray:2.9.0}]}}}
        """
        let result = try create(bad, in: webhook)
        XCTAssertFalse(result.succeeded, "a RayCluster with duplicate group names was admitted")
        // kubectl prints a 422 denial from its causes ("The RayCluster … is invalid: <field>: …"), other
        // denials with the API server's prefix; either way the text is our validator's (the CRD
        // schema has no uniqueness rule).
        XCTAssertTrue(result.stderr.contains("admission webhook \"vraycluster.ray.io\" denied the request")
                      || result.stderr.contains("The RayCluster \"duplicate-groups\" is invalid"), result.stderr)
        XCTAssertTrue(result.stderr.contains("spec.workerGroupSpecs[1]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("worker group names must be unique"), result.stderr)
        let lookup = try webhook.kubectl.run(["get", "rayclusters.v1.ray.io", "duplicate-groups", "-n", webhook.namespace])
        XCTAssertFalse(lookup.succeeded)
        XCTAssertTrue(lookup.stderr.contains("NotFound") || lookup.stderr.contains("not found"), lookup.stderr)

        // A name over 53 characters is refused too, with KubeRay's message.
        let longName = String(repeating: "a", count: 54)
        let long = try create(goodCluster(name: longName), in: webhook)
        XCTAssertFalse(long.succeeded)
        XCTAssertTrue(long.stderr.contains("RayCluster name should be no more than 53 characters"), long.stderr)
    }

    func testGoodRayClusterIsCreatedWithItsDefaults() throws {
        let webhook = try webhook
        let result = try create(goodCluster(name: "good-cluster"), in: webhook)
        XCTAssertTrue(result.succeeded, result.stderr)
        let stored = try webhook.kubectl.getJSON(["rayclusters.v1.ray.io", "good-cluster", "-n", webhook.namespace])
        XCTAssertEqual(stored["apiVersion"] as? String, "ray.io/v1")
        let worker = JSON.at(stored, "spec", "workerGroupSpecs", 0)
        // What we sent is kept…
        XCTAssertEqual(JSON.at(worker, "minReplicas") as? Int, 1)
        XCTAssertEqual(JSON.at(worker, "maxReplicas") as? Int, 5)
        XCTAssertEqual(JSON.at(stored, "spec", "headGroupSpec", "rayStartParams", "dashboard-host") as? String, "0.0.0.0")
        XCTAssertEqual(JSON.at(stored, "metadata", "labels", "e2e") as? String, "good")
        // …and the defaults were written: the CRD's and the mutating webhook's.
        XCTAssertEqual(JSON.at(worker, "replicas") as? Int, 0)
        XCTAssertEqual(JSON.at(worker, "numOfHosts") as? Int, 1)
        XCTAssertNotNil(JSON.at(worker, "rayStartParams") as? [String: Any], "mutating webhook: rayStartParams {}")
        XCTAssertEqual(JSON.at(stored, "spec", "rayVersion") as? String, "2.9.0", "mutating webhook: rayVersion from the image")
        // An UPDATE goes through the webhooks too and is admitted.
        let patched = try webhook.kubectl.runRetrying(["patch", "rayclusters.v1.ray.io", "good-cluster", "-n", webhook.namespace,
                                                       "--type=merge", "-p", #"{"spec":{"workerGroupSpecs":[{"groupName":"small-group","minReplicas":1,"maxReplicas":6,"template":{"spec":{"containers":[{"name":"ray-worker","image":"rayproject/ray:2.9.0"}]}}}]}}"#])
        XCTAssertTrue(patched.succeeded, patched.stderr)
    }

    /// Each original v1alpha1 sample is accepted as it is and reads back identical through v1alpha1,
    /// and as a proper v1 object through v1.
    func testOriginalV1Alpha1SamplesRoundTrip() throws {
        let webhook = try webhook
        let samplesDir = Paths.file("config/samples")
        let files = try FileManager.default.contentsOfDirectory(atPath: samplesDir.path).sorted()
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
        var checked = 0
        for file in files {
            let url = samplesDir.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            guard text.contains("ray.io/v1alpha1") else { continue }
            checked += 1
            let sent = try manifestObject(file: url)
            let name = try XCTUnwrap(JSON.at(sent, "metadata", "name") as? String, file)
            let created = try webhook.kubectl.runRetrying(["create", "-n", webhook.namespace, "-f", url.path])
            XCTAssertTrue(created.succeeded, "\(file): \(created.stderr)")
            guard created.succeeded else { continue }
            defer { _ = try? webhook.kubectl.run(["delete", "rayclusters.v1.ray.io", name, "-n", webhook.namespace, "--wait=true"]) }

            let asAlpha = try webhook.kubectl.getJSON(["rayclusters.v1alpha1.ray.io", name, "-n", webhook.namespace])
            XCTAssertEqual(asAlpha["apiVersion"] as? String, "ray.io/v1alpha1", file)
            if !JSON.equal(sent["spec"], asAlpha["spec"]) {
                XCTFail("\(file): spec read back through v1alpha1 differs.\nsent: \(try JSON.string(sent["spec"] ?? NSNull()))\ngot:  \(try JSON.string(asAlpha["spec"] ?? NSNull()))")
            }
            for field in ["labels", "annotations"] {
                let mine = JSON.at(sent, "metadata", field) as? [String: Any] ?? [:]
                let theirs = JSON.at(asAlpha, "metadata", field) as? [String: Any] ?? [:]
                XCTAssertTrue(JSON.equal(mine, theirs), "\(file): metadata.\(field) \(theirs) != \(mine)")
            }

            let asV1 = try webhook.kubectl.getJSON(["rayclusters.v1.ray.io", name, "-n", webhook.namespace])
            XCTAssertEqual(asV1["apiVersion"] as? String, "ray.io/v1", file)
            let extensions = JSON.at(sent, "spec", "extensions") as? [[String: Any]] ?? []
            let workers = extensions.filter { ($0["type"] as? String)?.lowercased() != "head" }
            let v1Workers = JSON.at(asV1, "spec", "workerGroupSpecs") as? [[String: Any]] ?? []
            XCTAssertEqual(v1Workers.map { $0["groupName"] as? String }, workers.map { $0["groupName"] as? String }, file)
            XCTAssertNotNil(JSON.at(asV1, "spec", "headGroupSpec", "template", "spec", "containers", 0, "image") as? String, file)
        }
        XCTAssertGreaterThan(checked, 0, "no ray.io/v1alpha1 samples found in config/samples")
    }

    func testGetPrintsKubeRayColumns() throws {
        let webhook = try webhook
        let created = try create(goodCluster(name: "columns"), in: webhook)
        XCTAssertTrue(created.succeeded, created.stderr)
        // Write a status as the reconciler would (status subresource: no webhook involved).
        let status = #"{"status":{"state":"ready","desiredWorkerReplicas":2,"availableWorkerReplicas":1,"desiredCPU":"3","desiredMemory":"6Gi","desiredGPU":"0","desiredTPU":"0","head":{"podIP":"10.1.2.3","serviceIP":"10.96.0.10"}}}"#
        let patched = try webhook.kubectl.runRetrying(["patch", "rayclusters.v1.ray.io", "columns", "-n", webhook.namespace,
                                                       "--subresource=status", "--type=merge", "-p", status])
        XCTAssertTrue(patched.succeeded, patched.stderr)

        let table = try webhook.kubectl.runRetrying(["get", "rayclusters", "-n", webhook.namespace])
        XCTAssertTrue(table.succeeded, table.stderr)
        let header = table.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let words = header.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        XCTAssertEqual(words, "NAME DESIRED WORKERS AVAILABLE WORKERS CPUS MEMORY GPUS STATUS AGE", table.stdout)
        let row = table.stdout.split(separator: "\n").first { $0.hasPrefix("columns ") }.map(String.init) ?? ""
        XCTAssertEqual(Array(row.split(separator: " ").map(String.init).prefix(7)), ["columns", "2", "1", "3", "6Gi", "0", "ready"], table.stdout)

        let wide = try webhook.kubectl.runRetrying(["get", "rayclusters", "-n", webhook.namespace, "-o", "wide"])
        XCTAssertTrue(wide.stdout.contains("TPUS") && wide.stdout.contains("HEAD POD IP") && wide.stdout.contains("HEAD SERVICE IP"), wide.stdout)
        XCTAssertTrue(wide.stdout.contains("10.1.2.3") && wide.stdout.contains("10.96.0.10"), wide.stdout)

        // Through v1alpha1 too (the conversion webhook carries the status).
        let alpha = try webhook.kubectl.runRetrying(["get", "rayclusters.v1alpha1.ray.io", "columns", "-n", webhook.namespace])
        XCTAssertTrue(alpha.succeeded, alpha.stderr)
        XCTAssertTrue(alpha.stdout.contains("DESIRED WORKERS") && alpha.stdout.contains("ready"), alpha.stdout)

        // And the category `all`.
        let all = try webhook.kubectl.runRetrying(["get", "all", "-n", webhook.namespace])
        XCTAssertTrue(all.stdout.contains("raycluster.ray.io/columns"), all.stdout)
    }

    /// Every ray.io/v1 sample passes the CRD schema and both webhooks as it is (server-side dry
    /// run: admission runs, nothing is stored).
    func testV1SamplesAreAccepted() throws {
        let webhook = try webhook
        let samplesDir = Paths.file("config/samples")
        let files = try FileManager.default.contentsOfDirectory(atPath: samplesDir.path).sorted()
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }
        var checked = 0
        for file in files {
            let url = samplesDir.appendingPathComponent(file)
            guard try String(contentsOf: url, encoding: .utf8).contains("apiVersion: ray.io/v1\n") else { continue }
            checked += 1
            let result = try webhook.kubectl.runRetrying(["create", "--dry-run=server", "-n", webhook.namespace, "-f", url.path]) { result in
                Kubectl.isTransient(result) && !result.stderr.contains("denied the request") && !result.stderr.contains("is invalid")
            }
            XCTAssertTrue(result.succeeded, "\(file): \(result.stderr)")
        }
        XCTAssertGreaterThan(checked, 0, "no ray.io/v1 samples found in config/samples")
    }

    /// The templates of certs/README.md register a local webhook as documented.
    func testLocalRegistrationTemplatesApply() throws {
        let webhook = try webhook
        func fill(_ name: String) throws -> String {
            try String(contentsOf: Paths.file("certs/\(name)"), encoding: .utf8)
                .replacingOccurrences(of: "${WEBHOOK}", with: "https://127.0.0.1:\(webhook.port)")
                .replacingOccurrences(of: "${CA_BUNDLE}", with: webhook.caBundle)
        }
        let configurations = try webhook.kubectl.run(["apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", "-"],
                                                     stdin: try fill("local-webhooks.yaml.tmpl"))
        XCTAssertTrue(configurations.succeeded, configurations.stderr)
        XCTAssertTrue(configurations.stdout.contains("vraycluster.ray.io") && configurations.stdout.contains("mraycluster.ray.io"),
                      configurations.stdout)
        let patchFile = webhook.workDir.appendingPathComponent("conversion-patch.yaml")
        try fill("crd-conversion.patch.yaml.tmpl").write(to: patchFile, atomically: true, encoding: .utf8)
        let patched = try webhook.kubectl.run(["patch", "crd", "rayclusters.ray.io", "--dry-run=server", "--type=merge",
                                               "--patch-file", patchFile.path, "-o", "jsonpath={.spec.conversion.webhook.clientConfig.url}"])
        XCTAssertTrue(patched.succeeded, patched.stderr)
        XCTAssertEqual(patched.stdout, "https://127.0.0.1:\(webhook.port)/convert")
    }

    /// UPDATEs reach the validating webhook with the old object: an immutable field cannot change.
    func testImmutableFieldCannotChangeOnUpdate() throws {
        let webhook = try webhook
        let manifest = goodCluster(name: "managed").replacingOccurrences(
            of: "spec:\n  headGroupSpec:", with: "spec:\n  managedBy: ray.io/kuberay-operator\n  headGroupSpec:")
        let created = try create(manifest, in: webhook)
        XCTAssertTrue(created.succeeded, created.stderr)
        let patched = try webhook.kubectl.runRetrying(["patch", "rayclusters.v1.ray.io", "managed", "-n", webhook.namespace,
                                                       "--type=merge", "-p", #"{"spec":{"managedBy":"kueue.x-k8s.io/multikueue"}}"#]) { result in
            Kubectl.isTransient(result) && !result.stderr.contains("denied the request") && !result.stderr.contains("is invalid")
        }
        XCTAssertFalse(patched.succeeded, "managedBy changed on UPDATE")
        XCTAssertTrue(patched.stderr.contains("the managedBy field is immutable"), patched.stderr)
        let stored = try webhook.kubectl.getJSON(["rayclusters.v1.ray.io", "managed", "-n", webhook.namespace])
        XCTAssertEqual(JSON.at(stored, "spec", "managedBy") as? String, "ray.io/kuberay-operator")
    }

    /// An edit made through ray.io/v1alpha1 reaches the stored v1 object (and wins over what the
    /// conversion kept from before).
    func testEditThroughV1Alpha1ReachesV1() throws {
        let webhook = try webhook
        let sample = Paths.file("config/samples/ray_v1_raycluster.mini.yaml")
        let sent = try manifestObject(file: sample)
        let name = try XCTUnwrap(JSON.at(sent, "metadata", "name") as? String)
        // Its own namespace: the samples test uses the same cluster name.
        let namespace = webhook.namespace + "-edit"
        XCTAssertTrue(try webhook.kubectl.runRetrying(["create", "namespace", namespace]).succeeded)
        defer { _ = try? webhook.kubectl.run(["delete", "namespace", namespace, "--wait=false"]) }
        let created = try webhook.kubectl.runRetrying(["create", "-n", namespace, "-f", sample.path])
        XCTAssertTrue(created.succeeded, created.stderr)
        let patched = try webhook.kubectl.runRetrying(["patch", "rayclusters.v1alpha1.ray.io", name, "-n", namespace, "--type=merge",
                                                       "-p", #"{"spec":{"imagePullPolicy":"IfNotPresent","images":{"defaultImage":"rayproject/ray:2.9.0"}}}"#])
        XCTAssertTrue(patched.succeeded, patched.stderr)
        let asV1 = try webhook.kubectl.getJSON(["rayclusters.v1.ray.io", name, "-n", namespace])
        let head = JSON.at(asV1, "spec", "headGroupSpec", "template", "spec", "containers", 0)
        XCTAssertEqual(JSON.at(head, "imagePullPolicy") as? String, "IfNotPresent", "\(head ?? "no head container")")
        XCTAssertEqual(JSON.at(head, "image") as? String, "rayproject/ray:2.9.0", "the sample's groups take images.defaultImage")
        let asAlpha = try webhook.kubectl.getJSON(["rayclusters.v1alpha1.ray.io", name, "-n", namespace])
        XCTAssertEqual(JSON.at(asAlpha, "spec", "imagePullPolicy") as? String, "IfNotPresent")
        XCTAssertEqual(JSON.at(asAlpha, "spec", "images", "defaultImage") as? String, "rayproject/ray:2.9.0")
        XCTAssertEqual(JSON.at(asAlpha, "spec", "clusterName") as? String, JSON.at(sent, "spec", "clusterName") as? String)
    }

    /// API servers that speak only admission.k8s.io/v1beta1 get the same answers: the webhook
    /// replies in the version it was asked in. The v1beta1 registration goes through a recording
    /// proxy, so the test sees that v1beta1 reviews really arrived (and were answered in v1beta1)
    /// instead of trusting the earlier v1 registration, which the API server keeps using until it
    /// takes up the change.
    func testAdmissionReviewV1Beta1() throws {
        let webhook = try webhook
        let proxy = try webhook.startRecordingProxy()
        try webhook.registerWebhooks(admissionReviewVersions: ["v1beta1"], through: proxy.port)
        defer { XCTAssertNoThrow(try webhook.registerWebhooks()) }
        let versions = try webhook.kubectl.run(["get", "validatingwebhookconfiguration", "vraycluster.ray.io", "-o",
                                                "jsonpath={.webhooks[0].admissionReviewVersions}"])
        XCTAssertTrue(versions.stdout.contains("v1beta1") && !versions.stdout.contains("\"v1\""), versions.stdout)

        // Server-side dry runs (both webhooks run, nothing is stored) until both webhooks have
        // been called through the proxy.
        let v1beta1 = "admission.k8s.io/v1beta1"
        let paths: Set<String> = ["/validate-ray-io-v1-raycluster", "/mutate-ray-io-v1-raycluster"]
        try Kubectl.waitUntil(timeout: 90, "the API server to send v1beta1 reviews through the new registration") {
            _ = try webhook.kubectl.run(["create", "--dry-run=server", "-n", webhook.namespace, "-f", "-"],
                                        stdin: goodCluster(name: "review-v1beta1-probe"))
            return Set(proxy.records.map(\.path)).isSuperset(of: paths)
        }
        let seenBefore = proxy.records.count

        let good = try create(goodCluster(name: "review-v1beta1"), in: webhook)
        XCTAssertTrue(good.succeeded, good.stderr)
        let stored = try webhook.kubectl.getJSON(["rayclusters.v1.ray.io", "review-v1beta1", "-n", webhook.namespace])
        XCTAssertEqual(JSON.at(stored, "spec", "rayVersion") as? String, "2.9.0", "the v1beta1 JSON patch was applied")

        let long = try create(goodCluster(name: String(repeating: "b", count: 54)), in: webhook)
        XCTAssertFalse(long.succeeded)
        XCTAssertTrue(long.stderr.contains("RayCluster name should be no more than 53 characters"), long.stderr)

        // Both creates went through the proxy, to both webhooks, as v1beta1 reviews answered in
        // v1beta1 (at least twice each: `create` retries a transient failure).
        let records = proxy.records
        let created = records.dropFirst(seenBefore)
        XCTAssertGreaterThanOrEqual(created.filter { $0.path == "/mutate-ray-io-v1-raycluster" }.count, 2, "\(records)")
        XCTAssertGreaterThanOrEqual(created.filter { $0.path == "/validate-ray-io-v1-raycluster" }.count, 2, "\(records)")
        XCTAssertFalse(records.isEmpty)
        for record in records {
            XCTAssertEqual(record.request, v1beta1, "\(record)")
            XCTAssertEqual(record.response, v1beta1, "\(record)")
            XCTAssertEqual(record.status, 200, "\(record)")
        }
    }
}
