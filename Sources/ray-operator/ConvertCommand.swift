// OWNER: conversion helper.
import ArgumentParser

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Convert RayCluster manifests between ray.io/v1alpha1 and ray.io/v1.")

    @Option(name: [.short, .customLong("filename")], help: "Manifest file (YAML or JSON); - for stdin.")
    var files: [String] = []

    @Option(name: .customLong("output-version")) var outputVersion: String

    @Option(name: [.short, .customLong("output")]) var output: String = "yaml"

    func run() throws {
        throw notImplemented("`ray-operator convert`")
    }
}
