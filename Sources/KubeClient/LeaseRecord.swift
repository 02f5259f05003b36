import JSON

/// The leader-election fields of a Lease's `spec`. Compared as a whole: any change of any field
/// (a renewal moves `renewTime`) tells an observer the holder is alive.
package struct LeaseRecord: Sendable, Equatable {
    package var holderIdentity: String
    package var leaseDurationSeconds: Int?
    package var acquireTime: String?
    package var renewTime: String?
    package var leaseTransitions: Int

    package init(holderIdentity: String, leaseDurationSeconds: Int?, acquireTime: String?, renewTime: String?, leaseTransitions: Int) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }

    /// Reads `lease.spec`; missing fields read as empty/zero (a Lease created by hand is valid).
    package init(lease: JSONValue) {
        let spec = lease["spec"]
        holderIdentity = spec?["holderIdentity"]?.stringValue ?? ""
        leaseDurationSeconds = spec?["leaseDurationSeconds"]?.intValue
        acquireTime = spec?["acquireTime"]?.stringValue
        renewTime = spec?["renewTime"]?.stringValue
        leaseTransitions = max(0, spec?["leaseTransitions"]?.intValue ?? 0)
    }

    /// The `spec` object to write.
    package var spec: JSONValue {
        var object = JSONObject()
        object["holderIdentity"] = .string(holderIdentity)
        if let leaseDurationSeconds { object["leaseDurationSeconds"] = .integer(Int64(leaseDurationSeconds)) }
        if let acquireTime { object["acquireTime"] = .string(acquireTime) }
        if let renewTime { object["renewTime"] = .string(renewTime) }
        object["leaseTransitions"] = .integer(Int64(leaseTransitions))
        return .object(object)
    }
}
