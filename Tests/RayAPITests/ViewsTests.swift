import Foundation
import XCTest
@testable import JSON
@testable import RayAPI

/// The typed views read what is there, answer nil for absent/null/wrong-typed members, keep zero
/// and empty distinct from absent, and never drop a field.
final class ViewsTests: XCTestCase {
    private let cluster: JSONValue = [
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": [
            "name": "raycluster-complete",
            "namespace": "default",
            "labels": ["team": "ml", "bad": 3],
            "annotations": ["ray.io/ft-enabled": "true"],
            "generation": 4,
        ],
        "spec": [
            "rayVersion": "2.46.0",
            "enableInTreeAutoscaling": true,
            "suspend": false,
            "managedBy": "ray.io/kuberay-operator",
            "headServiceAnnotations": [:],
            "upgradeStrategy": ["type": "Recreate"],
            "authOptions": ["mode": "token", "enableK8sTokenAuth": false, "secretName": "tok"],
            "tlsOptions": ["enabled": true],
            "autoscalerOptions": [
                "version": "v2", "upscalingMode": "Default", "idleTimeoutSeconds": 60,
                "imagePullPolicy": "IfNotPresent", "image": "rayproject/ray:2.46.0",
                "resources": ["limits": ["cpu": "500m", "memory": "512Mi"], "requests": ["cpu": 1]],
                "env": [["name": "A", "value": "1"]],
                "volumeMounts": [["name": "logs", "mountPath": "/tmp/ray"]],
                "command": ["/bin/bash"], "args": ["-c", "run"],
                "securityContext": ["runAsUser": 1000],
            ],
            "gcsFaultToleranceOptions": [
                "backend": "rocksdb", "redisAddress": "redis:6379", "externalStorageNamespace": "ns",
                "redisPassword": ["valueFrom": ["secretKeyRef": ["name": "s", "key": "k"]]],
                "redisUsername": ["value": "user"],
                "storage": ["size": "1Gi", "storageClassName": "fast", "accessModes": ["ReadWriteOnce"],
                            "deletionPolicy": "Retain", "claimName": "", "subPath": "gcs"],
            ],
            "historyServerOptions": ["collectorOptions": ["image": "collector:1", "env": [["name": "STORAGE_BACKEND", "value": "S3"]]]],
            "networkPolicy": [
                "mode": "DenyAllEgress",
                "head": ["ingressRules": [["from": []]]],
                "workerGroups": [["groupName": "small-group", "egressRules": []]],
            ],
            "headGroupSpec": [
                "serviceType": "ClusterIP",
                "enableIngress": false,
                "ingressOptions": ["host": "ray.example.com", "pathType": "Prefix"],
                "rayStartParams": ["dashboard-host": "0.0.0.0", "num-cpus": 1],
                "resources": ["CPU": 2, "custom": "1.5"],
                "labels": ["zone": "a"],
                "headService": ["metadata": ["name": "custom-head"], "spec": ["type": "NodePort", "ports": [["name": "client", "port": 10001, "targetPort": "client"]]]],
                "template": [
                    "metadata": ["labels": ["app": "ray"]],
                    "spec": [
                        "restartPolicy": "Never",
                        "serviceAccountName": "ray",
                        "nodeSelector": ["pool": "cpu"],
                        "affinity": ["nodeAffinity": [:]],
                        "tolerations": [["key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule", "tolerationSeconds": 30]],
                        "volumes": [["name": "logs", "emptyDir": [:]], ["name": "cfg", "configMap": ["name": "c"]]],
                        "containers": [[
                            "name": "ray-head",
                            "image": "rayproject/ray:2.46.0",
                            "imagePullPolicy": "Always",
                            "ports": [["containerPort": 6379, "name": "gcs-server", "protocol": "TCP"]],
                            "env": [
                                ["name": "RAY_REDIS_ADDRESS", "value": "redis:6379"],
                                ["name": "MY_POD_IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
                            ],
                            "resources": ["limits": ["cpu": "1", "memory": "2Gi", "nvidia.com/gpu": 1], "requests": ["cpu": 0.5]],
                            "volumeMounts": [["name": "logs", "mountPath": "/tmp/ray", "readOnly": true]],
                        ]],
                    ],
                ],
            ],
            "workerGroupSpecs": [
                [
                    "groupName": "small-group", "replicas": 0, "minReplicas": 0, "maxReplicas": 2147483647,
                    "numOfHosts": 2, "idleTimeoutSeconds": 30, "priority": 1, "suspend": true,
                    "rayStartParams": [:],
                    "scaleStrategy": ["workersToDelete": ["pod-a", "pod-b"]],
                    "template": ["spec": ["containers": [["name": "ray-worker", "image": "rayproject/ray:2.46.0"]]]],
                ],
                "not-an-object",
                ["groupName": 7, "replicas": "3"],
            ],
        ],
        "status": [
            "state": "ready",
            "desiredCPU": "3",
            "desiredMemory": 1024,
            "endpoints": ["client": "10001"],
            "head": ["podIP": "10.0.0.1", "serviceIP": "10.0.0.2", "podName": "h", "serviceName": "s"],
            "conditions": [["type": "HeadPodReady", "status": "True", "reason": "HeadPodRunningAndReady"]],
            "readyWorkerReplicas": 1, "availableWorkerReplicas": 1, "desiredWorkerReplicas": 2,
            "minWorkerReplicas": 0, "maxWorkerReplicas": 5, "observedGeneration": 4,
            "stateTransitionTimes": ["ready": "2024-01-01T00:00:00Z"],
        ],
        "someFutureField": ["x": 1],
    ]

