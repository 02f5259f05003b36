import XCTest
import JSON
import RayAPI
@testable import Admission
@testable import Conversion

/// W1–W3 (KubeRay's webhook and its TestValidateRayClusterSpecNames) and our group-name rules.
final class ValidationMetadataTests: XCTestCase {
    static let dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let dns1123 = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

    func testNameOf53CharactersIsAccepted() {
        assertValid(RC.cluster(name: String(repeating: "a", count: 53)))
    }

    func testW1NameOf54Characters() {
        let name = String(repeating: "a", count: 54)
        assertErrors(RC.cluster(name: name),
                     ["metadata.name: Invalid value: \"\(name)\": RayCluster name should be no more than 53 characters"])
    }

    func testW2NameNotADNS1035Label() {
        assertErrors(RC.cluster(name: "invalid.name"),
                     ["metadata.name: Invalid value: \"invalid.name\": RayCluster name should be a valid DNS1035 label: [\(Self.dns1035)]"])
    }

    func testW2NameStartingWithADigit() {
        assertErrors(RC.cluster(name: "1cluster"),
                     ["metadata.name: Invalid value: \"1cluster\": RayCluster name should be a valid DNS1035 label: [\(Self.dns1035)]"])
    }

    /// KubeRay's webhook test "name is too long": both rules fire, the DNS one with the length
    /// message first (Go prints the list with spaces).
    func testKubeRayTooLongNameReportsBothRules() {
        let name = "this-name-is-tooooooooooooooooooooooooooooooooooooooooooo-long-and-should-be-invalid"
        assertErrors(RC.cluster(name: name), [
            "metadata.name: Invalid value: \"\(name)\": RayCluster name should be no more than 53 characters",
            "metadata.name: Invalid value: \"\(name)\": RayCluster name should be a valid DNS1035 label: [must be no more than 63 characters]",
        ])
    }

    func testMissingNameIsJudgedAsEmpty() {
        let object = RC.cluster().with("metadata", "name", nil)
        assertErrors(object, ["metadata.name: Invalid value: \"\": RayCluster name should be a valid DNS1035 label: [\(Self.dns1035)]"])
    }

    /// W3: the first repeated entry, whole, as compact JSON in KubeRay's Go struct field order.
    func testW3DuplicateGroupNamesShowTheWholeEntry() {
        let object = RC.cluster(workers: [RC.worker("group1"), RC.worker("group1")])
        let entry = #"{"groupName":"group1","replicas":1,"minReplicas":1,"maxReplicas":5,"rayStartParams":{},"template":{"spec":{"containers":[{"name":"ray-worker","image":"rayproject/ray:2.46.0","resources":{"limits":{"cpu":"1","memory":"2G"},"requests":{"cpu":"1","memory":"2G"}}}]}}}"#
        let outcome = RayClusterValidator.validate(object)
        XCTAssertEqual(outcome.errors.map(\.message), ["spec.workerGroupSpecs[1]: Invalid value: \(entry): worker group names must be unique"])
        XCTAssertEqual(outcome.errors.first?.kind, .invalid)
        XCTAssertEqual(outcome.errors.first?.kind.rawValue, "FieldValueInvalid")
    }

    func testDistinctGroupNamesAreAccepted() {
        assertValid(RC.cluster(workers: [RC.worker("group1"), RC.worker("group2")]))
    }

    func testThirdDuplicateIsReportedAsDuplicateValue() {
        let object = RC.cluster(workers: [RC.worker("a"), RC.worker("a"), RC.worker("a")])
        let messages = RayClusterValidator.validate(object).errors.map(\.message)
        XCTAssertEqual(messages.count, 2)
        XCTAssertTrue(messages[0].hasPrefix("spec.workerGroupSpecs[1]: Invalid value: {"))
        XCTAssertEqual(messages[1], "spec.workerGroupSpecs[2].groupName: Duplicate value: \"a\"")
    }

    func testGroupNamesThatCollideOnceLowerCased() {
        assertErrors(RC.cluster(workers: [RC.worker("GPU-Group"), RC.worker("gpu-group")]), [
            "spec.workerGroupSpecs[1].groupName: Invalid value: \"gpu-group\": worker group name collides with \"GPU-Group\" (spec.workerGroupSpecs[0]) once lower-cased; pod names would clash",
        ])
    }

    func testUpperCaseGroupNameAloneIsAccepted() {
        assertValid(RC.cluster(workers: [RC.worker("GPU-Group")]))
    }

    func testGroupNameThatIsNotADNS1123LabelOnceLowerCased() {
        assertErrors(RC.cluster(workers: [RC.worker("small_group")]), [
            "spec.workerGroupSpecs[0].groupName: Invalid value: \"small_group\": worker group name, lower-cased, must be a valid DNS-1123 label because pod names contain it: \(Self.dns1123)",
        ])
    }

    func testEmptyAndOverlongGroupNames() {
        let long = String(repeating: "g", count: 64)
        assertErrors(RC.cluster(workers: [RC.worker(""), RC.worker(long)]), [
            "spec.workerGroupSpecs[0].groupName: Invalid value: \"\": worker group name, lower-cased, must be a valid DNS-1123 label because pod names contain it: \(Self.dns1123)",
            "spec.workerGroupSpecs[1].groupName: Invalid value: \"\(long)\": worker group name, lower-cased, must be a valid DNS-1123 label because pod names contain it: must be no more than 63 characters",
        ])
    }

    func testMissingGroupNameIsRequired() {
        let object = RC.cluster().with(At.worker(0), "groupName", value: nil)
        assertErrors(object, ["spec.workerGroupSpecs[0].groupName: Required value"])
    }
}

/// The same name rules past the pairwise-comparison threshold (hashing path).
final class ValidationManyGroupsTests: XCTestCase {
    func testDuplicatesAmongManyGroups() {
        var groups = (0..<40).map { RC.worker("group-\($0)") }
        groups.append(RC.worker("group-7"))
        groups.append(RC.worker("GROUP-8"))
        groups.append(RC.worker("group-7"))
        let messages = RayClusterValidator.validate(RC.cluster(workers: groups)).errors.map(\.message)
        XCTAssertEqual(messages.count, 3, "\(messages)")
        XCTAssertTrue(messages[0].hasPrefix("spec.workerGroupSpecs[40]: Invalid value: {"), messages[0])
        XCTAssertEqual(messages[1], "spec.workerGroupSpecs[41].groupName: Invalid value: \"GROUP-8\": worker group name collides with \"group-8\" (spec.workerGroupSpecs[8]) once lower-cased; pod names would clash")
        XCTAssertEqual(messages[2], "spec.workerGroupSpecs[42].groupName: Duplicate value: \"group-7\"")
    }

    func testManyDistinctGroupsAreValid() {
        assertValid(RC.cluster(workers: (0..<300).map { RC.worker("g\($0)") }))
    }
}
