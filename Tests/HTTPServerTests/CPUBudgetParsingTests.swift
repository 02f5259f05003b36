import Foundation
import XCTest
@testable import HTTPServer
@testable import Threads

/// The cgroup and /proc parsing behind `CPUBudget`, on file contents as the kernel writes them in
/// the setups the webhook meets: a host with cgroup v1 (and the hybrid layout), a Docker container on
/// v1, a Kubernetes node on v2 seen from the host, and a container with its own cgroup namespace.
final class CPUBudgetParsingTests: XCTestCase {
    // MARK: - Single files

    func testCPUMax() throws {
        XCTAssertNil(CgroupFiles.parseCPUMax("max 100000\n"))
        let limited = try XCTUnwrap(CgroupFiles.parseCPUMax("150000 100000\n"))
        XCTAssertEqual(limited.quota, 150_000)
        XCTAssertEqual(limited.period, 100_000)
        let lone = try XCTUnwrap(CgroupFiles.parseCPUMax("50000"))
        XCTAssertEqual(lone.period, CgroupFiles.defaultPeriodMicroseconds)
        for bad in ["", "max", "-1 100000", "0 100000", "100000 0", "1.5 100000", "abc 100000", "1 2 3", "99999999999999999999999 100000"] {
            XCTAssertNil(CgroupFiles.parseCPUMax(bad), bad)
        }
    }

    func testCFSFiles() throws {
        XCTAssertNil(CgroupFiles.parseCFS(quota: "-1\n", period: "100000\n"))
        let limited = try XCTUnwrap(CgroupFiles.parseCFS(quota: "250000\n", period: "100000\n"))
        XCTAssertEqual(limited.quota, 250_000)
        XCTAssertNil(CgroupFiles.parseCFS(quota: "50000", period: "0"))
        XCTAssertNil(CgroupFiles.parseCFS(quota: "", period: "100000"))
    }

    func testQuotaRoundsUpToWholeCPUsAndIsAtLeastOne() {
        func cpus(_ quota: Int, _ period: Int) -> Int {
            CgroupCPUQuota(quotaMicroseconds: quota, periodMicroseconds: period, cgroupVersion: 2, directory: "/x").cpus
        }
        XCTAssertEqual(cpus(100_000, 100_000), 1)
        XCTAssertEqual(cpus(100_001, 100_000), 2)
        XCTAssertEqual(cpus(150_000, 100_000), 2)
        XCTAssertEqual(cpus(200_000, 100_000), 2)
        XCTAssertEqual(cpus(10_000, 100_000), 1)
        XCTAssertEqual(cpus(1_000, 1_000_000), 1)
        XCTAssertEqual(cpus(Int.max, 1), Int.max)
        XCTAssertEqual(cpus(Int.max, 2), Int.max / 2 + 1)
    }

    func testMembershipsOfProcCgroup() {
        let text = """
        12:cpu,cpuacct:/docker/0123abcd
        11:memory:/docker/0123abcd
        1:name=systemd:/docker/0123abcd
        0::/system.slice/containerd.service
        garbage line
        7:pids:relative/path
        3:net_cls:/with:colon

        """
        let parsed = CgroupFiles.parseMemberships(text)
        XCTAssertEqual(parsed.count, 5)
        XCTAssertEqual(parsed[0], CgroupMembership(hierarchyID: 12, controllers: ["cpu", "cpuacct"], path: "/docker/0123abcd"))
        XCTAssertEqual(parsed[3], CgroupMembership(hierarchyID: 0, controllers: [], path: "/system.slice/containerd.service"))
        XCTAssertEqual(parsed[4].path, "/with:colon")
    }

    func testMountsOfMountInfo() {
        let text = """
        22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 /docker/ab /sys/fs/cgroup/cpu,cpuacct ro,nosuid shared:9 master:3 - cgroup cgroup rw,cpu,cpuacct
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        42 31 0:39 / /mnt/with\\040space rw - cgroup2 none rw,nsdelegate
        43 31 0:40 / /broken rw cgroup2 none rw
        """
        let mounts = CgroupFiles.parseMounts(text)
        XCTAssertEqual(mounts.count, 4)
        XCTAssertEqual(mounts[0], CgroupMount(root: "/", mountPoint: "/sys/fs/cgroup/cpu", fileSystemType: "cgroup", superOptions: ["rw", "cpu"]))
        XCTAssertEqual(mounts[1].root, "/docker/ab")
        XCTAssertEqual(mounts[1].superOptions, ["rw", "cpu", "cpuacct"])
        XCTAssertEqual(mounts[2].fileSystemType, "cgroup2")
        XCTAssertEqual(mounts[3].mountPoint, "/mnt/with space")
    }

    // MARK: - Whole resolutions (files served from a dictionary)

    private func quota(_ files: [String: String]) -> CgroupCPUQuota? {
        CPUBudget.quota(procDirectory: "/proc/self", read: { files[$0] })
    }

