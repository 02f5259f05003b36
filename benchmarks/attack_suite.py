#!/usr/bin/env python3
"""Clients of benchmarks/attack-suite.sh: the good client that measures, and the attackers.

Every client talks only to 127.0.0.1, is bounded in time and count, and stops by itself.

  attack_suite.py good       PORT SECONDS OUT.json   AdmissionReviews at a steady rate; success, p50/p99
  attack_suite.py flood      PORT COUNT SECONDS      bare TCP connections, held open
  attack_suite.py slowloris  PORT COUNT SECONDS      TLS, then request headers one byte at a time
  attack_suite.py slowbody   PORT COUNT SECONDS      TLS, headers, then one body byte every 8 s
  attack_suite.py convert    PORT COUNT OBJECTS      COUNT concurrent ConversionReviews of OBJECTS objects
"""
import json
import os
import selectors
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"

# A ray.io/v1 RayCluster as the API server sends it (about 1 KB serialized).
CLUSTER = {
    "apiVersion": "ray.io/v1", "kind": "RayCluster",
    "metadata": {"name": "raycluster-0", "namespace": "ray", "uid": "0e7bd8a1-0000-4000-8000-0", "resourceVersion": "4711"},
    "spec": {
        "rayVersion": "2.41.0", "enableInTreeAutoscaling": True,
        "autoscalerOptions": {"upscalingMode": "Default", "idleTimeoutSeconds": 60},
        "headGroupSpec": {"rayStartParams": {"num-cpus": "0"}, "template": {"spec": {"containers": [{
            "name": "ray-head", "image": "rayproject/ray:2.41.0",
            "resources": {"limits": {"cpu": "1", "memory": "2G"}, "requests": {"cpu": "1", "memory": "2G"}},
            "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"}]}]}}},
        "workerGroupSpecs": [{"groupName": "small-group", "replicas": 1, "minReplicas": 0, "maxReplicas": 10, "numOfHosts": 1,
                              "rayStartParams": {}, "template": {"spec": {"containers": [{
                                  "name": "ray-worker", "image": "rayproject/ray:2.41.0",
                                  "resources": {"limits": {"cpu": "1", "memory": "2G"}, "requests": {"cpu": "1", "memory": "2G"}},
                                  "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"}]}]}}}]},
    "status": {"state": "ready", "availableWorkerReplicas": 1, "desiredCPU": "2"},
}


def tls_context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context


def admission_review():
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": "ray.io", "version": "v1", "kind": "RayCluster"},
        "resource": {"group": "ray.io", "version": "v1", "resource": "rayclusters"},
        "operation": "CREATE", "namespace": "ray", "name": "raycluster-0",
        "userInfo": {"username": "kubernetes-admin"}, "object": CLUSTER}}
    return json.dumps(review, separators=(",", ":")).encode()


def conversion_review(objects):
    """A ConversionReview of `objects` v1 RayClusters to v1alpha1 (55,000 objects: about 57 MB)."""
    template = json.dumps(CLUSTER, separators=(",", ":"))
    head = b'{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","desiredAPIVersion":"ray.io/v1alpha1","objects":['
    parts = [template.replace("raycluster-0", "raycluster-%d" % i).replace("8000-0", "8000-%d" % i).encode() for i in range(objects)]
    return head + b",".join(parts) + b"]}}"


def request_bytes(path, body):
    return (b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (path.encode(), len(body))) + body


