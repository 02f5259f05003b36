#!/usr/bin/env bash
# Fetches Kubernetes' published OpenAPI definitions for ONE pinned Kubernetes version and keeps only
# the definitions the RayCluster CRD embeds (the transitive closure of the roots below), so that
# `crd-gen` expands the same schemas on every machine, offline.
#
# Source: the PyPI package kubernetes-validate, which ships the definitions of each Kubernetes
# release as JSON Schema (converted from the release's swagger.json). We pin both the package version
# and the Kubernetes version; KubeRay's API at the commit we follow is built on k8s.io/api v0.36.
#
# Usage: hack/k8s-openapi/fetch.sh            (rewrites hack/k8s-openapi/definitions-v$K8S_VERSION.json)
set -euo pipefail
PACKAGE_VERSION=1.37.0
K8S_VERSION=1.36.0
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps --dest "$work" "kubernetes-validate==$PACKAGE_VERSION"
wheel=$(ls "$work"/kubernetes_validate-"$PACKAGE_VERSION"-*.whl)
member="kubernetes_validate/kubernetes-json-schema/v$K8S_VERSION-local/_definitions.json"
python3 - "$wheel" "$member" "$here/definitions-v$K8S_VERSION.json" "$PACKAGE_VERSION" "$K8S_VERSION" <<'PY'
import json, sys, zipfile
wheel, member, out, package_version, k8s_version = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    defs = json.loads(z.read(member))["$defs"]

# Every Kubernetes type the CRD embeds (RayAPI/CRDSchema*.swift names them with .kubernetes("…")).
roots = [
    "io.k8s.api.core.v1.PodTemplateSpec",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.ResourceRequirements",
    "io.k8s.api.core.v1.SecurityContext",
    "io.k8s.api.core.v1.EnvVar",
    "io.k8s.api.core.v1.EnvFromSource",
    "io.k8s.api.core.v1.EnvVarSource",
    "io.k8s.api.core.v1.VolumeMount",
    "io.k8s.api.core.v1.Volume",
    "io.k8s.api.core.v1.Affinity",
    "io.k8s.api.core.v1.Toleration",
    "io.k8s.api.networking.v1.NetworkPolicyIngressRule",
    "io.k8s.api.networking.v1.NetworkPolicyEgressRule",
    "io.k8s.api.networking.v1.IngressTLS",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Condition",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "io.k8s.apimachinery.pkg.api.resource.Quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
]
prefix = "#/$defs/"
keep = {}
def visit(name):
    if name in keep:
        return
    keep[name] = defs[name]
    walk(defs[name])
def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(prefix):
                visit(value[len(prefix):])
            else:
                walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
for root in roots:
    visit(root)
doc = {
    "source": f"PyPI kubernetes-validate=={package_version}, {member}",
    "kubernetesVersion": k8s_version,
    "roots": roots,
    "definitions": keep,
}
with open(out, "w") as f:
    json.dump(doc, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"{out}: {len(keep)} definitions", file=sys.stderr)
PY
