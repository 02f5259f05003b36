// The OpenAPI schema of `ray.io/v1` RayCluster: every field of KubeRay's v1
// API with its type, enums, required lists and the persisted CRD defaults.
// No CEL rules: the webhook enforces immutability, so the CRD installs on Kubernetes 1.20.
import JSON

/// `ray.io/v1` RayCluster, field by field, in the order of KubeRay's Go types.
package enum RayClusterSchemaV1 {
    static let core = "io.k8s.api.core.v1."
    static let networking = "io.k8s.api.networking.v1."

    package static var root: CRDSchema {
        .object("RayCluster is the Schema for the RayClusters API.", [
            .optional("apiVersion", .string("APIVersion defines the versioned schema of this representation of an object.")),
            .optional("kind", .string("Kind is a string value representing the REST resource this object represents.")),
            .optional("metadata", .freeformObject()),
            .optional("spec", spec),
            .optional("status", status),
        ])
    }

    // MARK: spec

    static var spec: CRDSchema {
        .object("RayClusterSpec defines the desired state of RayCluster.", [
            .optional("upgradeStrategy", .object("How pods are replaced when the pod templates change.", [
                .optional("type", .enumeration(["Recreate", "None"], "Recreate deletes and recreates all pods; None leaves them.")),
            ])),
            .optional("authOptions", .object("Ray token authentication.", [
                .optional("enableK8sTokenAuth", .bool()),
                .optional("secretName", .string("Secret holding the token under the key auth_token.")),
                .optional("mode", .enumeration(["disabled", "token"])),
            ])),
            .optional("suspend", .bool("Suspend deletes all pods of the cluster while true.")),
            .optional("managedBy", .string("The controller that manages this cluster: ray.io/kuberay-operator or kueue.x-k8s.io/multikueue. Immutable.")),
            .optional("autoscalerOptions", autoscalerOptions),
            .optional("headServiceAnnotations", .stringMap("Annotations for the head Service.")),
            .optional("enableInTreeAutoscaling", .bool("Run the Ray autoscaler as a sidecar of the head pod.")),
            .optional("gcsFaultToleranceOptions", gcsFaultToleranceOptions),
            .optional("historyServerOptions", .object("History server collector sidecar.", [
                .optional("collectorOptions", .object(nil, [
                    .optional("image", .string()),
                    .optional("imagePullPolicy", .string()),
                    .optional("resources", .kubernetes(core + "ResourceRequirements")),
                    .optional("env", .list(of: .kubernetes(core + "EnvVar"))),
                ])),
            ])),
            .optional("networkPolicy", networkPolicy),
            .optional("tlsOptions", .object("Mutual TLS between Ray nodes (cert-manager).", [
                .optional("enabled", .bool()),
            ])),
            .required("headGroupSpec", headGroupSpec),
            .optional("rayVersion", .string("The version of Ray the images run.")),
            .optional("workerGroupSpecs", .list(of: workerGroupSpec, "The worker groups of the cluster.")),
        ])
    }

    static var autoscalerOptions: CRDSchema {
        .object("Configuration of the autoscaler sidecar.", [
            .optional("resources", .kubernetes(core + "ResourceRequirements")),
            .optional("image", .string("Defaults to the image of the Ray head container.")),
            .optional("imagePullPolicy", .string()),
            .optional("securityContext", .kubernetes(core + "SecurityContext")),
            .optional("idleTimeoutSeconds", .int32("Seconds a worker may stay idle before it is removed.")),
            .optional("upscalingMode", .enumeration(["Default", "Aggressive", "Conservative"])),
            .optional("version", .enumeration(["v1", "v2"])),
            .optional("env", .list(of: .kubernetes(core + "EnvVar"))),
            .optional("envFrom", .list(of: .kubernetes(core + "EnvFromSource"))),
            .optional("volumeMounts", .list(of: .kubernetes(core + "VolumeMount"))),
            .optional("command", .list(of: .string())),
            .optional("args", .list(of: .string())),
        ])
    }

    static var redisCredential: CRDSchema {
        .object(nil, [
            .optional("valueFrom", .kubernetes(core + "EnvVarSource")),
            .optional("value", .string()),
        ])
    }

    static var gcsFaultToleranceOptions: CRDSchema {
        .object("GCS fault tolerance (external Redis or embedded RocksDB storage).", [
            .optional("backend", .enumeration(["redis", "rocksdb"], "Empty means redis. Immutable.")),
            .optional("redisUsername", redisCredential),
            .optional("redisPassword", redisCredential),
            .optional("externalStorageNamespace", .string("Defaults to the RayCluster's UID.")),
            .optional("redisAddress", .string()),
            .optional("storage", .object("Embedded storage (rocksdb backend only).", [
                .optional("claimName", .string("An existing PersistentVolumeClaim; excludes size, storageClassName and accessModes.")),
                .optional("size", .quantity()),
                .optional("storageClassName", .string()),
                .optional("accessModes", .list(of: .string())),
                .optional("subPath", .string()),
                .optional("deletionPolicy", .enumeration(["DeleteWithCluster", "Retain"])),
            ])),
        ])
    }

    static var networkPolicyRules: [CRDProperty] {
        [
            .optional("ingressRules", .list(of: .kubernetes(networking + "NetworkPolicyIngressRule"))),
            .optional("egressRules", .list(of: .kubernetes(networking + "NetworkPolicyEgressRule"))),
        ]
    }

    static var networkPolicy: CRDSchema {
        .object("NetworkPolicies created for the cluster's pods.", [
            .optional("mode", .enumeration(["DenyAll", "DenyAllIngress", "DenyAllEgress"], default: "DenyAll")),
            .optional("head", .object(nil, networkPolicyRules)),
            .optional("worker", .object(nil, networkPolicyRules)),
            .optional("workerGroups", .listMap(of: .object(nil, [.required("groupName", .string())] + networkPolicyRules),
                                                keys: ["groupName"])),
        ])
    }

    static var headGroupSpec: CRDSchema {
        .object("The head pod group.", [
            .required("template", .kubernetes(core + "PodTemplateSpec", "The pod template of the head pod.")),
            .optional("headService", .kubernetes(core + "Service", "A custom head Service.")),
            .optional("enableIngress", .bool()),
            .optional("ingressOptions", .object(nil, [
                .optional("host", .string()),
                .optional("path", .string()),
                .optional("pathType", .enumeration(["Exact", "Prefix", "ImplementationSpecific"])),
                .optional("tls", .list(of: .kubernetes(networking + "IngressTLS"))),
            ])),
            .optional("resources", .stringMap("Ray logical resources; override num-cpus, memory, num-gpus and resources of rayStartParams.")),
            .optional("labels", .stringMap("Ray node labels, also added to the pod's labels.")),
            .optional("rayStartParams", .stringMap("Flags of `ray start`.")),
            .optional("serviceType", .string("Type of the head Service; empty means ClusterIP.")),
        ])
    }

    static var workerGroupSpec: CRDSchema {
        .object(nil, [
            .optional("suspend", .bool()),
            .required("groupName", .string("Unique name of the group within the cluster.")),
            .optional("replicas", .int32("Desired number of replicas.", default: 0)),
            .required("minReplicas", .int32(default: 0)),
            .required("maxReplicas", .int32(default: 2_147_483_647)),
            .optional("idleTimeoutSeconds", .int32()),
            .optional("priority", .int32(default: 0)),
            .optional("resources", .stringMap()),
            .optional("labels", .stringMap()),
            .optional("rayStartParams", .stringMap()),
            .required("template", .kubernetes(core + "PodTemplateSpec", "The pod template of the group's workers.")),
            .optional("scaleStrategy", scaleStrategy),
            .optional("numOfHosts", .int32("Pods per replica (multi-host groups).", default: 1)),
        ])
    }

    static var scaleStrategy: CRDSchema {
        .object(nil, [
            .optional("workersToDelete", .list(of: .string(), "Names of worker pods to delete.")),
        ])
    }

    // MARK: status

    /// The observed state; also used by v1alpha1 so that its printer columns show the same values.
    package static var status: CRDSchema {
        .object("RayClusterStatus defines the observed state of RayCluster.", [
            .optional("state", .string("Deprecated in favour of conditions: ready or suspended.")),
            .optional("desiredCPU", .quantity()),
            .optional("desiredMemory", .quantity()),
            .optional("desiredGPU", .quantity()),
            .optional("desiredTPU", .quantity()),
            .optional("lastUpdateTime", .dateTime(nullable: true)),
            .optional("stateTransitionTimes", .map(of: .dateTime())),
            .optional("endpoints", .stringMap("Port name to port of the head.")),
            .optional("head", .object(nil, [
                .optional("podIP", .string()),
                .optional("serviceIP", .string()),
                .optional("podName", .string()),
                .optional("serviceName", .string()),
            ])),
            .optional("reason", .string()),
            .optional("conditions", .listMap(of: .kubernetes("io.k8s.apimachinery.pkg.apis.meta.v1.Condition"), keys: ["type"])),
            .optional("readyWorkerReplicas", .int32()),
            .optional("availableWorkerReplicas", .int32()),
            .optional("desiredWorkerReplicas", .int32()),
            .optional("minWorkerReplicas", .int32()),
            .optional("maxWorkerReplicas", .int32()),
            .optional("observedGeneration", .int64()),
        ])
    }
}