    func testRootAndMetadata() {
        let rc = RayCluster(cluster)
        XCTAssertTrue(rc.isV1)
        XCTAssertEqual(rc.name, "raycluster-complete")
        XCTAssertEqual(rc.namespace, "default")
        XCTAssertEqual(rc.metadata?.generation, 4)
        XCTAssertEqual(rc.metadata?.labels, ["team": "ml"], "a non-string label value is skipped")
        XCTAssertEqual(rc.metadata?.annotation(RayAnnotation.ftEnabled), "true")
        XCTAssertNil(rc.metadata?.annotation("absent"))
        XCTAssertNil(rc.metadata?.finalizers)
        // Views only read: the unknown field is still in the JSON.
        XCTAssertEqual(rc.json["someFutureField"], ["x": 1])
    }

    func testSpecAndOptions() throws {
        let spec = try XCTUnwrap(RayCluster(cluster).spec)
        XCTAssertEqual(spec.rayVersion, "2.46.0")
        XCTAssertEqual(spec.enableInTreeAutoscaling, true)
        XCTAssertTrue(spec.isAutoscalingEnabled)
        XCTAssertEqual(spec.suspend, false, "false is not absent")
        XCTAssertEqual(spec.managedBy, "ray.io/kuberay-operator")
        XCTAssertEqual(spec.headServiceAnnotations, [:], "empty is not absent")
        XCTAssertEqual(spec.upgradeStrategy?.type, RayClusterUpgradeType.recreate)
        XCTAssertEqual(spec.authOptions?.mode, AuthMode.token)
        XCTAssertEqual(spec.authOptions?.enableK8sTokenAuth, false)
        XCTAssertEqual(spec.authOptions?.secretName, "tok")
        XCTAssertEqual(spec.tlsOptions?.enabled, true)

        let autoscaler = try XCTUnwrap(spec.autoscalerOptions)
        XCTAssertEqual(autoscaler.version, AutoscalerVersion.v2)
        XCTAssertEqual(autoscaler.upscalingMode, UpscalingMode.default)
        XCTAssertEqual(autoscaler.idleTimeoutSeconds, 60)
        XCTAssertEqual(autoscaler.image, "rayproject/ray:2.46.0")
        XCTAssertEqual(autoscaler.imagePullPolicy, "IfNotPresent")
        XCTAssertEqual(autoscaler.resources?.limits, ["cpu": "500m", "memory": "512Mi"])
        XCTAssertEqual(autoscaler.resources?.requests, ["cpu": "1"], "an integer quantity reads as its text")
        XCTAssertEqual(autoscaler.env?.first?.name, "A")
        XCTAssertEqual(autoscaler.volumeMounts?.first?.mountPath, "/tmp/ray")
        XCTAssertEqual(autoscaler.command, ["/bin/bash"])
        XCTAssertEqual(autoscaler.args, ["-c", "run"])
        XCTAssertEqual(autoscaler.securityContext?["runAsUser"], 1000)
        XCTAssertNil(autoscaler.envFrom)

        let gcs = try XCTUnwrap(spec.gcsFaultToleranceOptions)
        XCTAssertTrue(gcs.usesEmbeddedStorage)
        XCTAssertEqual(gcs.redisAddress, "redis:6379")
        XCTAssertEqual(gcs.externalStorageNamespace, "ns")
        XCTAssertNotNil(gcs.redisPassword?.valueFrom)
        XCTAssertNil(gcs.redisPassword?.value)
        XCTAssertEqual(gcs.redisUsername?.value, "user")
        XCTAssertEqual(gcs.storage?.size, "1Gi")
        XCTAssertEqual(gcs.storage?.storageClassName, "fast")
        XCTAssertEqual(gcs.storage?.accessModes, ["ReadWriteOnce"])
        XCTAssertEqual(gcs.storage?.deletionPolicy, GCSStorageDeletionPolicy.retain)
        XCTAssertEqual(gcs.storage?.claimName, "", "empty string is not absent")
        XCTAssertEqual(gcs.storage?.subPath, "gcs")

        let collector = try XCTUnwrap(spec.historyServerOptions?.collectorOptions)
        XCTAssertEqual(collector.image, "collector:1")
        XCTAssertEqual(collector.env?.first?.value, "S3")
        XCTAssertNil(collector.resources)

        let policy = try XCTUnwrap(spec.networkPolicy)
        XCTAssertEqual(policy.effectiveMode, NetworkPolicyMode.denyAllEgress)
        XCTAssertEqual(policy.head?.ingressRules?.count, 1)
        XCTAssertNil(policy.head?.egressRules)
        XCTAssertNil(policy.worker)
        XCTAssertEqual(policy.workerGroups?.first?.groupName, "small-group")
        XCTAssertEqual(policy.workerGroups?.first?.egressRules?.count, 0)
        XCTAssertEqual(NetworkPolicyConfig([:]).effectiveMode, NetworkPolicyMode.denyAll)
    }