    /// Hybrid host (v1 cpu controller, a v2 tree without it): a limit on a child of a child.
    func testCgroupV1HostNestedLimitIsFoundOnTheAncestor() throws {
        let files = [
            "/proc/self/cgroup": "4:memory:/\n1:cpu:/build/job7\n0::/\n",
            "/proc/self/mountinfo": """
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """,
            "/sys/fs/cgroup/cpu/build/job7/cpu.cfs_quota_us": "-1\n",
            "/sys/fs/cgroup/cpu/build/job7/cpu.cfs_period_us": "100000\n",
            "/sys/fs/cgroup/cpu/build/cpu.cfs_quota_us": "50000\n",
            "/sys/fs/cgroup/cpu/build/cpu.cfs_period_us": "100000\n",
            "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
            "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        ]
        let found = try XCTUnwrap(quota(files))
        XCTAssertEqual(found, CgroupCPUQuota(quotaMicroseconds: 50_000, periodMicroseconds: 100_000, cgroupVersion: 1,
                                             directory: "/sys/fs/cgroup/cpu/build"))
        XCTAssertEqual(found.cpus, 1)
    }

    /// Docker on v1 without a cgroup namespace: the mount shows only the container's subtree.
    func testDockerOnCgroupV1() throws {
        let files = [
            "/proc/self/cgroup": "12:cpu,cpuacct:/docker/0123abcd\n11:memory:/docker/0123abcd\n",
            "/proc/self/mountinfo": "1200 1100 0:30 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime master:12 - cgroup cgroup rw,cpu,cpuacct\n",
            "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "250000\n",
            "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
        ]
        let found = try XCTUnwrap(quota(files))
        XCTAssertEqual(found.directory, "/sys/fs/cgroup/cpu,cpuacct")
        XCTAssertEqual(found.cpus, 3)
    }

    /// A Kubernetes node on v2 seen from the host: the pod's limit is tighter than the container's.
    func testKubernetesOnCgroupV2TightestOfPodAndContainer() throws {
        let pod = "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice"
        let container = pod + "/cri-containerd-9f.scope"
        let files = [
            "/proc/self/cgroup": "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-9f.scope\n",
            "/proc/self/mountinfo": "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
            container + "/cpu.max": "150000 100000\n",
            pod + "/cpu.max": "100000 100000\n",
            "/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/cpu.max": "max 100000\n",
            "/sys/fs/cgroup/kubepods.slice/cpu.max": "max 100000\n",
        ]
        let found = try XCTUnwrap(quota(files))
        XCTAssertEqual(found.directory, pod)
        XCTAssertEqual(found.cgroupVersion, 2)
        XCTAssertEqual(found.cpus, 1)
    }

    /// Inside a container with its own cgroup namespace the container's cgroup is `/`.
    func testContainerWithCgroupNamespaceOnV2() throws {
        let files = [
            "/proc/self/cgroup": "0::/\n",
            "/proc/self/mountinfo": "700 680 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n",
            "/sys/fs/cgroup/cpu.max": "200000 100000\n",
        ]
        XCTAssertEqual(try XCTUnwrap(quota(files)).cpus, 2)
    }

    func testNoLimitAnywhere() {
        XCTAssertNil(quota([
            "/proc/self/cgroup": "0::/user.slice\n",
            "/proc/self/mountinfo": "25 21 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            "/sys/fs/cgroup/user.slice/cpu.max": "max 100000\n",
        ]))
        // No cgroup files at all (not Linux's /proc, or a sandbox without /proc): no quota.
        XCTAssertNil(quota([:]))
    }

    /// A process outside the mount's subtree (or outside the reader's namespace, `..`) is left out
    /// rather than matched to someone else's cgroup.
    func testCgroupOutsideTheMountIsNotGuessed() {
        let mount = CgroupMount(root: "/docker/a", mountPoint: "/sys/fs/cgroup/cpu", fileSystemType: "cgroup", superOptions: ["cpu"])
        XCTAssertNil(CgroupFiles.directories(of: "/docker/b", under: mount))
        XCTAssertNil(CgroupFiles.directories(of: "/docker/ab", under: mount))
        XCTAssertEqual(CgroupFiles.directories(of: "/docker/a/x", under: mount), ["/sys/fs/cgroup/cpu/x", "/sys/fs/cgroup/cpu"])
        let root = CgroupMount(root: "/", mountPoint: "/sys/fs/cgroup", fileSystemType: "cgroup2", superOptions: [])
        XCTAssertNil(CgroupFiles.directories(of: "/../../other", under: root))
        XCTAssertEqual(CgroupFiles.directories(of: "/", under: root), ["/sys/fs/cgroup"])
    }

    // MARK: - The budget and the thread counts

    func testBudgetTakesTheSmallestLimit() {
        let quota1 = CgroupCPUQuota(quotaMicroseconds: 100_000, periodMicroseconds: 100_000, cgroupVersion: 1, directory: "/q")
        XCTAssertEqual(CPUBudget(onlineCPUs: 64).cpus, 64)
        XCTAssertEqual(CPUBudget(onlineCPUs: 64).limitedBy, .online)
        XCTAssertEqual(CPUBudget(onlineCPUs: 64, affinityCPUs: 4).cpus, 4)
        XCTAssertEqual(CPUBudget(onlineCPUs: 64, affinityCPUs: 4).limitedBy, .affinity)
        XCTAssertEqual(CPUBudget(onlineCPUs: 64, affinityCPUs: 64).limitedBy, .online)
        let limited = CPUBudget(onlineCPUs: 64, affinityCPUs: 4, quota: quota1)
        XCTAssertEqual(limited.cpus, 1)
        XCTAssertEqual(limited.limitedBy, .quota)
        XCTAssertTrue(limited.hasQuota)
        XCTAssertTrue(limited.description.contains("limited by the CPU quota"), limited.description)
        XCTAssertTrue(limited.description.contains("/q/cpu.cfs_quota_us"), limited.description)
        // A quota larger than the mask: the mask decides, the quota is still in force.
        let loose = CPUBudget(onlineCPUs: 8, affinityCPUs: 2,
                              quota: CgroupCPUQuota(quotaMicroseconds: 400_000, periodMicroseconds: 100_000, cgroupVersion: 2, directory: "/q"))
        XCTAssertEqual(loose.cpus, 2)
        XCTAssertEqual(loose.limitedBy, .affinity)
        XCTAssertTrue(loose.hasQuota)
        XCTAssertEqual(CPUBudget(onlineCPUs: 0, affinityCPUs: 0).cpus, 1)
    }

    func testThreadSizingFollowsTheBudgetUnlessConfigured() {
        let quota1 = CgroupCPUQuota(quotaMicroseconds: 100_000, periodMicroseconds: 100_000, cgroupVersion: 2, directory: "/pod")
        // 64 cores, 1-CPU quota: one loop, two workers that never poll.
        let quota = ThreadSizing(budget: CPUBudget(onlineCPUs: 64, affinityCPUs: 64, quota: quota1))
        XCTAssertEqual(quota.ioThreads, 1)
        XCTAssertEqual(quota.workerThreads, ThreadSizing.minimumWorkerThreads)
        XCTAssertEqual(quota.workerPollsBeforeSleeping, 0)
        XCTAssertTrue(quota.reason.contains("1 event loop (one per usable CPU)"), quota.reason)
        XCTAssertTrue(quota.reason.contains("sleep at once (a CPU quota is in force)"), quota.reason)
        // No quota, 4 CPUs in the mask: 4 and 4, polling allowed.
        let mask = ThreadSizing(budget: CPUBudget(onlineCPUs: 64, affinityCPUs: 4))
        XCTAssertEqual(mask.ioThreads, 4)
        XCTAssertEqual(mask.workerThreads, 4)
        XCTAssertEqual(mask.workerPollsBeforeSleeping, WorkerPool.defaultPollsBeforeSleeping)
        // One CPU, no quota: nothing to gain from polling.
        XCTAssertEqual(ThreadSizing(budget: CPUBudget(onlineCPUs: 1)).workerPollsBeforeSleeping, 0)
        // Flags win over the budget; the quota still stops the polling.
        let flags = ThreadSizing(budget: CPUBudget(onlineCPUs: 64, quota: quota1), ioThreads: 3, workerThreads: 5)
        XCTAssertEqual(flags.ioThreads, 3)
        XCTAssertEqual(flags.workerThreads, 5)
        XCTAssertEqual(flags.workerPollsBeforeSleeping, 0)
        XCTAssertTrue(flags.reason.contains("3 event loops (configured)"), flags.reason)
        XCTAssertTrue(flags.reason.contains("take turns"), flags.reason)
        XCTAssertEqual(ThreadSizing(budget: CPUBudget(onlineCPUs: 2), ioThreads: 0, workerThreads: -1).ioThreads, 1)
    }

    /// The server builds its worker pool from the configuration's sizing.
    func testServerWorkerPoolDoesNotPollUnderAQuota() {
        let quota1 = CgroupCPUQuota(quotaMicroseconds: 100_000, periodMicroseconds: 100_000, cgroupVersion: 1, directory: "/q")
        let limited = Server(configuration: ServerConfiguration(budget: CPUBudget(onlineCPUs: 16, quota: quota1)))
        XCTAssertEqual(limited.configuration.ioThreads, 1)
        XCTAssertEqual(limited.core.workers.pollsBeforeSleeping, 0)
        XCTAssertEqual(limited.core.workers.threadCount, 2)
        limited.core.workers.stop()
        let free = Server(configuration: ServerConfiguration(budget: CPUBudget(onlineCPUs: 4)))
        XCTAssertEqual(free.configuration.ioThreads, 4)
        XCTAssertEqual(free.core.workers.pollsBeforeSleeping, WorkerPool.defaultPollsBeforeSleeping)
        free.core.workers.stop()
    }

    /// Workers that never poll still run every job (they sleep on the condition and are woken).
    func testNonPollingWorkersRunEveryJob() {
        let pool = WorkerPool(threads: 2, name: "test-worker", pollsBeforeSleeping: 0)
        let group = DispatchGroup()
        let jobs = 200
        for _ in 0..<jobs { group.enter() }
        for index in 0..<jobs {
            if index % 2 == 0 {
                pool.submit { group.leave() }
            } else {
                pool.submit(batch: [{ group.leave() }])
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        pool.stop()
    }
}
