// The parser's reusable scratch: the byte buffer for escaped strings, the stacks of open containers
// and of their elements and members, lent per thread by `JSONParserStorage` so that a parse allocates
// only the values it returns.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The reused output buffer for strings with escapes. A class over raw storage rather than a
/// `[UInt8]` because escape-dense strings (a JSON document inside an annotation is one `\"` after
/// another) append a short run and an escape at a time, and `Array.append(contentsOf:)` cost a
/// third of the parse of such a review. It only grows, by doubling, to the longest decoded string
/// of the document, which is never longer than the document itself.
final class ByteScratch {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init() {
        capacity = 256
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    }

    deinit { base.deallocate() }

    @inline(__always) func removeAll(keepingCapacity: Bool) { count = 0 }

    var capacityInBytes: Int { capacity }

    @inline(__always) func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: 1) }
        base[count] = byte
        count &+= 1
    }

    @inline(__always) func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        let n = bytes.count
        if capacity &- count < n { grow(toHold: n) }
        (base + count).initialize(from: source, count: n)
        count &+= n
    }

    func makeString() -> String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    /// Makes room for `extra` more bytes: double, or exactly what is needed when that is more.
    /// Both are bounded by the document's size (`JSONParseLimits.maxBytes`), so they cannot
    /// overflow in practice; an overflow would still only ask for the largest capacity.
    private func grow(toHold extra: Int) {
        let (needed, o1) = count.addingReportingOverflow(extra)
        let (doubled, o2) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = o1 ? Int.max : (o2 ? needed : Swift.max(doubled, needed))
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}

/// The parser's stack of finished elements of open containers. A container's elements leave it by
/// being moved (not copied) into the container's own array, which spares a retain when they are
/// copied out and a release when the stack drops them: two atomic operations per value.
/// A class only so that `deinit` can release what an error leaves on it.
final class MoveOutStack<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    /// Starts small (a few hundred bytes): a first allocation of 1 KiB or more makes glibc
    /// consolidate its free lists, on every parse.
    init() {
        capacity = 16
        base = UnsafeMutablePointer<Element>.allocate(capacity: 16)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var capacityInElements: Int { capacity }

    /// Releases what is left (after an error) and empties the stack, keeping its storage.
    func removeAll() {
        base.deinitialize(count: count)
        count = 0
    }

    @inline(__always) func push(_ element: __owned Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count &+= 1
    }

    /// Doubles the storage. The stack never holds more values than the document has bytes (which
    /// `JSONParseLimits.maxBytes` bounds), so doubling cannot overflow in practice.
    private func grow() {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = overflow ? capacity &+ 1 : doubled
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Reads element `index` in place (no copy of the whole element).
    @inline(__always) func withElement<R>(at index: Int, _ body: (borrowing Element) -> R) -> R {
        body(base[index])
    }

    /// Moves the elements from position `start` to the top into a new array of that capacity.
    ///
    /// Why not `Array(unsafeUninitializedCapacity:)`: it calls the stdlib's unspecialised
    /// `ContiguousArray._allocateBufferUninitialized`, which looks up the generic metadata of the
    /// array storage in the runtime's hash table on every call (~4% of a whole admission request in
    /// `perf`). `reserveCapacity` is specialised into this module and reads that metadata from a
    /// cached accessor; the appends then move each element in (no retain, no release).
    @inline(__always) func pop(from start: Int) -> [Element] {
        let n = count &- start
        guard n > 0 else { return [] }
        let source = base + start
        var result: [Element] = []
        result.reserveCapacity(n)
        var k = 0
        while k < n {
            result.append((source + k).move())
            k &+= 1
        }
        count = start
        return result
    }
}

extension MoveOutStack where Element == JSONObject.Member {
    @inline(__always) func key(at index: Int) -> String { withElement(at: index) { $0.key } }
}

/// The parser's stacks and buffers, lent to one parse at a time. Each thread keeps one between
/// parses (`take` / `give`): a parse then allocates nothing but the values it builds, where making
/// and freeing a dozen buffers per document cost about 5% of a review's parse (and glibc folds its
/// free lists each time a buffer over 1 KiB is freed). Storage grown beyond `keptElements` by a big
/// document is not kept, so a thread holds at most a few hundred KiB.
final class JSONParserStorage {
    let frames = FrameStack()
    let elements = MoveOutStack<JSONValue>()
    let members = MemberStack()
    let bytes = ByteScratch()
    let kindSpill = KindSpill()

    /// Largest stack (elements, members or frames) a thread keeps; scratch bytes: 16 times that.
    static let keptElements = 4096

    /// The calling thread's storage (taken from it until `give`), or a new one.
    static func take() -> JSONParserStorage {
        if let raw = pthread_getspecific(threadKey) {
            pthread_setspecific(threadKey, nil)
            return Unmanaged<JSONParserStorage>.fromOpaque(raw).takeRetainedValue()
        }
        return JSONParserStorage()
    }

    /// Empties `storage` (releasing what an error left in it) and keeps it for the thread's next
    /// parse, unless it grew too big to be worth keeping.
    static func give(_ storage: JSONParserStorage) {
        storage.frames.removeAll()
        storage.elements.removeAll()
        storage.members.removeAll()
        storage.kindSpill.removeAll()
        let kept = keptElements
        guard storage.elements.capacityInElements <= kept, storage.members.capacityInElements <= kept,
              storage.frames.capacityInFrames <= kept, storage.bytes.capacityInBytes <= kept &* 16,
              pthread_getspecific(threadKey) == nil else { return }
        pthread_setspecific(threadKey, Unmanaged.passRetained(storage).toOpaque())
    }

    /// The thread-specific slot; its destructor releases a thread's storage when the thread ends.
    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<JSONParserStorage>.fromOpaque(raw).release()
        }
        return key
    }()
}

