import Foundation
import XCTest

/// hack/image-smoke.sh stands in for `docker build` + `kubectl apply` on machines without a
/// container engine, so it must do what the Dockerfile and the Deployment do. It restates their
/// facts in variables at its top; these tests read the Dockerfile (both stages),
/// config/manager/manager.yaml (the `webhook` and `controller` containers) and the script, and fail when they
/// differ, when the runtime stage does something the script does not reproduce, or when the script
/// spells a fact out instead of using its variable.
final class ImageSmokeScriptTests: XCTestCase {
    func read(_ relative: String) throws -> String {
        try String(contentsOf: Paths.file(relative), encoding: .utf8)
    }

    func testScriptRestatesTheDockerfileAndTheDeployment() throws {
        let problems = ImageDrift.problems(dockerfile: try read("Dockerfile"),
                                           manager: try read("config/manager/manager.yaml"),
                                           script: try read("hack/image-smoke.sh"))
        XCTAssertEqual(problems, [], "hack/image-smoke.sh has drifted:\n" + problems.joined(separator: "\n"))
    }

    /// The comparison catches each kind of change a maintainer is likely to make on one side only.
    /// The changes are made from the script's own values, so that they still apply after the
    /// Dockerfile, the Deployment and the script have changed together.
    func testEveryOneSidedChangeIsCaught() throws {
        let dockerfile = try read("Dockerfile"), manager = try read("config/manager/manager.yaml")
        let script = try read("hack/image-smoke.sh")
        let facts = ScriptFacts(script: script)
        func scalar(_ name: String) -> String { facts.scalars[name] ?? "<\(name) undeclared>" }
        func array(_ name: String) -> [String] { facts.arrays[name] ?? ["<\(name) undeclared>"] }
        func replacing(_ text: String, _ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) -> String {
            XCTAssertTrue(text.contains(old), "no \(old) to change", file: file, line: line)
            return text.replacingOccurrences(of: old, with: new)
        }
        // Changes to the runtime stage only: the text from its FROM on.
        let runtimeFrom = dockerfile.range(of: "FROM \(scalar("runtime_base"))")?.lowerBound ?? dockerfile.endIndex
        func inRuntime(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) -> String {
            String(dockerfile[..<runtimeFrom]) + replacing(String(dockerfile[runtimeFrom...]), old, new, file: file, line: line)
        }
        let entrypointLine = dockerfile.split(separator: "\n").first { $0.hasPrefix("ENTRYPOINT") }.map(String.init) ?? "ENTRYPOINT"
        let copyDestination = String(array("runtime_copies")[0].split(separator: ":").last ?? "")
        let changedDockerfiles: [(String, String)] = [
            ("runtime base", inRuntime("FROM \(scalar("runtime_base"))", "FROM \(scalar("runtime_base"))-changed")),
            ("added package", inRuntime(array("runtime_packages").joined(separator: " "), array("runtime_packages").joined(separator: " ") + " ca-certificates")),
            ("removed package", inRuntime(array("runtime_packages").joined(separator: " "), array("runtime_packages").dropLast().joined(separator: " "))),
            ("copy destination", inRuntime(copyDestination, copyDestination + "-moved")),
            ("copy with --chown", inRuntime("COPY --from=", "COPY --chown=0 --from=")),
            ("user", inRuntime("USER \(scalar("runtime_user"))", "USER 1000:1000")),
            ("entrypoint", inRuntime("ENTRYPOINT [", #"ENTRYPOINT ["--verbose", "#)),
            ("shell-form entrypoint", inRuntime(entrypointLine, "ENTRYPOINT " + array("runtime_entrypoint").joined(separator: " "))),
            ("cmd", inRuntime("CMD [", #"CMD ["--verbose", "#)),
            ("new instruction", inRuntime("USER ", "ENV GODEBUG=1\nUSER ")),
            ("another RUN step", inRuntime("USER ", "RUN mkdir /data\nUSER ")),
            ("build base", replacing(dockerfile, "FROM \(scalar("build_base"))", "FROM \(scalar("build_base"))-changed")),
            ("build flags", replacing(dockerfile, "swift build \(array("build_flags").joined(separator: " ")) --product", "swift build --product")),
            ("build packages", replacing(dockerfile, array("build_packages").joined(separator: " "), array("build_packages").joined(separator: " ") + " zlib1g-dev")),
        ]
        for (what, changed) in changedDockerfiles {
            XCTAssertNotEqual(ImageDrift.problems(dockerfile: changed, manager: manager, script: script), [], "Dockerfile: \(what)")
        }
        let lastArgument = array("deployment_webhook_args").last ?? ""
        let argsLine = manager.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces) == "args:" }.map(String.init) ?? "args:"
        let changedManagers: [(String, String)] = [
            ("args", replacing(manager, "- \(lastArgument)", "- \(lastArgument)-changed")),
            ("cert mount", replacing(manager, "mountPath: \(scalar("deployment_cert_mount"))", "mountPath: /certs")),
            ("tmp size", replacing(manager, "sizeLimit: \(scalar("deployment_tmp_size"))", "sizeLimit: 999Mi")),
            ("runAsUser", replacing(manager, "runAsUser: \(scalar("deployment_run_as").prefix { $0 != ":" })", "runAsUser: 1000")),
            ("writable root", replacing(manager, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")),
            ("command", replacing(manager, argsLine, argsLine.replacingOccurrences(of: "args:", with: #"command: ["/bin/sh"]"#) + "\n" + argsLine)),
        ]
        // Changes to the controller container only: the text from its name on.
        let controllerFrom = manager.range(of: "- name: controller")?.lowerBound ?? manager.endIndex
        func inController(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) -> String {
            String(manager[..<controllerFrom]) + replacing(String(manager[controllerFrom...]), old, new, file: file, line: line)
        }
        let lastControllerArgument = array("deployment_controller_args").last ?? ""
        let saMountLine = "mountPath: \(scalar("deployment_sa_mount"))"
        let controllerChanges: [(String, String)] = [
            ("controller args", inController("- \(lastControllerArgument)", "- \(lastControllerArgument)-changed")),
            ("controller added arg", inController("- \(lastControllerArgument)", "- \(lastControllerArgument)\n        - --namespace=ray")),
            ("controller command", inController("        args:", "        command: [\"/bin/sh\"]\n        args:")),
            ("controller env", inController("        args:", "        env:\n        - name: GODEBUG\n          value: x\n        args:")),
            ("controller port", inController("containerPort: \(scalar("deployment_controller_metrics_port"))", "containerPort: 9999")),
            ("controller probe port", inController("port: ctl-health", "port: ctl-metrics")),
            ("controller probe path", inController("path: /healthz", "path: /livez")),
            ("controller writable root", inController("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")),
            ("controller privilege escalation", inController("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true")),
            ("controller capabilities", inController("- ALL", "- NET_RAW")),
            ("controller runAsUser", inController("runAsNonRoot: true", "runAsNonRoot: true\n          runAsUser: 1000")),
            ("controller /tmp", inController("        - name: kube-api-access\n", "        - name: tmp\n          mountPath: /tmp\n        - name: kube-api-access\n")),
            ("service-account mount path", inController(saMountLine, "mountPath: /sa")),
            ("service-account mount writable", inController(saMountLine + "\n          readOnly: true", saMountLine)),
            ("token file", replacing(manager, "path: token", "path: sa-token")),
            ("token lifetime", replacing(manager, "expirationSeconds: \(scalar("deployment_sa_token_seconds"))", "expirationSeconds: 600")),
            ("projected mode", replacing(manager, "defaultMode: \(scalar("deployment_sa_mode"))", "defaultMode: 0400")),
            ("CA from another ConfigMap", replacing(manager, "name: kube-root-ca.crt", "name: my-ca")),
            ("namespace from another field", replacing(manager, "fieldPath: metadata.namespace", "fieldPath: metadata.name")),
            ("token in every container", replacing(manager, "automountServiceAccountToken: false", "automountServiceAccountToken: true")),
            ("webhook gets the token", replacing(manager, "        - name: tmp\n          mountPath: /tmp\n",
                                                  "        - name: tmp\n          mountPath: /tmp\n        - name: kube-api-access\n          mountPath: /sa\n          readOnly: true\n")),
        ]
        for (what, changed) in changedManagers + controllerChanges {
            XCTAssertNotEqual(ImageDrift.problems(dockerfile: dockerfile, manager: changed, script: script), [], "manager.yaml: \(what)")
        }
        let changedScripts: [(String, String)] = [
            ("package list", replacing(script, "runtime_packages=(", "runtime_packages=(extra ")),
            ("packages spelled out", replacing(script, #"--no-install-recommends "${runtime_packages[@]}""#,
                                                   "--no-install-recommends " + array("runtime_packages").joined(separator: " "))),
            ("user spelled out", replacing(script, "SMOKE_USER=$user", "SMOKE_USER=" + scalar("runtime_user"))),
            ("build flags spelled out", replacing(script, #"swift build "${build_flags[@]}" --product"#,
                                                      "swift build \(array("build_flags").joined(separator: " ")) --product")),
            ("controller args", replacing(script, "deployment_controller_args=(controller ", "deployment_controller_args=(controller --verbose ")),
            ("projected files", replacing(script, "deployment_sa_files=(", "deployment_sa_files=(extra ")),
            ("controller ports spelled out", replacing(script, #""$deployment_controller_health_port" ]"#,
                                                           "\"\(scalar("deployment_controller_health_port"))\" ]")),
            ("controller not started", replacing(script, #""$deployment_run_as" "" -- "${runtime_entrypoint[@]}" "${deployment_controller_args[@]}""#,
                                                     #""$deployment_run_as" "" -- "${runtime_entrypoint[@]}" controller"#)),
        ]
        for (what, changed) in changedScripts {
            XCTAssertNotEqual(ImageDrift.problems(dockerfile: dockerfile, manager: manager, script: changed), [], "script: \(what)")
        }
    }

    /// The subcommands whose --help the script checks are the binary's.
    func testScriptChecksEverySubcommand() throws {
        let binary = try Paths.product("ray-operator")
        let help = try ProcessRunner.run(binary.path, ["--help"])
        XCTAssertTrue(help.succeeded, help.combined)
        guard let section = help.stdout.range(of: "SUBCOMMANDS:") else { return XCTFail("no SUBCOMMANDS in:\n\(help.stdout)") }
        let listed = help.stdout[section.upperBound...].split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            // "  name   abstract"; wrapped abstracts are indented further.
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let first = words.first, first != "See" else { return nil }
            return String(first)
        }.filter { $0 != "help" }
        let declared = ScriptFacts(script: try read("hack/image-smoke.sh")).arrays["subcommands"] ?? []
        XCTAssertEqual(Set(declared), Set(listed), "subcommands=(...) in hack/image-smoke.sh")
    }

    /// The script is valid bash and explains itself without root (it needs root only to run).
    func testScriptParsesAndHasHelp() throws {
        let script = Paths.file("hack/image-smoke.sh").path
        let syntax = try ProcessRunner.run("bash", ["-n", script])
        XCTAssertTrue(syntax.succeeded, syntax.stderr)
        let help = try ProcessRunner.run(script, ["--help"])
        XCTAssertTrue(help.succeeded, help.combined)
        XCTAssertTrue(help.stdout.contains("--keep") && help.stdout.contains("RAY_IMAGE_CACHE"), help.stdout)
        XCTAssertEqual(try ProcessRunner.run(script, ["--bogus"]).status, 2)
    }
}

// MARK: - The comparison

private enum ImageDrift {
    /// Every difference between what the Dockerfile and the Deployment say and what the script does.
    static func problems(dockerfile: String, manager: String, script: String) -> [String] {
        var problems: [String] = []
        let facts = ScriptFacts(script: script)
        problems += facts.problems
        func expect(_ name: String, _ actual: String?, _ source: String) {
            let declared = facts.scalars[name]
            if declared != actual { problems.append("\(name)=\(declared ?? "<none>") but \(source) says \(actual ?? "<nothing>")") }
        }
        func expect(_ name: String, _ actual: [String]?, _ source: String) {
            let declared = facts.arrays[name]
            if declared != actual {
                problems.append("\(name)=(\(declared?.joined(separator: " ") ?? "<none>")) but \(source) says (\(actual?.joined(separator: " ") ?? "<nothing>"))")
            }
        }

        // The Dockerfile.
        let stages = DockerfileStages(text: dockerfile)
        guard stages.all.count == 2, let build = stages.all.first, let runtime = stages.all.last else {
            return problems + ["the Dockerfile has \(stages.all.count) stages; the script reproduces a build stage and a runtime stage"]
        }
        expect("build_base", build.base, "the build stage's FROM")
        var buildPackages: [String]? = nil
        var buildCommand: [String]? = nil
        var buildOut: String? = nil
        for instruction in build.instructions where instruction.keyword == "RUN" {
            for step in RunSteps.split(instruction.arguments) {
                if let packages = RunSteps.aptInstall(step) { buildPackages = (buildPackages ?? []) + packages }
                if step.starts(with: ["swift", "build"]), buildCommand == nil, !step.contains("--show-bin-path") {
                    buildCommand = Array(step.dropFirst(2))
                }
                if step.first == "cp", let destination = step.last { buildOut = destination }
            }
        }
        expect("build_packages", buildPackages, "the build stage's apt-get install")
        let declaredBuild = (facts.arrays["build_flags"] ?? []) + ["--product", facts.scalars["build_product"] ?? ""]
        if buildCommand != declaredBuild {
            problems.append("the script builds with swift build \(declaredBuild.joined(separator: " ")) but the build stage runs swift build \(buildCommand?.joined(separator: " ") ?? "<nothing>")")
        }
        expect("build_out", buildOut, "the build stage's cp destination")

        expect("runtime_base", runtime.base, "the runtime stage's FROM")
        var runtimePackages: [String] = []
        var copies: [String] = []
        var user: String? = nil
        var entrypoint: [String]? = nil
        var cmd: [String]? = nil
        for instruction in runtime.instructions {
            switch instruction.keyword {
            case "RUN":
                for step in RunSteps.split(instruction.arguments) {
                    if let packages = RunSteps.aptInstall(step) {
                        if !step.contains("--no-install-recommends") {
                            problems.append("the runtime stage installs with recommends; the script installs --no-install-recommends")
                        }
                        runtimePackages += packages
                    } else if step != ["apt-get", "update"] && step != ["rm", "-rf", "/var/lib/apt/lists/*"] {
                        problems.append("the runtime stage runs `\(step.joined(separator: " "))`, which the script does not reproduce")
                    }
                }
            case "COPY":
                let words = RunSteps.words(instruction.arguments)
                let flags = words.filter { $0.hasPrefix("--") }, paths = words.filter { !$0.hasPrefix("--") }
                guard flags == ["--from=\(build.name ?? "")"], paths.count >= 2, let destination = paths.last else {
                    problems.append("COPY \(instruction.arguments): the script copies only files from the build stage, without other flags")
                    continue
                }
                for source in paths.dropLast() {
                    let target = destination.hasSuffix("/") ? destination + (source as NSString).lastPathComponent : destination
                    copies.append("\(source):\(target)")
                }
            case "USER": user = instruction.arguments
            case "ENTRYPOINT", "CMD":
                guard let array = (try? JSONSerialization.jsonObject(with: Data(instruction.arguments.utf8))) as? [String] else {
                    problems.append("\(instruction.keyword) \(instruction.arguments): only the exec form [\"…\"] is reproduced")
                    continue
                }
                if instruction.keyword == "CMD" { cmd = array } else { entrypoint = array }
            case "EXPOSE":
                break // Documentation only; the script uses the ports of the Deployment's args.
            default:
                problems.append("the runtime stage has \(instruction.keyword) \(instruction.arguments), which the script does not reproduce")
            }
        }
        expect("runtime_packages", runtimePackages, "the runtime stage's apt-get install")
        expect("runtime_copies", copies, "the runtime stage's COPY")
        expect("runtime_user", user, "the runtime stage's USER")
        expect("runtime_entrypoint", entrypoint, "the ENTRYPOINT")
        expect("runtime_cmd", cmd, "the CMD")

        // The Deployment's webhook container.
        guard let document = MiniYAML.parse(manager) as? [String: Any],
              let pod = MiniYAML.at(document, "spec", "template", "spec") as? [String: Any],
              let containers = pod["containers"] as? [[String: Any]],
              let webhook = containers.first(where: { $0["name"] as? String == "webhook" }) else {
            return problems + ["config/manager/manager.yaml has no Deployment with a container named webhook"]
        }
        let podUser = MiniYAML.at(pod, "securityContext", "runAsUser") as? String
        let podGroup = MiniYAML.at(pod, "securityContext", "runAsGroup") as? String
        expect("deployment_run_as", podUser.map { "\($0):\(podGroup ?? "")" }, "the pod's runAsUser:runAsGroup")
        expect("deployment_webhook_args", webhook["args"] as? [String], "the webhook container's args")
        let mounts = webhook["volumeMounts"] as? [[String: Any]] ?? []
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        func volume(of mount: [String: Any]) -> [String: Any]? { volumes.first { $0["name"] as? String == mount["name"] as? String } }
        let certMounts = mounts.filter { volume(of: $0)?["secret"] != nil }
        expect("deployment_cert_mount", certMounts.count == 1 ? certMounts[0]["mountPath"] as? String : nil, "the webhook container's Secret mount")
        if certMounts.contains(where: { $0["readOnly"] as? String != "true" }) { problems.append("the Secret mount is not readOnly; the script mounts it read-only") }
        if let secret = certMounts.first.flatMap(volume(of:)), MiniYAML.at(secret, "secret", "secretName") as? String != "webhook-server-cert" {
            problems.append("the mounted Secret is not webhook-server-cert")
        }
        let writable = mounts.filter { $0["readOnly"] as? String != "true" }
        expect("deployment_writable", writable.count == 1 ? writable[0]["mountPath"] as? String : nil, "the webhook container's one writable mount")
        let emptyDir = writable.count == 1 ? volume(of: writable[0]).flatMap { $0["emptyDir"] as? [String: Any] } : nil
        if writable.count == 1 && emptyDir == nil { problems.append("the writable mount is not an emptyDir; the script mounts a tmpfs") }
        expect("deployment_tmp_size", emptyDir?["sizeLimit"] as? String, "the emptyDir's sizeLimit")
        let webhookOthers = mounts.filter { $0["readOnly"] as? String == "true" && volume(of: $0)?["secret"] == nil }
        if !webhookOthers.isEmpty {
            problems.append("the webhook container mounts \(webhookOthers.compactMap { $0["mountPath"] as? String }), which the script does not")
        }
        problems += containerSecurityProblems(webhook, "webhook")

        // The Deployment's controller container.
        guard let controller = containers.first(where: { $0["name"] as? String == "controller" }) else {
            return problems + ["config/manager/manager.yaml has no container named controller"]
        }
        problems += controllerProblems(controller, pod: pod, facts: facts)
        return problems
    }

    /// What the script reproduces of every container: the image's ENTRYPOINT (no command), only
    /// the kubelet's environment (no env), the pod's user, and the hardened securityContext.
    static func containerSecurityProblems(_ container: [String: Any], _ name: String) -> [String] {
        var problems: [String] = []
        if container["command"] != nil { problems.append("the \(name) container sets command; the script runs the image's ENTRYPOINT") }
        if container["env"] != nil || container["envFrom"] != nil {
            problems.append("the \(name) container sets env; the script gives it only what the kubelet injects")
        }
        let security = container["securityContext"] as? [String: Any] ?? [:]
        if security["readOnlyRootFilesystem"] as? String != "true" {
            problems.append("the \(name) container's root filesystem is writable; the script mounts it read-only")
        }
        if security["allowPrivilegeEscalation"] as? String != "false" {
            problems.append("the \(name) container may escalate privileges; the script sets no_new_privs")
        }
        if MiniYAML.at(security, "capabilities", "drop") as? [String] != ["ALL"] || MiniYAML.at(security, "capabilities", "add") != nil {
            problems.append("the \(name) container does not drop exactly ALL capabilities; the script runs it with none")
        }
        for key in ["runAsUser", "runAsGroup", "privileged", "procMount", "seccompProfile"] where security[key] != nil {
            problems.append("the \(name) container sets securityContext.\(key); the script uses the pod's")
        }
        return problems
    }

    /// The controller container: its args, ports and probes, what it mounts writable, and the
    /// projected service-account volume the script lays out as the kubelet would.
    static func controllerProblems(_ controller: [String: Any], pod: [String: Any], facts: ScriptFacts) -> [String] {
        var problems = containerSecurityProblems(controller, "controller")
        func expect(_ name: String, _ actual: String?, _ source: String) {
            if facts.scalars[name] != actual { problems.append("\(name)=\(facts.scalars[name] ?? "<none>") but \(source) says \(actual ?? "<nothing>")") }
        }
        func expect(_ name: String, _ actual: [String]?, _ source: String) {
            if facts.arrays[name] != actual {
                problems.append("\(name)=(\(facts.arrays[name]?.joined(separator: " ") ?? "<none>")) but \(source) says (\(actual?.joined(separator: " ") ?? "<nothing>"))")
            }
        }
        expect("deployment_controller_args", controller["args"] as? [String], "the controller container's args")

        // Ports: the probes' port (by name or number) is the declared health port; the other one is metrics.
        let ports = controller["ports"] as? [[String: Any]] ?? []
        func number(of port: String?) -> String? {
            guard let port else { return nil }
            return ports.first { $0["name"] as? String == port }?["containerPort"] as? String ?? (port.allSatisfy(\.isNumber) ? port : nil)
        }
        for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
            guard let get = MiniYAML.at(controller, probe, "httpGet") as? [String: Any] else {
                problems.append("the controller container has no \(probe).httpGet; the script calls \(path) as it would")
                continue
            }
            if get["path"] as? String != path { problems.append("the controller's \(probe) calls \(get["path"] as? String ?? "<nothing>"); the script checks \(path)") }
            expect("deployment_controller_health_port", number(of: get["port"] as? String), "the controller's \(probe) port")
        }
        let declared = Set(ports.compactMap { $0["containerPort"] as? String })
        let restated = Set([facts.scalars["deployment_controller_metrics_port"], facts.scalars["deployment_controller_health_port"]].compactMap { $0 })
        if declared != restated {
            problems.append("the controller container declares ports \(declared.sorted()) but the script restates \(restated.sorted())")
        }

        // Mounts: the writable ones are emptyDirs the size the script gives them; the read-only one
        // is the projected service-account volume; nothing else.
        if pod["automountServiceAccountToken"] as? String != "false" {
            problems.append("the pod automounts the service-account token into every container; the script mounts it into the controller only")
        }
        let mounts = controller["volumeMounts"] as? [[String: Any]] ?? []
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        func volume(of mount: [String: Any]) -> [String: Any]? { volumes.first { $0["name"] as? String == mount["name"] as? String } }
        let writable = mounts.filter { $0["readOnly"] as? String != "true" }
        expect("deployment_controller_writable", writable.compactMap { $0["mountPath"] as? String }, "the controller container's writable mounts")
        for mount in writable {
            if let emptyDir = volume(of: mount)?["emptyDir"] as? [String: Any] {
                expect("deployment_tmp_size", emptyDir["sizeLimit"] as? String, "the controller's emptyDir sizeLimit")
            } else {
                problems.append("the controller's writable mount \(mount["mountPath"] as? String ?? "?") is not an emptyDir; the script mounts a tmpfs")
            }
        }
        let readOnly = mounts.filter { $0["readOnly"] as? String == "true" }
        guard readOnly.count == 1, let saMount = readOnly.first, let projected = volume(of: saMount)?["projected"] as? [String: Any] else {
            return problems + ["the controller container mounts \(readOnly.count) read-only volumes; the script mounts one projected service-account volume"]
        }
        expect("deployment_sa_mount", saMount["mountPath"] as? String, "the controller's projected mount")
        expect("deployment_sa_mode", projected["defaultMode"] as? String, "the projected volume's defaultMode")
        var files: [String] = []
        var lifetime: String? = nil
        for source in projected["sources"] as? [[String: Any]] ?? [] {
            if let token = source["serviceAccountToken"] as? [String: Any] {
                files.append(token["path"] as? String ?? "?")
                lifetime = token["expirationSeconds"] as? String
                // The script writes the file it knows how to make under the name `token`.
                if token["path"] as? String != "token" || token["audience"] != nil {
                    problems.append("the projected token is not `token` for the API server's audience; the script mints that")
                }
            } else if let map = source["configMap"] as? [String: Any], map["name"] as? String == "kube-root-ca.crt",
                      let items = map["items"] as? [[String: Any]], items.count == 1, items[0]["key"] as? String == "ca.crt",
                      let path = items[0]["path"] as? String, path == "ca.crt" {
                files.append(path)
            } else if let api = source["downwardAPI"] as? [String: Any], let items = api["items"] as? [[String: Any]], items.count == 1,
                      MiniYAML.at(items[0], "fieldRef", "fieldPath") as? String == "metadata.namespace", let path = items[0]["path"] as? String,
                      path == "namespace" {
                files.append(path)
            } else {
                problems.append("the projected volume has a source the script does not make: \(source.keys.sorted())")
            }
        }
        expect("deployment_sa_files", files, "the projected volume's files")
        expect("deployment_sa_token_seconds", lifetime, "the token's expirationSeconds")
        return problems
    }
}

/// The variables hack/image-smoke.sh declares in its block of restated facts, and the checks that
/// the rest of the script uses them instead of spelling their values out.
private struct ScriptFacts {
    var scalars: [String: String] = [:]
    var arrays: [String: [String]] = [:]
    var problems: [String] = []

    static let expected = ["build_base", "build_packages", "build_flags", "build_product", "build_out", "runtime_base",
                           "runtime_packages", "runtime_copies", "runtime_user", "runtime_entrypoint", "runtime_cmd",
                           "deployment_run_as", "deployment_webhook_args", "deployment_cert_mount", "deployment_writable",
                           "deployment_tmp_size", "deployment_controller_args", "deployment_controller_metrics_port",
                           "deployment_controller_health_port", "deployment_controller_writable", "deployment_sa_mount",
                           "deployment_sa_files", "deployment_sa_token_seconds", "deployment_sa_mode", "subcommands"]

    init(script: String) {
        let lines = script.components(separatedBy: "\n")
        // The block starts at "# ---- The Dockerfile, restated" and ends at a comment line of dashes.
        guard let start = lines.firstIndex(where: { $0.hasPrefix("# ---- The Dockerfile, restated") }),
              let end = lines[(start + 1)...].firstIndex(where: { $0.hasPrefix("# ---") && $0.allSatisfy { "# -".contains($0) } }) else {
            problems.append("hack/image-smoke.sh has no block of restated facts (# ---- The Dockerfile, restated … # ----)")
            return
        }
        for line in lines[start..<end] where !line.hasPrefix("#") && !line.isEmpty {
            guard let equals = line.firstIndex(of: "=") else { problems.append("not a declaration: \(line)"); continue }
            let name = String(line[..<equals]), value = String(line[line.index(after: equals)...])
            if value.contains("\"") || value.contains("'") || value.contains("$") || value.contains("#") {
                problems.append("\(name): write the value plainly (no quotes, expansions or comments), the test reads it as written")
            }
            if value.hasPrefix("(") && value.hasSuffix(")") {
                arrays[name] = value.dropFirst().dropLast().split(separator: " ").map(String.init)
            } else {
                scalars[name] = value
            }
        }
        for name in Self.expected where scalars[name] == nil && arrays[name] == nil {
            problems.append("hack/image-smoke.sh does not declare \(name)")
        }

        // The rest of the script, comments left out: it must use every variable, and spell out none
        // of the distinctive values (numbers, paths, image names, flags) itself.
        let code = lines[end...].filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined(separator: "\n")
        for name in Self.expected {
            if !code.contains("$\(name)") && !code.contains("${\(name)") { problems.append("hack/image-smoke.sh declares \(name) but never uses it") }
        }
        // Whole values, and their parts: the uid in 65532:65532, the port in --port=9443, each path of
        // a copy, the Debian release of the runtime base.
        let values = Set(scalars.values).union(arrays.values.joined())
        var distinctive = values.filter { $0.hasPrefix("--") || $0.contains("/") || $0.contains(":") || $0.contains(where: \.isNumber) }
        for value in values {
            distinctive.formUnion(value.split(whereSeparator: { $0 == ":" || $0 == "=" }).map(String.init)
                .filter { $0.contains("/") || $0.contains(where: \.isNumber) })
        }
        if let tag = scalars["runtime_base"]?.split(separator: ":").last, let release = tag.split(separator: "-").first {
            distinctive.insert(String(release))
        }
        // A value counts where it stands alone: not inside a longer word or path (/tmp is not in
        // /tmp/ray-image-smoke.XXXXXX), but `=` and `:` separate (SMOKE_USER=65532:65532 has it).
        for value in distinctive.sorted() {
            let pattern = "(^|[^A-Za-z0-9_./-])" + NSRegularExpression.escapedPattern(for: value) + "($|[^A-Za-z0-9_./-])"
            if code.range(of: pattern, options: .regularExpression) != nil {
                problems.append("hack/image-smoke.sh spells out \(value) outside its declarations; use the variable")
            }
        }

        // The commands that reproduce the Dockerfile use the variables.
        let uses = [
            #"swift build "${build_flags[@]}" --product "$build_product""#,
            #"apt-get install -y -qq --no-install-recommends "${runtime_packages[@]}""#,
            #"for pair in "${runtime_copies[@]}""#,
            #""$runtime_user" "" -- "${runtime_entrypoint[@]}" "${runtime_cmd[@]}""#,
            #""$deployment_run_as" "$secret" -- "${runtime_entrypoint[@]}" "${deployment_webhook_args[@]}""#,
            #"SMOKE_WRITABLE="${deployment_controller_writable[*]}" SMOKE_SA=$sa_volume"#,
            #""$deployment_run_as" "" -- "${runtime_entrypoint[@]}" "${deployment_controller_args[@]}""#,
            #"for file in "${deployment_sa_files[@]}""#,
            #"suite=${runtime_base#*:}"#,
        ]
        for use in uses where !code.contains(use) { problems.append("hack/image-smoke.sh no longer runs: \(use)") }
    }
}

/// The stages of a Dockerfile: continuation lines joined, comments dropped.
private struct DockerfileStages {
    struct Instruction { var keyword: String; var arguments: String }
    struct Stage { var base: String; var name: String?; var instructions: [Instruction] = [] }
    var all: [Stage] = []

    init(text: String) {
        var logical: [String] = []
        var pending = ""
        for raw in text.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
            let full = pending + line
            pending = ""
            if !full.trimmingCharacters(in: .whitespaces).isEmpty { logical.append(full) }
        }
        for line in logical {
            let keyword = String(line.prefix { !$0.isWhitespace }).uppercased()
            let arguments = line.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
            if keyword == "FROM" {
                let words = arguments.split(separator: " ").map(String.init)
                let name = words.count == 3 && words[1].uppercased() == "AS" ? words[2] : nil
                all.append(Stage(base: words.first ?? "", name: name))
            } else if !all.isEmpty {
                all[all.count - 1].instructions.append(Instruction(keyword: keyword, arguments: arguments))
            }
        }
    }
}

/// The `&&`-separated steps of a RUN, as words.
private enum RunSteps {
    static func words(_ text: String) -> [String] { text.split(whereSeparator: { $0.isWhitespace }).map(String.init) }
    static func split(_ arguments: String) -> [[String]] {
        arguments.components(separatedBy: "&&").map { words($0) }.filter { !$0.isEmpty }
    }
    /// The packages of `[VAR=value…] apt-get install [-flags…] packages…`, or nil for any other step.
    static func aptInstall(_ step: [String]) -> [String]? {
        let command = step.drop { $0.contains("=") && !$0.hasPrefix("-") }
        guard command.starts(with: ["apt-get", "install"]) else { return nil }
        return command.dropFirst(2).filter { !$0.hasPrefix("-") }
    }
}

/// Just enough YAML for a Kubernetes manifest written in block style: mappings, sequences, plain
/// and quoted scalars (kept as strings), comments. Flow collections stay strings.
private enum MiniYAML {
    struct Line { var indent: Int; var text: Substring }

    static func parse(_ text: String) -> Any? {
        var lines: [Line] = []
        for raw in text.components(separatedBy: "\n") {
            let body = raw.drop { $0 == " " }
            if body.isEmpty || body.hasPrefix("#") || body == "---" { continue }
            lines.append(Line(indent: raw.count - body.count, text: body))
        }
        var index = 0
        guard !lines.isEmpty else { return nil }
        return block(&lines, &index, indent: lines[0].indent)
    }

    static func at(_ value: Any?, _ keys: String...) -> Any? {
        keys.reduce(value) { ($0 as? [String: Any])?[$1] }
    }

    static func block(_ lines: inout [Line], _ index: inout Int, indent: Int) -> Any? {
        guard index < lines.count else { return nil }
        return lines[index].text.hasPrefix("- ") || lines[index].text == "-"
            ? sequence(&lines, &index, indent: indent) : mapping(&lines, &index, indent: indent)
    }

    static func sequence(_ lines: inout [Line], _ index: inout Int, indent: Int) -> [Any] {
        var items: [Any] = []
        while index < lines.count, lines[index].indent == indent, lines[index].text.hasPrefix("-") {
            let rest = lines[index].text.dropFirst().drop { $0 == " " }
            if rest.isEmpty {
                index += 1
                items.append(index < lines.count && lines[index].indent > indent ? block(&lines, &index, indent: lines[index].indent) ?? "" : "")
            } else if keyValue(rest) != nil {
                // "- key: value" opens a mapping whose keys line up with `key`.
                lines[index] = Line(indent: indent + (lines[index].text.count - rest.count), text: rest)
                items.append(mapping(&lines, &index, indent: lines[index].indent))
            } else {
                items.append(scalar(rest))
                index += 1
            }
        }
        return items
    }

    static func mapping(_ lines: inout [Line], _ index: inout Int, indent: Int) -> [String: Any] {
        var result: [String: Any] = [:]
        while index < lines.count, lines[index].indent == indent, !lines[index].text.hasPrefix("- "),
              let pair = keyValue(lines[index].text) {
            let (key, value) = pair
            index += 1
            if !value.isEmpty {
                result[key] = scalar(value)
            } else if index < lines.count, lines[index].indent > indent
                        || (lines[index].indent == indent && lines[index].text.hasPrefix("- ")) {
                result[key] = block(&lines, &index, indent: lines[index].indent)
            } else {
                result[key] = ""
            }
        }
        return result
    }

    static func keyValue(_ text: Substring) -> (String, Substring)? {
        guard !text.hasPrefix("\""), !text.hasPrefix("'"), !text.hasPrefix("[") else { return nil }
        if text.hasSuffix(":") { return (String(text.dropLast()), "") }
        guard let separator = text.range(of: ": ") else { return nil }
        return (String(text[..<separator.lowerBound]), text[separator.upperBound...].drop { $0 == " " })
    }

    static func scalar(_ text: Substring) -> String {
        if let quote = text.first, quote == "\"" || quote == "'", let close = text.dropFirst().firstIndex(of: quote) {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if let comment = text.range(of: " #") { return String(text[..<comment.lowerBound]).trimmingCharacters(in: .whitespaces) }
        return String(text).trimmingCharacters(in: .whitespaces)
    }
}
