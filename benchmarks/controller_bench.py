"""The API-server side of benchmarks/controller-bench.sh, over keep-alive HTTPS connections.

  converge KUBECONFIG NAMESPACE CLUSTERS WORKERS
      creates CLUSTERS v1 RayClusters (one worker group of WORKERS replicas) over one connection,
      then polls the namespace's pods and Services (name-only Table lists from the API server's
      watch cache, resourceVersion=0, every 150 ms) until
      every cluster has its head pod, WORKERS worker pods and its head Service; prints the time
      from the first create to that moment.
  plain KUBECONFIG FROM_NAMESPACE NAMESPACE CLUSTERS WORKERS THREADS
      the same creates without a controller: takes one head pod, one worker pod and one head
      Service the controller made in FROM_NAMESPACE, and creates CLUSTERS x (1 + WORKERS) pods and
      CLUSTERS Services of that shape, with new names, in NAMESPACE, over THREADS keep-alive
      connections; prints the wall time.
"""
import copy, http.client, json, ssl, sys, threading, time, urllib.parse

POLL_SECONDS = 0.15
TIMEOUT_SECONDS = 600
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io"


class API:
    """One keep-alive HTTPS connection with the kubeconfig's server, CA and token."""

    def __init__(self, kubeconfig):
        text = open(kubeconfig).read()

        def field(name):
            start = text.index(name + ":") + len(name) + 1
            rest = text[start:].lstrip()
            if rest.startswith('"'):
                return rest[1:rest.index('"', 1)]
            end = min([i for i in (rest.find(","), rest.find("}"), rest.find("\n")) if i >= 0])
            return rest[:end].strip()

        self.server = urllib.parse.urlparse(field("server"))
        self.context = ssl.create_default_context(cafile=field("certificate-authority"))
        self.token = field("token")
        self.connection = None

    def request(self, method, path, body=None, accept="application/json"):
        headers = {"Accept": accept, "Authorization": "Bearer " + self.token, "User-Agent": "controller-bench"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPSConnection(self.server.hostname, self.server.port, context=self.context)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: one fresh try.
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise

    def names(self, namespace, resource):
        status, payload = self.request("GET", "/api/v1/namespaces/%s/%s?includeObject=None&resourceVersion=0" % (namespace, resource), accept=TABLE)
        if status != 200:
            raise SystemExit("list %s: HTTP %d %s" % (resource, status, payload[:300]))
        return [row["cells"][0] for row in json.loads(payload).get("rows", [])]


def cluster_name(index):
    return "rc-%03d" % index


def raycluster(name, workers):
    container = lambda role: {"name": "ray-" + role, "image": "rayproject/ray:2.9.0",
                              "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}
    return {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": name},
            "spec": {"headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [container("head")]}}},
                     "workerGroupSpecs": [{"groupName": "workers", "replicas": workers, "minReplicas": 0, "maxReplicas": workers,
                                           "rayStartParams": {}, "template": {"spec": {"containers": [container("worker")]}}}]}}


def converge(kubeconfig, namespace, clusters, workers):
    api = API(kubeconfig)
    names = [cluster_name(i) for i in range(clusters)]
    bodies = [raycluster(name, workers) for name in names]
    started = time.monotonic()
    for body in bodies:
        status, payload = api.request("POST", "/apis/ray.io/v1/namespaces/%s/rayclusters" % namespace, body)
        if status != 201:
            raise SystemExit("create RayCluster: HTTP %d %s" % (status, payload[:300]))
    created = time.monotonic() - started
    polls = 0
    while True:
        polls += 1
        pods = api.names(namespace, "pods")
        services = set(api.names(namespace, "services"))
        per_cluster = {}
        heads = set()
        for pod in pods:
            cluster = pod[:6]
            per_cluster[cluster] = per_cluster.get(cluster, 0) + 1
            if "-head" in pod[6:]:
                heads.add(cluster)
        done = all(per_cluster.get(name, 0) == 1 + workers and name in heads and name + "-head" in services
                   for name in names)
        seconds = time.monotonic() - started
        if done:
            break
        if seconds > TIMEOUT_SECONDS:
            raise SystemExit("not converged after %d s: %d pods, %d services" % (seconds, len(pods), len(services)))
        time.sleep(POLL_SECONDS)
    print("converged seconds=%.3f clusters_created_in=%.3f pods=%d services=%d polls=%d"
          % (seconds, created, len(pods), len(services), polls))


def stripped(object, name):
    """A controller-made object as a client would send it: no server-set fields, no owner (the
    owner lives in the other namespace, so the garbage collector would remove the copy)."""
    body = copy.deepcopy(object)
    metadata = body["metadata"]
    for key in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "ownerReferences", "generation",
                "selfLink", "namespace"):
        metadata.pop(key, None)
    metadata["name"] = name
    body.pop("status", None)
    spec = body.get("spec", {})
    for key in ("clusterIP", "clusterIPs"):
        if spec.get(key) != "None":
            spec.pop(key, None)
    return body


def plain(kubeconfig, source, namespace, clusters, workers, threads):
    api = API(kubeconfig)

    def get(resource, name):
        status, payload = api.request("GET", "/api/v1/namespaces/%s/%s/%s" % (source, resource, name))
        if status != 200:
            raise SystemExit("get %s %s: HTTP %d" % (resource, name, status))
        return json.loads(payload)

    pod_names = api.names(source, "pods")
    first = cluster_name(0)
    head_name = next(p for p in pod_names if p.startswith(first + "-") and "-head" in p[len(first):])
    worker_name = next(p for p in pod_names if p.startswith(first + "-") and p != head_name)
    head, worker, service = get("pods", head_name), get("pods", worker_name), get("services", first + "-head")
    worker_prefix = worker_name.rsplit("-", 1)[0]
    jobs = []
    for i in range(clusters):
        name = cluster_name(i)
        jobs.append(("pods", stripped(head, head_name.replace(first, name, 1))))
        jobs.append(("services", stripped(service, name + "-head")))
        for w in range(workers):
            jobs.append(("pods", stripped(worker, "%s-%d" % (worker_prefix.replace(first, name, 1), w))))
    lock = threading.Lock()
    state = {"next": 0, "errors": 0, "first": ""}

    def run():
        connection = API(kubeconfig)
        while True:
            with lock:
                index = state["next"]
                state["next"] += 1
            if index >= len(jobs):
                return
            resource, body = jobs[index]
            status, payload = connection.request("POST", "/api/v1/namespaces/%s/%s" % (namespace, resource), body)
            if status != 201:
                with lock:
                    state["errors"] += 1
                    state["first"] = state["first"] or "HTTP %d %s" % (status, payload[:200])

    started = time.monotonic()
    workers_threads = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers_threads:
        t.start()
    for t in workers_threads:
        t.join()
    seconds = time.monotonic() - started
    if state["errors"]:
        raise SystemExit("plain loop: %d creates failed, first: %s" % (state["errors"], state["first"]))
    print("plain seconds=%.3f creates=%d threads=%d" % (seconds, len(jobs), threads))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "converge" and len(sys.argv) == 6:
        converge(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif command == "plain" and len(sys.argv) == 8:
        plain(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    else:
        raise SystemExit(__doc__)
