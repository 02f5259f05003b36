// Pod creates per second through KubeHTTPClient, for benchmarks/kube-client-bench.sh (which runs a
// plain Python keep-alive loop against the same API server in the same run for comparison).
//
//   kube-client-bench --kubeconfig PATH --namespace NS [--pods 2000] [--threads 16] [--prefix swift]
//
// T threads share one client (its keep-alive pool holds T connections); each creates its share of
// the pods, one POST at a time. Client-side rate limiting is off. Prints one line:
// `swift creates=N seconds=S rate=R/s errors=E`.
import JSON
import KubeClient
import Synchronization
import Threads
#if canImport(Glibc)
import Glibc
#endif

var kubeconfig: String? = nil
var namespace = "default"
var pods = 2000
var threads = 16
var prefix = "swift"
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = arguments.next() ?? ""
    switch argument {
    case "--kubeconfig": kubeconfig = value
    case "--namespace": namespace = value
    case "--pods": pods = max(1, Int(value) ?? pods)
    case "--threads": threads = max(1, Int(value) ?? threads)
    case "--prefix": prefix = value
    default:
        print("unknown argument \(argument)")
        exit(2)
    }
}

let client: KubeHTTPClient
do {
    let configuration = try KubeConfiguration.load(kubeconfigPath: kubeconfig, environment: environmentVariables())
    client = try KubeHTTPClient(configuration: configuration,
                                options: KubeClientOptions(qps: 0, maxIdleConnections: max(threads, 1)))
} catch {
    print("kube-client-bench: \(error)")
    exit(2)
}

func environmentVariables() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}

func pod(_ name: String) -> JSONValue {
    ["apiVersion": "v1", "kind": "Pod",
     "metadata": ["name": .string(name), "labels": ["bench": "kube-client"]],
     "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]]]
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let podCount = pods, targetNamespace = namespace, namePrefix = prefix
let errors = Atomic<Int>(0)
let firstError = Mutex<String?>(nil)
let next = Atomic<Int>(0)
let started = monotonicSeconds()
var handles: [pthread_t] = []
for worker in 0..<threads {
    guard let handle = Threads.start(name: "bench-\(worker)", {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if index >= podCount { return }
            do {
                _ = try client.create(.pods, namespace: targetNamespace, object: pod("\(namePrefix)-\(index)"))
            } catch {
                errors.wrappingAdd(1, ordering: .relaxed)
                firstError.withLock { if $0 == nil { $0 = "\(error)" } }
            }
        }
    }) else {
        print("kube-client-bench: cannot start a thread")
        exit(2)
    }
    handles.append(handle)
}
for handle in handles { Threads.join(handle) }
let seconds = monotonicSeconds() - started
let failed = errors.load(ordering: .relaxed)
let rate = Double(pods - failed) / seconds
print("swift creates=\(pods - failed) seconds=\(String(format3(seconds))) rate=\(Int(rate.rounded()))/s errors=\(failed)"
      + (firstError.withLock { $0 }.map { " first-error=\($0)" } ?? ""))

func format3(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