/// Container kinds of `skipValue` beyond 64 levels (64 per word; `maxDepth` bounds it).
final class KindSpill {
    private var words: [UInt64] = []
    @inline(__always) func removeAll() { words.removeAll(keepingCapacity: true) }
    func push(_ word: UInt64) { words.append(word) }
    func pop() -> UInt64 { words.popLast() ?? 0 }
}

/// The parser's open containers. Frames are plain values in raw storage (no reference counting,
/// no uniqueness checks per step); the key of each open object waits in a slot of its own and is
/// moved, not copied, into the member it names. Grows by doubling up to the depth limit.
final class FrameStack {
    struct Frame {
        /// Where the container's elements (members) start on their stack.
        var start: Int
        /// The fingerprint of the pending key.
        var fingerprint: UInt64
        /// For objects on a skip path, the trie node their keys are looked up in; -1 elsewhere.
        var node: Int32
        var isObject: Bool
        /// Whether `keys[d]` holds a key (between a key and the end of its value).
        var hasKey: Bool
    }

    private var frames: UnsafeMutablePointer<Frame>
    private var keys: UnsafeMutablePointer<String>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 16
        frames = UnsafeMutablePointer<Frame>.allocate(capacity: 16)
        keys = UnsafeMutablePointer<String>.allocate(capacity: 16)
    }

    deinit {
        removeAll()
        frames.deallocate()
        keys.deallocate()
    }

    func removeAll() {
        while count > 0 { pop() }
    }

    var capacityInFrames: Int { capacity }

    @inline(__always) var top: Frame { frames[count &- 1] }

    /// The pending key of the innermost object (which must have one).
    @inline(__always) var topKey: String { keys[count &- 1] }

    @inline(__always) func pushObject(start: Int, node: Int32, key: __owned String, fingerprint: UInt64) {
        if count == capacity { grow() }
        (frames + count).initialize(to: Frame(start: start, fingerprint: fingerprint, node: node, isObject: true, hasKey: true))
        (keys + count).initialize(to: key)
        count &+= 1
    }

    @inline(__always) func pushArray(start: Int) {
        if count == capacity { grow() }
        (frames + count).initialize(to: Frame(start: start, fingerprint: 0, node: -1, isObject: false, hasKey: false))
        count &+= 1
    }

    /// Moves the innermost object's key out (for its member).
    @inline(__always) func takeKey() -> String {
        let d = count &- 1
        frames[d].hasKey = false
        return (keys + d).move()
    }

    /// Drops the innermost object's key (its member was skipped).
    @inline(__always) func dropKey() {
        let d = count &- 1
        frames[d].hasKey = false
        (keys + d).deinitialize(count: 1)
    }

    @inline(__always) func setKey(_ key: __owned String, fingerprint: UInt64) {
        let d = count &- 1
        frames[d].hasKey = true
        frames[d].fingerprint = fingerprint
        (keys + d).initialize(to: key)
    }

    @inline(__always) func pop() {
        count &-= 1
        if frames[count].hasKey { (keys + count).deinitialize(count: 1) }
    }

    /// Doubles the storage; the parser checks the depth limit before every push, so the stack
    /// never holds more than `maxDepth` frames.
    private func grow() {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = overflow ? capacity &+ 1 : doubled
        let newFrames = UnsafeMutablePointer<Frame>.allocate(capacity: newCapacity)
        newFrames.moveInitialize(from: frames, count: count)
        frames.deallocate()
        frames = newFrames
        // Slots without a key are uninitialized: move the initialized ones one by one.
        let newKeys = UnsafeMutablePointer<String>.allocate(capacity: newCapacity)
        var d = 0
        while d < count {
            if frames[d].hasKey { (newKeys + d).moveInitialize(from: keys + d, count: 1) }
            d &+= 1
        }
        keys.deallocate()
        keys = newKeys
        capacity = newCapacity
    }
}