    func testHeadGroup() throws {
        let head = try XCTUnwrap(RayCluster(cluster).spec?.headGroupSpec)
        XCTAssertEqual(head.serviceType, "ClusterIP")
        XCTAssertEqual(head.enableIngress, false)
        XCTAssertEqual(head.ingressOptions?.host, "ray.example.com")
        XCTAssertEqual(head.ingressOptions?.pathType, "Prefix")
        XCTAssertNil(head.ingressOptions?.path)
        XCTAssertEqual(head.rayStartParams, ["dashboard-host": "0.0.0.0"], "num-cpus: 1 is not a string")
        XCTAssertEqual(head.resources, ["CPU": "2", "custom": "1.5"])
        XCTAssertEqual(head.labels, ["zone": "a"])
        XCTAssertEqual(head.headService?.metadata?.name, "custom-head")
        XCTAssertEqual(head.headService?.spec?.type, "NodePort")
        XCTAssertEqual(head.headService?.spec?.ports?.first?.port, 10001)
        XCTAssertEqual(head.headService?.spec?.ports?.first?.targetPort, .string("client"))

        let template = try XCTUnwrap(head.template)
        XCTAssertEqual(template.metadata?.labels, ["app": "ray"])
        let pod = try XCTUnwrap(template.spec)
        XCTAssertEqual(pod.restartPolicy, "Never")
        XCTAssertEqual(pod.serviceAccountName, "ray")
        XCTAssertEqual(pod.nodeSelector, ["pool": "cpu"])
        XCTAssertEqual(pod.affinity, ["nodeAffinity": [:]])
        let toleration = try XCTUnwrap(pod.tolerations?.first)
        XCTAssertEqual(toleration.key, "k")
        XCTAssertEqual(toleration.operator, "Equal")
        XCTAssertEqual(toleration.value, "v")
        XCTAssertEqual(toleration.effect, "NoSchedule")
        XCTAssertEqual(toleration.tolerationSeconds, 30)
        XCTAssertEqual(pod.volumes?.map(\.name), ["logs", "cfg"])
        XCTAssertEqual(pod.volumes?.last?.sourceKinds, ["configMap"])
        XCTAssertNotNil(pod.volumes?.first?.emptyDir)
        XCTAssertNil(pod.initContainers)

        let ray = try XCTUnwrap(template.rayContainer)
        XCTAssertEqual(ray.name, "ray-head")
        XCTAssertEqual(ray.image, "rayproject/ray:2.46.0")
        XCTAssertEqual(ray.imagePullPolicy, "Always")
        XCTAssertEqual(ray.ports?.first?.containerPort, 6379)
        XCTAssertEqual(ray.ports?.first?.name, "gcs-server")
        XCTAssertEqual(ray.ports?.first?.protocol, "TCP")
        XCTAssertEqual(ray.envVar(named: "RAY_REDIS_ADDRESS")?.value, "redis:6379")
        XCTAssertEqual(ray.envVar(named: "MY_POD_IP")?.fieldPath, "status.podIP")
        XCTAssertNil(ray.envVar(named: "MY_POD_IP")?.value)
        XCTAssertNil(ray.envVar(named: "NOPE"))
        XCTAssertEqual(ray.resources?.limits, ["cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"])
        XCTAssertEqual(ray.resources?.requests, ["cpu": "0.5"])
        XCTAssertEqual(ray.volumeMounts?.first?.readOnly, true)
        XCTAssertNil(ray.command)
    }

