// The OpenAPI schema of `ray.io/v1alpha1` RayCluster: the original Ray
// operator's API, so that its samples are accepted as they are.
// Required lists follow the original CRD (`spec: [clusterName, images]`, `extensions[]: [replicas]`);
// it had no defaults and no enums. The status schema is v1's: status is converted with the object,
// and the printer columns read it in both versions.
import JSON

/// `ray.io/v1alpha1` RayCluster (the original operator's `extensions[]` API).
package enum RayClusterSchemaV1Alpha1 {
    static let core = "io.k8s.api.core.v1."

    package static var root: CRDSchema {
        .object("RayCluster is the Schema for the RayClusters API (deprecated version: use ray.io/v1).", [
            .optional("apiVersion", .string("APIVersion defines the versioned schema of this representation of an object.")),
            .optional("kind", .string("Kind is a string value representing the REST resource this object represents.")),
            .optional("metadata", .freeformObject()),
            .optional("spec", spec),
            .optional("status", RayClusterSchemaV1.status),
        ])
    }

    static var spec: CRDSchema {
        .object("Specification of the desired behavior of the RayCluster.", [
            .required("clusterName", .string("Unique identifier of the RayCluster in its namespace.")),
            .required("images", .object("Docker images.", [
                .optional("defaultImage", .string("Image of every group that names none.")),
            ])),
            .optional("imagePullPolicy", .string("Pull policy of every container: Always, Never or IfNotPresent.")),
            .optional("extensions", .list(of: extensionSchema, "The pod groups: one head group and any number of worker groups.")),
        ])
    }

    static var extensionSchema: CRDSchema {
        .object(nil, [
            .required("replicas", .int32("Number of pods in this group.")),
            .optional("type", .string("Pod type of the group: head or worker.")),
            .optional("image", .string("Image of the group's pods; overrides images.defaultImage.")),
            .optional("groupName", .string("Name of the group, unique in the cluster; part of the pod names.")),
            .optional("command", .string("Command that starts Ray, run as /bin/bash -c -- <command>.")),
            .optional("labels", .stringMap("Labels of the group's pods.")),
            .optional("serviceAccountName", .string("Service account of the group's pods.")),
            .optional("nodeSelector", .stringMap("Node labels the group's pods require.")),
            .optional("affinity", .kubernetes(core + "Affinity")),
            .optional("resources", .kubernetes(core + "ResourceRequirements")),
            .optional("tolerations", .list(of: .kubernetes(core + "Toleration"))),
            .optional("containerEnv", .list(of: .kubernetes(core + "EnvVar"))),
            .optional("headServiceSuffix", .string("Suffix of the head Service's domain name.")),
            .optional("annotations", .stringMap("Annotations of the group's pods.")),
            .optional("volumes", .list(of: .kubernetes(core + "Volume"))),
            .optional("volumeMounts", .list(of: .kubernetes(core + "VolumeMount"))),
        ])
    }
}
