// OWNER: conversion helper. Stub with the fixed signature the CLI and endpoints call.
import RayAPI

public struct ConversionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Lossless conversion between `ray.io/v1alpha1` and `ray.io/v1` (DESIGN §4).
public enum RayClusterConverter {
    /// Converts one RayCluster object to `apiVersion` (`ray.io/v1` or `ray.io/v1alpha1`). An object
    /// already at that version is returned unchanged.
    public static func convert(_ object: JSONValue, to apiVersion: String) throws(ConversionError) -> JSONValue {
        throw ConversionError("conversion is not implemented yet")
    }
}