    func testWorkerGroupsKeepIndexesAndPointerSemantics() throws {
        let groups = try XCTUnwrap(RayCluster(cluster).spec?.workerGroupSpecs)
        XCTAssertEqual(groups.count, 3, "every element is a view, so indexes match the JSON")
        let small = groups[0]
        XCTAssertEqual(small.groupName, "small-group")
        XCTAssertEqual(small.replicas, 0, "zero is not absent")
        XCTAssertEqual(small.minReplicas, 0)
        XCTAssertEqual(small.maxReplicas, 2147483647)
        XCTAssertEqual(small.numOfHosts, 2)
        XCTAssertEqual(small.idleTimeoutSeconds, 30)
        XCTAssertEqual(small.priority, 1)
        XCTAssertEqual(small.suspend, true)
        XCTAssertEqual(small.rayStartParams, [:], "empty is not absent")
        XCTAssertEqual(small.scaleStrategy?.workersToDelete, ["pod-a", "pod-b"])
        XCTAssertEqual(small.template?.rayContainer?.name, "ray-worker")
        XCTAssertNil(small.resources)
        XCTAssertNil(small.labels)

        // A non-object element reads as all-nil.
        XCTAssertNil(groups[1].groupName)
        XCTAssertNil(groups[1].template)
        // Wrong-typed members read as nil.
        XCTAssertNil(groups[2].groupName)
        XCTAssertNil(groups[2].replicas)
        XCTAssertNil(groups[2].rayStartParams, "absent")
    }

    func testStatus() throws {
        let status = try XCTUnwrap(RayCluster(cluster).status)
        XCTAssertEqual(status.state, ClusterState.ready)
        XCTAssertEqual(status.desiredCPU, "3")
        XCTAssertEqual(status.desiredMemory, "1024")
        XCTAssertNil(status.desiredGPU)
        XCTAssertEqual(status.endpoints, ["client": "10001"])
        XCTAssertEqual(status.head?.podIP, "10.0.0.1")
        XCTAssertEqual(status.head?.serviceIP, "10.0.0.2")
        XCTAssertEqual(status.head?.podName, "h")
        XCTAssertEqual(status.head?.serviceName, "s")
        XCTAssertEqual(status.condition(RayClusterConditionType.headPodReady)?.isTrue, true)
        XCTAssertEqual(status.condition(RayClusterConditionType.headPodReady)?.reason, RayClusterConditionReason.headPodRunningAndReady)
        XCTAssertNil(status.condition(RayClusterConditionType.suspended))
        XCTAssertEqual(status.readyWorkerReplicas, 1)
        XCTAssertEqual(status.availableWorkerReplicas, 1)
        XCTAssertEqual(status.desiredWorkerReplicas, 2)
        XCTAssertEqual(status.minWorkerReplicas, 0)
        XCTAssertEqual(status.maxWorkerReplicas, 5)
        XCTAssertEqual(status.observedGeneration, 4)
        XCTAssertEqual(status.stateTransitionTimes?["ready"], "2024-01-01T00:00:00Z")
    }

