// Watches the serving certificate and key (and the optional client CA) and builds a new TLSContext
// when their contents change, off the I/O threads. Two triggers, as controller-runtime's
// certwatcher: inotify on the directories (fast path; survives the kubelet's atomic `..data`
// symlink swap) and a poll every `pollInterval` seconds comparing file contents (safety net for
// filesystems without inotify, and for changes behind symlinks into other directories).
//
// Bursts of events (a swap is several renames and deletes) are debounced: the check runs once the
// directory has been quiet for `debounce` seconds (at most ~10× that after the first event).
// A pair that fails to load is retried once after `debounce` before it is reported, so a writer
// that replaces tls.crt and tls.key one after the other does not produce a spurious error; if it
// still fails, `onError` is called once for those contents and the last good context stays.
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

package final class CertificateWatcher: @unchecked Sendable {
    package let files: TLSFiles
    package let pollInterval: Double
    package let debounce: Double
    private let initialFingerprint: String?
    private let onReload: @Sendable (TLSContext) -> Void
    private let onError: @Sendable (String) -> Void

    private let reloads = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let loads = Atomic<Int>(0)
    private let state = Atomic<Int>(0)          // 0 new, 1 running, 2 stopped
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let thread = Mutex<pthread_t?>(nil)

    /// Tests turn inotify off (before start) to prove the poll alone finds changes.
    var inotifyEnabled = true

    // Owned by the watcher thread (and by start() before the thread exists).
    private var lastSeen: Snapshot?
    #if canImport(Glibc)
    private var watch: DirectoryWatch?
    #endif
    private var failedOnce: Snapshot?

    /// Contents of the files at one moment, or why they could not be read.
    enum Snapshot: Equatable {
        case contents(certificate: [UInt8], key: [UInt8], clientCA: [UInt8]?)
        case unreadable(String)
    }

    package convenience init(files: TLSFiles, pollInterval: Double = 10,
                            onReload: @escaping @Sendable (TLSContext) -> Void, onError: @escaping @Sendable (String) -> Void) {
        self.init(files: files, pollInterval: pollInterval, debounce: 0.1, initial: nil, onReload: onReload, onError: onError)
    }

    /// - Parameters:
    ///   - initial: the context the server is serving now. start() compares it with the files and
    ///     reloads at once if they already differ (a change between the first load and start()).
    ///   - debounce: quiet time after an inotify event before the files are read.
    package init(files: TLSFiles, pollInterval: Double = 10, debounce: Double = 0.1, initial: TLSContext?,
                onReload: @escaping @Sendable (TLSContext) -> Void, onError: @escaping @Sendable (String) -> Void) {
        self.files = files
        self.pollInterval = pollInterval.isFinite ? min(max(pollInterval, 0.05), 86_400) : 10
        self.debounce = debounce.isFinite ? min(max(debounce, 0.001), 10) : 0.1
        self.initialFingerprint = initial?.fingerprint
        self.onReload = onReload
        self.onError = onError
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    /// Successful reloads (onReload calls).
    package var reloadCount: Int { reloads.load(ordering: .relaxed) }
    /// Reported failures (onError calls).
    package var errorCount: Int { errors.load(ordering: .relaxed) }
    /// Times the files were parsed (certwatcher_read_certificate_total counts these).
    package var loadCount: Int { loads.load(ordering: .relaxed) }

    /// Takes the current contents as the baseline (reloading at once if they differ from `initial`)
    /// and starts the watcher thread. Calling it again does nothing.
    package func start() {
        guard state.compareExchange(expected: 0, desired: 1, ordering: .sequentiallyConsistent).exchanged else { return }
        // Watch first, then read the baseline: a change in between is either in the baseline or
        // queued as an event, never lost until the next poll.
        #if canImport(Glibc)
        watch = inotifyEnabled ? DirectoryWatch() : nil
        watch?.update(directoriesToWatch())
        #endif
        let snapshot = readSnapshot()
        if let initialFingerprint {
            // compare with what is being served; report a bad start-up state at once
            process(snapshot, skipIfFingerprint: initialFingerprint)
        } else {
            lastSeen = snapshot
        }
        let box = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        var handle = pthread_t()
        let created = pthread_create(&handle, &attributes, { raw in
            guard let raw else { return nil }
            let watcher = Unmanaged<CertificateWatcher>.fromOpaque(raw).takeRetainedValue()
            watcher.run()
            return nil
        }, box)
        pthread_attr_destroy(&attributes)
        if created == 0 {
            thread.withLock { $0 = handle }
        } else {
            Unmanaged<CertificateWatcher>.fromOpaque(box).release()
            state.store(2, ordering: .sequentiallyConsistent)
            report("certificate watcher: cannot start a thread (error \(created))")
        }
    }

    /// Stops the thread and waits for it (so no callback runs after stop() returns, unless stop()
    /// is called from a callback). Calling it again does nothing.
    package func stop() {
        let previous = state.exchange(2, ordering: .sequentiallyConsistent)
        guard previous == 1 else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        guard let handle = thread.withLock({ $0 }) else { return }
        if pthread_equal(handle, pthread_self()) != 0 {
            pthread_detach(handle)
        } else {
            pthread_join(handle, nil)
        }
    }

    // MARK: - the watcher thread

    private func run() {
        #if canImport(Glibc)
        let watch = self.watch
        #endif
        var nextPoll = now() + pollInterval
        var deadline: Double? = nil          // debounced check
        var firstEvent: Double? = nil
        while state.load(ordering: .relaxed) == 1 {
            let current = now()
            let until = min(deadline ?? nextPoll, nextPoll)
            let timeoutMS = Int32(clamping: Int(max(0, (until - current) * 1000).rounded(.up)))
            var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            #if canImport(Glibc)
            if let watch { descriptors.append(pollfd(fd: watch.fd, events: Int16(POLLIN), revents: 0)) }
            #endif
            _ = poll(&descriptors, nfds_t(descriptors.count), timeoutMS)
            if state.load(ordering: .relaxed) != 1 { break }
            #if canImport(Glibc)
            if let watch, descriptors.count > 1, descriptors[1].revents != 0 {
                let (changed, lostWatch) = watch.drain()
                if lostWatch { watch.update(directoriesToWatch()) }
                if changed {
                    let time = now()
                    if firstEvent == nil { firstEvent = time }
                    // push the check back while events keep coming, but not forever
                    deadline = min(time + debounce, (firstEvent ?? time) + debounce * 10)
                }
            }
            #endif
            let time = now()
            var due = false
            if let pending = deadline, time >= pending { due = true; deadline = nil; firstEvent = nil }
            if time >= nextPoll { due = true; nextPoll = time + pollInterval }
            if due {
                if let retry = check() { deadline = now() + retry }
                #if canImport(Glibc)
                watch?.update(directoriesToWatch())
                #endif
            }
        }
    }

    /// Reads the files and acts on a change. Returns a delay when the check must run again soon
    /// (a failed load gets one retry before it is reported).
    private func check() -> Double? {
        let snapshot = readSnapshot()
        guard snapshot != lastSeen else { return nil }
        if snapshot != failedOnce {
            // first time these contents are seen: if they fail, wait `debounce` and look again
            switch snapshot {
            case .unreadable:
                failedOnce = snapshot
                return debounce
            case .contents(let certificate, let key, let clientCA):
                loads.add(1, ordering: .relaxed)
                do {
                    let context = try TLSContext.load(certificatePEM: certificate, keyPEM: key, clientCAPEM: clientCA)
                    lastSeen = snapshot
                    failedOnce = nil
                    reloads.add(1, ordering: .relaxed)
                    onReload(context)
                    return nil
                } catch {
                    failedOnce = snapshot
                    return debounce
                }
            }
        }
        process(snapshot, skipIfFingerprint: nil)
        return nil
    }

    /// Loads a snapshot and reports the outcome (no retry).
    private func process(_ snapshot: Snapshot, skipIfFingerprint: String?) {
        lastSeen = snapshot
        failedOnce = nil
        switch snapshot {
        case .unreadable(let message):
            report("certificate reload failed, keeping the current certificate: \(message)")
        case .contents(let certificate, let key, let clientCA):
            loads.add(1, ordering: .relaxed)
            do {
                let context = try TLSContext.load(certificatePEM: certificate, keyPEM: key, clientCAPEM: clientCA)
                if context.fingerprint == skipIfFingerprint { return }
                reloads.add(1, ordering: .relaxed)
                onReload(context)
            } catch {
                report("certificate reload failed, keeping the current certificate: \(files.certificatePath), \(files.keyPath): \(error.message)")
            }
        }
    }

    private func report(_ message: String) {
        errors.add(1, ordering: .relaxed)
        onError(message)
    }

    private func readSnapshot() -> Snapshot {
        do throws(TLSError) {
            let certificate = try readFileCapped(files.certificatePath)
            let key = try readFileCapped(files.keyPath)
            var clientCA: [UInt8]? = nil
            if let path = files.clientCAPath { clientCA = try readFileCapped(path) }
            return .contents(certificate: certificate, key: key, clientCA: clientCA)
        } catch {
            return .unreadable(error.message)
        }
    }

    /// The directories of the three paths, and of the files they resolve to through symlinks.
    private func directoriesToWatch() -> Set<String> {
        var result = Set<String>()
        for path in [files.certificatePath, files.keyPath, files.clientCAPath].compactMap({ $0 }) {
            result.insert(directoryName(path))
            if let resolved = realpath(path, nil) {
                result.insert(directoryName(String(cString: resolved)))
                free(resolved)
            }
        }
        return result
    }

    private func directoryName(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    private func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