/// The members of open objects, with each key's fingerprint beside it.
final class MemberStack {
    private let members = MoveOutStack<JSONObject.Member>()
    private var fingerprints: UnsafeMutablePointer<UInt64>
    private var capacity: Int

    init() {
        capacity = 16
        fingerprints = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
    }

    deinit { fingerprints.deallocate() }

    @inline(__always) var count: Int { members.count }

    var capacityInElements: Int { capacity }

    func removeAll() { members.removeAll() }

    @inline(__always) func push(key: __owned String, fingerprint: UInt64, value: __owned JSONValue) {
        let n = members.count
        if n == capacity { grow() }
        fingerprints[n] = fingerprint
        members.push(JSONObject.Member(key: key, value: value))
    }

    @inline(__always) func pop(from start: Int) -> [JSONObject.Member] { members.pop(from: start) }

    /// Whether two members from `start` to the top have the same key. Fingerprints first: a
    /// handful of members compare pairwise, more go through a hash set of fingerprints; only
    /// equal fingerprints compare the keys themselves.
    @inline(__always) func hasDuplicateKeys(from start: Int) -> Bool {
        let n = members.count &- start
        // Two members (the most common object after one): one compare, inline.
        if n == 2 && fingerprints[start] != fingerprints[start &+ 1] { return false }
        return hasDuplicateKeysScanning(from: start)
    }

    private func hasDuplicateKeysScanning(from start: Int) -> Bool {
        let n = members.count &- start
        let f = fingerprints + start
        if n <= 16 {
            var a = 1
            while a < n {
                let fa = f[a]
                var b = 0
                while b < a {
                    if f[b] == fa && members.key(at: start &+ a) == members.key(at: start &+ b) { return true }
                    b &+= 1
                }
                a &+= 1
            }
            return false
        }
        var seen: [UInt64: Int] = [:]
        seen.reserveCapacity(n)
        var a = 0
        while a < n {
            if let b = seen.updateValue(a, forKey: f[a]) {
                if members.key(at: start &+ a) == members.key(at: start &+ b) { return true }
                // Same fingerprint, other key: compare against all earlier ones with it.
                var c = 0
                while c < a {
                    if f[c] == f[a] && members.key(at: start &+ a) == members.key(at: start &+ c) { return true }
                    c &+= 1
                }
            }
            a &+= 1
        }
        return false
    }

    private func grow() {
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let newCapacity = overflow ? capacity &+ 1 : doubled
        let newBase = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: fingerprints, count: members.count)
        fingerprints.deallocate()
        fingerprints = newBase
        capacity = newCapacity
    }
}