    func testWrongTypesAndNullReadAsNil() {
        let weird: JSONValue = [
            "apiVersion": 1, "kind": nil,
            "metadata": "x",
            "spec": [
                "headGroupSpec": nil, "workerGroupSpecs": ["a": 1], "suspend": "true",
                "enableInTreeAutoscaling": 1, "rayVersion": 2.5, "autoscalerOptions": [],
            ],
            "status": 5,
        ]
        let rc = RayCluster(weird)
        XCTAssertNil(rc.apiVersion)
        XCTAssertNil(rc.kind)
        XCTAssertFalse(rc.isV1)
        XCTAssertNil(rc.metadata)
        XCTAssertNil(rc.name)
        XCTAssertNil(rc.status)
        XCTAssertNil(rc.spec?.headGroupSpec, "null is absent")
        XCTAssertNil(rc.spec?.workerGroupSpecs)
        XCTAssertNil(rc.spec?.suspend)
        XCTAssertNil(rc.spec?.enableInTreeAutoscaling)
        XCTAssertFalse(rc.spec?.isAutoscalingEnabled ?? true)
        XCTAssertNil(rc.spec?.rayVersion)
        XCTAssertNil(rc.spec?.autoscalerOptions)
        // A scalar, array or null at the root reads as an empty object.
        for root: JSONValue in [nil, 1, "x", [1, 2]] {
            XCTAssertNil(RayCluster(root).spec)
            XCTAssertNil(RayCluster(root).metadata)
        }
    }

    func testNumberForms() {
        let group = WorkerGroupSpec(["replicas": .number("3.0"), "minReplicas": .number("1e1"), "maxReplicas": .number("2.5")])
        XCTAssertEqual(group.replicas, 3, "an exact integer written as 3.0 still reads")
        XCTAssertEqual(group.minReplicas, 10)
        XCTAssertNil(group.maxReplicas, "a fraction is not an integer")
    }

    func testIntOrString() {
        XCTAssertEqual(IntOrString(8080), .int(8080))
        XCTAssertEqual(IntOrString("http"), .string("http"))
        XCTAssertNil(IntOrString(true))
        XCTAssertNil(IntOrString(nil))
        XCTAssertNil(IntOrString(.number("1.5")))
        XCTAssertEqual(IntOrString(8080)?.description, "8080")
    }
}

/// Views never crash, whatever the JSON: every accessor is read on objects whose subtrees were
/// replaced by random values of random types.
final class ViewsRobustnessTests: XCTestCase {
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    private func randomValue(_ g: inout Generator, depth: Int) -> JSONValue {
        switch g.below(depth > 2 ? 6 : 8) {
        case 0: return .null
        case 1: return .bool(g.below(2) == 0)
        case 2: return .integer(Int64(bitPattern: g.next()))
        case 3: return .number("1.5e3")
        case 4: return .string(["", "x", "2Gi", "v2", "rocksdb", "token"][g.below(6)])
        case 5: return .array([])
        case 6: return .array((0..<g.below(3)).map { _ in randomValue(&g, depth: depth + 1) })
        default:
            var object = JSONObject()
            for key in ["name", "value", "type", "spec", "template", "containers", "env"].prefix(g.below(4)) {
                object[key] = randomValue(&g, depth: depth + 1)
            }
            return .object(object)
        }
    }

    /// Replaces one random member somewhere in `value`.
    private func mutate(_ value: JSONValue, _ g: inout Generator, depth: Int = 0) -> JSONValue {
        switch value {
        case .object(var object) where !object.isEmpty:
            let key = object.keys[g.below(object.count)]
            if g.below(3) == 0 || depth > 8 {
                object[key] = randomValue(&g, depth: 0)
            } else if let member = object[key] {
                object[key] = mutate(member, &g, depth: depth + 1)
            }
            return .object(object)
        case .array(var elements) where !elements.isEmpty:
            let index = g.below(elements.count)
            elements[index] = g.below(3) == 0 ? randomValue(&g, depth: 0) : mutate(elements[index], &g, depth: depth + 1)
            return .array(elements)
        default:
            return randomValue(&g, depth: 0)
        }
    }

