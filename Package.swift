// swift-tools-version:6.0
// Tools version 6.0 puts every target in Swift 6 language mode (complete strict concurrency).
import PackageDescription

let package = Package(
    name: "ray-operator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ray-operator", targets: ["ray-operator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        // System libraries (Debian: libssl-dev, libyaml-dev). The module maps also name the libraries,
        // so linking works even where pkg-config finds no .pc file.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        // Named CLibYAML (not CYaml) so it cannot clash with jpsim/Yams' CYaml module.
        .systemLibrary(name: "CLibYAML", path: "Sources/CLibYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]),

        // The JSON value that keeps every field, its parser and serializer, the YAML loader and
        // emitter, and manifest files. Knows nothing of Ray or Kubernetes.
        // libm: Double rounding in the stdlib calls floor/ceil, which executables that import
        // neither Foundation nor Glibc would otherwise not link.
        .target(name: "JSON", dependencies: ["CLibYAML"], exclude: ["README.md"], linkerSettings: [.linkedLibrary("m")]),
        // Linux system calls the Glibc module does not export (epoll, eventfd, accept4, inotify).
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // Plain threads: start/join, a worker pool, a parallel map, a background release thread.
        .target(name: "Threads", dependencies: ["CLinux"], exclude: ["README.md"]),
        // Prometheus counters, gauges and histograms, rendered in the text exposition format.
        .target(name: "Metrics", exclude: ["README.md"]),
        // OpenSSL contexts and connections, certificate files, reload, development certificates.
        .target(name: "TLS", dependencies: ["COpenSSL", "CLinux"], exclude: ["README.md"]),
        // Shared types: RayCluster v1 / v1alpha1 views, the Kubernetes parts they embed, names,
        // Quantity, the CRD schema.
        .target(name: "RayAPI", dependencies: ["JSON"], exclude: ["README.md"]),
        // Conversion between ray.io/v1alpha1 and ray.io/v1, ConversionReview envelopes. Pure, apart
        // from spreading big reviews over threads.
        .target(name: "Conversion", dependencies: ["JSON", "RayAPI", "Threads"], exclude: ["README.md"]),
        // Pure functions: validation, defaulting (JSON Patch), AdmissionReview envelopes. No I/O.
        .target(name: "Admission", dependencies: ["JSON", "RayAPI", "Conversion"], exclude: ["README.md"]),
        // Raw-socket HTTP/1.1 over TLS. Knows nothing of Ray or Kubernetes.
        .target(name: "HTTPServer", dependencies: [
            "COpenSSL", "CLinux", "TLS", "Threads",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"]),
        // Kubernetes API client: configuration, HTTPS transport, CRUD, watch, informer cache, work
        // queue, leader election, events. Knows nothing of Ray.
        .target(name: "KubeClient", dependencies: [
            "JSON", "Metrics", "TLS", "Threads",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"]),
        // What the reconciler wants to exist for a RayCluster: pods, head Service, status. Pure.
        .target(name: "DesiredState", dependencies: ["JSON", "RayAPI", "Conversion"], exclude: ["README.md"]),
        // The controller process: informers, work queue, reconcile loop, leader election, probes.
        .target(name: "Reconciler", dependencies: [
            "JSON", "RayAPI", "Admission", "DesiredState", "Metrics", "Threads", "KubeClient", "HTTPServer",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"]),
        // Wires the Admission and Conversion endpoints onto the HTTPServer routes (the webhook process).
        .target(name: "Webhook", dependencies: [
            "JSON", "RayAPI", "Conversion", "Admission", "Metrics", "TLS", "HTTPServer",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"]),
        // The executable: argument parsing, wiring, logging setup. Thin.
        .executableTarget(name: "ray-operator", dependencies: [
            "JSON", "RayAPI", "Conversion", "Admission", "Metrics", "TLS", "HTTPServer", "Webhook",
            "KubeClient", "Reconciler",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"]),

        // Benchmarks (run with `swift run -c release <name>`; the scripts in benchmarks/ drive them).
        .executableTarget(name: "json-bench", dependencies: ["JSON"], path: "Benchmarks/json-bench"),
        .executableTarget(name: "admission-bench", dependencies: ["JSON", "RayAPI", "Admission"],
                          path: "Benchmarks/admission-bench"),
        .executableTarget(name: "conversion-bench", dependencies: ["JSON", "RayAPI", "Conversion"],
                          path: "Benchmarks/conversion-bench"),
        // The HTTPS server alone, serving a fixed 1 KB answer, for benchmarks/server-bench.sh.
        .executableTarget(name: "server-bench", dependencies: ["HTTPServer", "TLS", .product(name: "Logging", package: "swift-log")], path: "Benchmarks/server-bench"),
        // Pod creates per second through KubeHTTPClient, for benchmarks/kube-client-bench.sh.
        .executableTarget(name: "kube-client-bench", dependencies: ["JSON", "KubeClient", "Threads"],
                          path: "Benchmarks/kube-client-bench"),
        // The webhook process without the command line, for callgrind (benchmarks/request-instructions.sh).
        .executableTarget(name: "webhook-bench", dependencies: [
            "HTTPServer", "Webhook", .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/webhook-bench"),
        // Writes config/crd/bases/ray.io_rayclusters.yaml from the RayAPI schema.
        .executableTarget(name: "crd-gen", dependencies: ["JSON", "RayAPI"]),

        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "RayAPITests", dependencies: ["JSON", "RayAPI", "TestSupport"]),
        // Shared by the test targets: the seeded generator of every randomised test, and the harness
        // that runs the built `ray-operator` as a subprocess.
        // Also the cgroup a test creates to run a subprocess under a real CPU quota.
        .target(name: "TestSupport", dependencies: ["Threads"], path: "Tests/TestSupport"),
        .testTarget(name: "AdmissionTests", dependencies: ["JSON", "RayAPI", "Conversion", "Admission", "TestSupport"]),
        .testTarget(name: "ConversionTests", dependencies: ["JSON", "RayAPI", "Conversion", "Admission", "Threads", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["Metrics", "HTTPServer", "TLS", "Threads", "TestSupport"]),
        .testTarget(name: "WebhookTests", dependencies: ["JSON", "RayAPI", "Conversion", "Admission", "Metrics", "TLS", "Threads", "HTTPServer", "Webhook", "TestSupport"]),
        .testTarget(name: "KubeClientTests", dependencies: ["JSON", "Metrics", "TLS", "Threads", "KubeClient", "TestSupport"]),
        .testTarget(name: "ReconcilerTests", dependencies: ["JSON", "KubeClient", "DesiredState", "Reconciler", "TestSupport"]),
        .testTarget(name: "DesiredStateTests", dependencies: ["JSON", "RayAPI", "Conversion", "DesiredState", "TestSupport"]),
        // Against a real kube-apiserver (RAY_E2E_KUBECONFIG); skipped when none is given.
        .testTarget(name: "EndToEndTests", dependencies: ["JSON", "RayAPI"]),
    ]
)
