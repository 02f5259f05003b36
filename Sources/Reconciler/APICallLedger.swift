import JSON
import KubeClient
import Metrics

/// Wraps the API client and counts every call by Kubernetes verb, resource and subresource
/// (`ray_operator_api_calls_total{verb,group,resource}`), so the RBAC rules can be checked against
/// what the controller really did (a test scrapes this after an end-to-end run).
package final class APICallLedger: KubeAPI, Sendable {
    package let wrapped: any KubeAPI
    let registry: MetricsRegistry

    package init(wrapping api: any KubeAPI, registry: MetricsRegistry) {
        wrapped = api
        self.registry = registry
    }

    private func count(_ verb: String, _ resource: KubeResource, _ subresource: String? = nil) {
        let name = subresource.map { "\(resource.plural)/\($0)" } ?? resource.plural
        registry.counter("ray_operator_api_calls_total", help: "API calls the controller made, by RBAC verb and resource",
                         labels: ["verb": verb, "group": resource.group, "resource": name]).increment()
    }

    package func get(_ resource: KubeResource, namespace: String?, name: String) throws(KubeError) -> JSONValue {
        count("get", resource)
        return try wrapped.get(resource, namespace: namespace, name: name)
    }

    package func list(_ resource: KubeResource, namespace: String?, options: ListOptions) throws(KubeError) -> JSONValue {
        count("list", resource)
        return try wrapped.list(resource, namespace: namespace, options: options)
    }

    package func create(_ resource: KubeResource, namespace: String?, object: JSONValue) throws(KubeError) -> JSONValue {
        count("create", resource)
        return try wrapped.create(resource, namespace: namespace, object: object)
    }

    package func update(_ resource: KubeResource, namespace: String?, name: String, object: JSONValue,
                       subresource: String?) throws(KubeError) -> JSONValue {
        count("update", resource, subresource)
        return try wrapped.update(resource, namespace: namespace, name: name, object: object, subresource: subresource)
    }

    package func mergePatch(_ resource: KubeResource, namespace: String?, name: String, patch: JSONValue,
                           subresource: String?) throws(KubeError) -> JSONValue {
        count("patch", resource, subresource)
        return try wrapped.mergePatch(resource, namespace: namespace, name: name, patch: patch, subresource: subresource)
    }

    package func delete(_ resource: KubeResource, namespace: String?, name: String, options: DeleteOptions) throws(KubeError) {
        count("delete", resource)
        try wrapped.delete(resource, namespace: namespace, name: name, options: options)
    }

    package func deleteCollection(_ resource: KubeResource, namespace: String?, labelSelector: String,
                                 options: DeleteOptions) throws(KubeError) {
        count("deletecollection", resource)
        try wrapped.deleteCollection(resource, namespace: namespace, labelSelector: labelSelector, options: options)
    }

    package func watch(_ resource: KubeResource, namespace: String?, options: WatchOptions) throws(KubeError) -> any WatchStream {
        count("watch", resource)
        return try wrapped.watch(resource, namespace: namespace, options: options)
    }
}