    /// Reads every accessor of every view reachable from the cluster.
    private func readEverything(_ rc: RayCluster) -> Int {
        var count = 0
        func touch<T>(_ value: T?) { if value != nil { count &+= 1 } }
        func meta(_ m: ObjectMeta?) {
            guard let m else { return }
            touch(m.name); touch(m.generateName); touch(m.namespace); touch(m.uid); touch(m.resourceVersion)
            touch(m.generation); touch(m.creationTimestamp); touch(m.deletionTimestamp); touch(m.deletionGracePeriodSeconds)
            touch(m.labels); touch(m.annotations); touch(m.finalizers); touch(m.managedFields); touch(m.label("a"))
            for o in m.ownerReferences ?? [] {
                touch(o.apiVersion); touch(o.kind); touch(o.name); touch(o.uid); touch(o.controller); touch(o.blockOwnerDeletion)
            }
        }
        func container(_ c: Container) {
            touch(c.name); touch(c.image); touch(c.imagePullPolicy); touch(c.command); touch(c.args); touch(c.workingDir)
            touch(c.envFrom); touch(c.livenessProbe); touch(c.readinessProbe); touch(c.startupProbe); touch(c.lifecycle)
            touch(c.securityContext); touch(c.envVar(named: "x"))
            for p in c.ports ?? [] { touch(p.name); touch(p.containerPort); touch(p.hostPort); touch(p.protocol); touch(p.hostIP) }
            for e in c.env ?? [] { touch(e.name); touch(e.value); touch(e.valueFrom); touch(e.fieldPath) }
            touch(c.resources?.limits); touch(c.resources?.requests); touch(c.resources?.claims)
            for v in c.volumeMounts ?? [] {
                touch(v.name); touch(v.mountPath); touch(v.subPath); touch(v.subPathExpr); touch(v.readOnly); touch(v.mountPropagation)
            }
        }
        func template(_ t: PodTemplateSpec?) {
            guard let t else { return }
            meta(t.metadata)
            touch(t.rayContainer)
            guard let s = t.spec else { return }
            (s.containers ?? []).forEach(container); (s.initContainers ?? []).forEach(container)
            for v in s.volumes ?? [] {
                touch(v.name); touch(v.emptyDir); touch(v.secret); touch(v.configMap); touch(v.persistentVolumeClaim)
                touch(v.projected); touch(v.hostPath); count &+= v.sourceKinds.count
            }
            for t in s.tolerations ?? [] { touch(t.key); touch(t.operator); touch(t.value); touch(t.effect); touch(t.tolerationSeconds) }
            touch(s.restartPolicy); touch(s.serviceAccountName); touch(s.serviceAccount); touch(s.nodeSelector); touch(s.nodeName)
            touch(s.affinity); touch(s.schedulerName); touch(s.priorityClassName); touch(s.hostNetwork); touch(s.hostname)
            touch(s.subdomain); touch(s.terminationGracePeriodSeconds); touch(s.imagePullSecrets); touch(s.securityContext)
            touch(s.schedulingGates)
        }
        touch(rc.apiVersion); touch(rc.kind); touch(rc.name); touch(rc.namespace); count &+= rc.isV1 ? 1 : 0
        meta(rc.metadata)
        if let spec = rc.spec {
            touch(spec.upgradeStrategy?.type); touch(spec.suspend); touch(spec.managedBy); touch(spec.headServiceAnnotations)
            touch(spec.enableInTreeAutoscaling); touch(spec.rayVersion); count &+= spec.isAutoscalingEnabled ? 1 : 0
            if let a = spec.authOptions { touch(a.enableK8sTokenAuth); touch(a.secretName); touch(a.mode) }
            touch(spec.tlsOptions?.enabled)
            if let a = spec.autoscalerOptions {
                touch(a.resources?.limits); touch(a.image); touch(a.imagePullPolicy); touch(a.securityContext)
                touch(a.idleTimeoutSeconds); touch(a.upscalingMode); touch(a.version); touch(a.env); touch(a.envFrom)
                touch(a.volumeMounts); touch(a.command); touch(a.args)
            }
            if let g = spec.gcsFaultToleranceOptions {
                touch(g.backend); touch(g.redisUsername?.value); touch(g.redisPassword?.valueFrom); touch(g.externalStorageNamespace)
                touch(g.redisAddress); count &+= g.usesEmbeddedStorage ? 1 : 0
                if let s = g.storage {
                    touch(s.claimName); touch(s.size); touch(s.storageClassName); touch(s.accessModes); touch(s.subPath); touch(s.deletionPolicy)
                }
            }
            if let c = spec.historyServerOptions?.collectorOptions {
                touch(c.image); touch(c.imagePullPolicy); touch(c.resources?.requests); touch(c.env)
            }
            if let n = spec.networkPolicy {
                touch(n.mode); touch(n.head?.ingressRules); touch(n.worker?.egressRules); count &+= n.effectiveMode.count
                for w in n.workerGroups ?? [] { touch(w.groupName); touch(w.ingressRules); touch(w.egressRules) }
            }
            if let h = spec.headGroupSpec {
                template(h.template)
                if let s = h.headService {
                    touch(s.apiVersion); touch(s.kind); meta(s.metadata); touch(s.status)
                    if let ss = s.spec {
                        touch(ss.type); touch(ss.selector); touch(ss.clusterIP); touch(ss.clusterIPs); touch(ss.publishNotReadyAddresses)
                        touch(ss.externalName); touch(ss.sessionAffinity)
                        for p in ss.ports ?? [] {
                            touch(p.name); touch(p.port); touch(p.targetPort); touch(p.nodePort); touch(p.protocol); touch(p.appProtocol)
                        }
                    }
                }
                touch(h.enableIngress); touch(h.resources); touch(h.labels); touch(h.rayStartParams); touch(h.serviceType)
                if let i = h.ingressOptions { touch(i.host); touch(i.path); touch(i.pathType); touch(i.tls) }
            }
            for w in spec.workerGroupSpecs ?? [] {
                touch(w.suspend); touch(w.groupName); touch(w.replicas); touch(w.minReplicas); touch(w.maxReplicas)
                touch(w.idleTimeoutSeconds); touch(w.priority); touch(w.resources); touch(w.labels); touch(w.rayStartParams)
                touch(w.scaleStrategy?.workersToDelete); touch(w.numOfHosts); template(w.template)
            }
        }
        if let s = rc.status {
            touch(s.state); touch(s.desiredCPU); touch(s.desiredMemory); touch(s.desiredGPU); touch(s.desiredTPU)
            touch(s.lastUpdateTime); touch(s.stateTransitionTimes); touch(s.endpoints); touch(s.reason)
            touch(s.readyWorkerReplicas); touch(s.availableWorkerReplicas); touch(s.desiredWorkerReplicas)
            touch(s.minWorkerReplicas); touch(s.maxWorkerReplicas); touch(s.observedGeneration); touch(s.condition("x"))
            if let h = s.head { touch(h.podIP); touch(h.serviceIP); touch(h.podName); touch(h.serviceName) }
            for c in s.conditions ?? [] {
                touch(c.type); touch(c.status); touch(c.observedGeneration); touch(c.lastTransitionTime); touch(c.reason)
                touch(c.message); count &+= c.isTrue ? 1 : 0
            }
        }
        return count
    }

    func testMutatedClustersNeverCrashTheViews() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/samples/ray-cluster.complete.yaml")
        let base = try XCTUnwrap(try Manifest.decode([UInt8](Data(contentsOf: url)), source: "complete").first)
        let full = readEverything(RayCluster(base))
        XCTAssertGreaterThan(full, 60, "the sample exercises many accessors")
        var g = Generator(state: 42)
        var changed = 0
        for _ in 0..<2000 {
            var value = base
            for _ in 0..<(1 + g.below(4)) { value = mutate(value, &g) }
            if readEverything(RayCluster(value)) != full { changed += 1 }
        }
        XCTAssertGreaterThan(changed, 100, "mutations reach the fields the views read")
    }
}