def read_response(sock):
    """Status of one response (0 when the connection ended first) and whether it asked to close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return 0, True
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    # A bytearray: appending to bytes would copy the whole body for every 16 KB TLS record.
    received = bytearray(rest)
    while len(received) < length:
        chunk = sock.recv(min(1 << 20, length - len(received)))
        if not chunk:
            return 0, True
        received += chunk
    return status, close


def good(port, seconds, out):
    """AdmissionReviews at ~100/s over one keep-alive TLS connection (reconnecting when it ends),
    as kube-apiserver sends them. Each must answer 200 within 10 s."""
    body = request_bytes("/validate-ray-io-v1-raycluster", admission_review())
    context = tls_context()
    latencies, failures, errors = [], 0, {}
    sock = None
    end = time.time() + seconds
    interval = 0.01
    next_at = time.time()
    while time.time() < end:
        now = time.time()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += interval
        started = time.perf_counter()
        try:
            if sock is None:
                raw = socket.create_connection((HOST, port), timeout=10)
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock = context.wrap_socket(raw, server_hostname="localhost")
            sock.sendall(body)
            status, close = read_response(sock)
            if status != 200:
                raise RuntimeError("status %d" % status)
            latencies.append(time.perf_counter() - started)
            if close:
                sock.close()
                sock = None
        except Exception as error:  # any failure counts; the next request reconnects
            failures += 1
            key = type(error).__name__ + ": " + str(error)[:80]
            errors[key] = errors.get(key, 0) + 1
            if sock is not None:
                sock.close()
            sock = None
    total = len(latencies) + failures
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")
    result = {"requests": total, "ok": len(latencies), "success": (len(latencies) / total * 100) if total else 0.0,
              "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "max_ms": (latencies[-1] * 1000 if latencies else float("nan")),
              "errors": errors}
    with open(out, "w") as f:
        json.dump(result, f)


def flood(port, count, seconds, per_process):
    """`count` bare TCP connections (no byte sent), held; closed ones are not reopened. Spread
    over as many processes as the open-file limit needs (`per_process` sockets each)."""
    children = []
    while count > per_process:
        pid = os.fork()
        if pid == 0:
            flood_one(port, per_process, seconds)
            os._exit(0)
        children.append(pid)
        count -= per_process
    flood_one(port, count, seconds)
    for pid in children:
        os.waitpid(pid, 0)


def flood_one(port, count, seconds):
    sockets = []
    refused = 0
    deadline = time.time() + seconds
    for _ in range(count):
        if time.time() > deadline:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((HOST, port))
        except BlockingIOError:
            pass
        except OSError:
            refused += 1
            s.close()
            continue
        sockets.append(s)
    print("flood: %d connections opened (%d refused at connect)" % (len(sockets), refused), flush=True)
    while time.time() < deadline:
        time.sleep(0.2)
    for s in sockets:
        s.close()


def _tls_connections(port, count, deadline):
    context = tls_context()
    out = []
    for _ in range(count):
        if time.time() > deadline:
            break
        try:
            raw = socket.create_connection((HOST, port), timeout=5)
            out.append(context.wrap_socket(raw, server_hostname="localhost"))
        except OSError:
            pass
    return out


def slowloris(port, count, seconds):
    """`count` TLS connections sending request headers one byte per connection per second; a
    connection the server closes is replaced (at most 100 per second)."""
    deadline = time.time() + seconds
    head = b"POST /validate-ray-io-v1-raycluster HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10000
    conns = [[s, 0] for s in _tls_connections(port, count, deadline)]
    print("slowloris: %d TLS connections" % len(conns), flush=True)
    closed = 0
    while time.time() < deadline:
        tick = time.time()
        alive = []
        for conn in conns:
            s, sent = conn
            try:
                s.sendall(head[sent:sent + 1])
                conn[1] = (sent + 1) % len(head)
                alive.append(conn)
            except OSError:
                closed += 1
                s.close()
        missing = count - len(alive)
        alive += [[s, 0] for s in _tls_connections(port, min(missing, 100), deadline)]
        conns = alive
        time.sleep(max(0, 1 - (time.time() - tick)))
    print("slowloris: %d connections closed by the server" % closed, flush=True)
    for s, _ in conns:
        s.close()


def slowbody(port, count, seconds):
    """`count` TLS connections announcing a 7 MB AdmissionReview, then one body byte every 8 s;
    a connection the server closes is replaced (at most 100 per second)."""
    deadline = time.time() + seconds
    head = (b"POST /validate-ray-io-v1-raycluster HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 7000000\r\n\r\n")
    conns = []
    for s in _tls_connections(port, count, deadline):
        try:
            s.sendall(head)
            conns.append(s)
        except OSError:
            s.close()
    print("slowbody: %d TLS connections sending a body slowly" % len(conns), flush=True)
    closed = 0
    last_byte = 0
    while time.time() < deadline:
        tick = time.time()
        send_now = tick - last_byte >= 8
        if send_now:
            last_byte = tick
        alive = []
        for s in conns:
            try:
                if send_now:
                    s.sendall(b" ")
                # A 408 or a close from the server shows as readable.
                s.setblocking(False)
                try:
                    if s.recv(4096) == b"":
                        raise OSError("closed")
                    raise OSError("answered")
                except (BlockingIOError, ssl.SSLWantReadError):
                    pass
                finally:
                    s.setblocking(True)
                alive.append(s)
            except OSError:
                closed += 1
                s.close()
        missing = count - len(alive)
        for s in _tls_connections(port, min(missing, 100), deadline):
            try:
                s.sendall(head)
                alive.append(s)
            except OSError:
                s.close()
        conns = alive
        time.sleep(max(0, 1 - (time.time() - tick)))
    print("slowbody: %d connections cut off by the server" % closed, flush=True)
    for s in conns:
        s.close()


def convert(port, count, objects):
    """`count` ConversionReviews of `objects` objects at once; prints each one's status and time."""
    body = conversion_review(objects)
    print("convert: %d concurrent reviews of %d objects, %.1f MB each" % (count, objects, len(body) / 1e6), flush=True)
    data = request_bytes("/convert", body)
    results = [None] * count

    def one(index):
        started = time.time()
        try:
            raw = socket.create_connection((HOST, port), timeout=120)
            s = tls_context().wrap_socket(raw, server_hostname="localhost")
            s.sendall(data)
            status, _ = read_response(s)
            s.close()
            results[index] = (status, time.time() - started)
        except Exception as error:
            results[index] = (type(error).__name__, time.time() - started)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("convert: " + ", ".join("%s in %.1f s" % r for r in results), flush=True)


def main():
    command = sys.argv[1]
    args = sys.argv[2:]
    if command == "good":
        good(int(args[0]), float(args[1]), args[2])
    elif command == "flood":
        flood(int(args[0]), int(args[1]), float(args[2]), int(args[3]) if len(args) > 3 else 1 << 30)
    elif command == "slowloris":
        slowloris(int(args[0]), int(args[1]), float(args[2]))
    elif command == "slowbody":
        slowbody(int(args[0]), int(args[1]), float(args[2]))
    elif command == "convert":
        convert(int(args[0]), int(args[1]), int(args[2]))
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
