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

        // Shared types: JSON value, YAML, RayCluster v1 / v1alpha1 views, Kubernetes parts, names.
        // libm: Double rounding in the stdlib calls floor/ceil, which executables that import
        // neither Foundation nor Glibc would otherwise not link.
        .target(name: "RayAPI", dependencies: ["CLibYAML"], linkerSettings: [.linkedLibrary("m")]),
        // Pure functions: validation, defaulting, conversion, review envelopes. No I/O.
        .target(name: "Admission", dependencies: ["RayAPI"]),
        // Linux system calls the Glibc module does not export (epoll, eventfd, accept4).
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // Raw-socket HTTP/1.1 over TLS. Knows nothing of Ray or Kubernetes.
        .target(name: "HTTPServer", dependencies: [
            "COpenSSL", "CLinux",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Wires the Admission endpoints onto the HTTPServer routes (the webhook process).
        .target(name: "Webhook", dependencies: [
            "Admission", "HTTPServer", "RayAPI",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The executable: argument parsing, wiring, logging setup. Thin.
        .executableTarget(name: "ray-operator", dependencies: [
            "RayAPI", "Admission", "HTTPServer", "Webhook",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmarks (run with `swift run -c release <name>`) and the CRD generator.
        .executableTarget(name: "json-bench", dependencies: ["RayAPI"]),
        .executableTarget(name: "admission-bench", dependencies: ["Admission", "RayAPI"]),
        .executableTarget(name: "conversion-bench", dependencies: ["Admission", "RayAPI"]),
        // The HTTPS server alone, serving a fixed 1 KB answer, for benchmarks/server-bench.sh.
        .executableTarget(name: "server-bench", dependencies: ["HTTPServer"]),
        .executableTarget(name: "crd-gen", dependencies: ["RayAPI"]),

        .testTarget(name: "RayAPITests", dependencies: ["RayAPI", "TestSupport"]),
        // Shared by the test targets: the seeded generator of every randomised test, and the harness
        // that runs the built `ray-operator` as a subprocess.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AdmissionTests", dependencies: ["Admission", "RayAPI", "TestSupport"]),
        .testTarget(name: "ConversionTests", dependencies: ["Admission", "RayAPI", "TestSupport"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "WebhookTests", dependencies: ["Webhook", "Admission", "HTTPServer", "RayAPI"]),
        // Against a real kube-apiserver (RAY_E2E_KUBECONFIG); skipped when none is given.
        .testTarget(name: "EndToEndTests", dependencies: ["RayAPI"]),
    ]
)
