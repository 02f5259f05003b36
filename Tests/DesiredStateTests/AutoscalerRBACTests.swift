import DesiredState
import JSON
import RayAPI
import XCTest

/// The in-tree autoscaler's ServiceAccount, Role and RoleBinding.
final class AutoscalerRBACTests: XCTestCase {
    private let owner: JSONValue = [
        "apiVersion": "ray.io/v1", "kind": "RayCluster", "name": "demo", "uid": .string(Fixtures.uid),
        "controller": true, "blockOwnerDeletion": true,
    ]
    private let labels: JSONValue = [
        "app.kubernetes.io/created-by": "kuberay-operator", "app.kubernetes.io/name": "kuberay", "ray.io/cluster": "demo",
    ]

    private func withServiceAccount(_ name: String, _ cluster: JSONValue = Fixtures.cluster(autoscaling: true)) -> JSONValue {
        var cluster = cluster
        cluster.set(["spec", "headGroupSpec", "template", "spec", "serviceAccountName"], .string(name))
        return cluster
    }

    func testGoldenObjects() throws {
        let cluster = Fixtures.cluster(autoscaling: true)
        XCTAssertEqual(try AutoscalerRBAC.object(.serviceAccount, cluster: cluster), [
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": ["name": "demo", "namespace": "default", "labels": labels, "ownerReferences": [owner]],
        ])
        XCTAssertEqual(try AutoscalerRBAC.object(.role, cluster: cluster), [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": ["name": "demo", "namespace": "default", "labels": labels, "ownerReferences": [owner]],
            "rules": [
                ["apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch", "patch"]],
                ["apiGroups": [""], "resources": ["pods/resize"], "verbs": ["patch"]],
                ["apiGroups": ["ray.io"], "resources": ["rayclusters"], "verbs": ["get", "patch"]],
            ],
        ])
        XCTAssertEqual(try AutoscalerRBAC.object(.roleBinding, cluster: cluster), [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": ["name": "demo", "namespace": "default", "labels": labels, "ownerReferences": [owner]],
            "subjects": [["kind": "ServiceAccount", "name": "demo", "namespace": "default"]],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "demo"],
        ])
    }

    func testTheyComeFirstInOrderAndTheHeadRunsAsTheServiceAccount() throws {
        var fake = FakeCluster(cluster: Fixtures.cluster(replicas: 1, autoscaling: true))
        let plan = fake.plan()
        XCTAssertEqual(plan.actions.prefix(4).map(\.objectName), ["demo", "demo", "demo", "demo-head"])
        var kinds: [AutoscalerObjectKind] = []
        for action in plan.actions { if case .createAutoscalerObject(let c) = action { kinds.append(c.kind) } }
        XCTAssertEqual(kinds, [.serviceAccount, .role, .roleBinding])
        XCTAssertEqual(plan.actions.prefix(3).map { $0.successEvent(namespace: "default").reason },
                       ["CreatedServiceAccount", "CreatedRole", "CreatedRoleBinding"])
        XCTAssertEqual(plan.actions[0].successEvent(namespace: "default").message, "Created service account default/demo")
        XCTAssertEqual(plan.actions[2].failureEvent(namespace: "default", error: "forbidden"),
                       PlannedEvent(type: "Warning", reason: "FailedToCreateRoleBinding", message: "Failed to create role binding default/demo: forbidden"))
        XCTAssertNil(plan.actions[1].failure(namespace: "default", error: "x").replicaFailureReason)
        fake.converge()
        XCTAssertEqual(fake.pods["demo-headgroup-head-0"]?["spec"]?["serviceAccountName"], "demo")
        XCTAssertNil(fake.pods["demo-workers-worker-0"]?["spec"]?["serviceAccountName"], "workers keep the template's")
        // Present: kept, never written again.
        fake.allReady()
        XCTAssertEqual(fake.plan().actions, [])
        XCTAssertEqual(fake.alreadyExists, [])
        // One deleted by hand comes back; the others are left alone.
        fake.autoscalerObjects["Role/demo"] = nil
        XCTAssertEqual(fake.plan().actions.map(\.objectName), ["demo"])
    }

    func testAUserNamedServiceAccountMustExist() {
        var fake = FakeCluster(cluster: withServiceAccount("my-sa"))
        var plan = fake.plan()
        XCTAssertEqual(plan.actions, [], "no Role, no Service, no pod")
        XCTAssertEqual(plan.events.map(\.reason), ["AutoscalerServiceAccountNotFound"])
        XCTAssertEqual(plan.events.first?.type, "Warning")
        XCTAssertEqual(plan.error?.message.contains("my-sa"), true)
        XCTAssertEqual(AutoscalerRBAC.serviceAccount(of: fake.cluster)?.name, "my-sa")
        XCTAssertEqual(AutoscalerRBAC.serviceAccount(of: fake.cluster)?.userNamed, true)

        fake.userServiceAccounts = ["my-sa"]
        plan = fake.plan()
        XCTAssertNil(plan.error)
        XCTAssertEqual(plan.events, [])
        var kinds: [AutoscalerObjectKind] = []
        for action in plan.actions { if case .createAutoscalerObject(let c) = action { kinds.append(c.kind) } }
        XCTAssertEqual(kinds, [.role, .roleBinding], "the user's ServiceAccount is not made")
        fake.converge()
        XCTAssertEqual(fake.autoscalerObjects["RoleBinding/demo"]?["subjects"]?[0]?["name"], "my-sa")
        XCTAssertEqual(fake.pods["demo-headgroup-head-0"]?["spec"]?["serviceAccountName"], "my-sa")
        XCTAssertNil(fake.autoscalerObjects["ServiceAccount/my-sa"])
    }

    func testNamesFollowCheckName() {
        let long = String(repeating: "a", count: 3) + String(repeating: "b", count: 50)
        var cluster = Fixtures.cluster(name: long, autoscaling: true)
        XCTAssertEqual(AutoscalerRBAC.serviceAccount(of: cluster)?.name, String(repeating: "b", count: 50))
        XCTAssertEqual(AutoscalerRBAC.serviceAccount(of: cluster)?.userNamed, false)
        cluster = Fixtures.cluster(name: "9lives", autoscaling: true)
        XCTAssertEqual(AutoscalerRBAC.serviceAccount(of: cluster)?.name, "rlives")
        let plan = FakeCluster(cluster: cluster).plan()
        XCTAssertEqual(plan.actions.prefix(3).map(\.objectName), ["rlives", "9lives", "9lives"], "Role and RoleBinding are <cluster>")
    }

    func testNothingWithoutInTreeAutoscaling() {
        XCTAssertNil(AutoscalerRBAC.serviceAccount(of: Fixtures.cluster()))
        let plan = FakeCluster(cluster: withServiceAccount("missing", Fixtures.cluster())).plan()
        XCTAssertNil(plan.error)
        for action in plan.actions { if case .createAutoscalerObject = action { XCTFail("\(action)") } }
        XCTAssertEqual(plan.events, [])
    }
}
