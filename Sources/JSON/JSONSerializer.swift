// Compact, deterministic JSON output behind `JSONValue.serialized()`.
//
// Keys in the object's order, no whitespace, integers in decimal, `.number` literals as they are
// (they came from a document or from a Double, both valid JSON numbers; a hand-made literal that is
// not a JSON number is written as `null` rather than producing invalid JSON). Strings escape only
// what JSON requires: `"`, `\` and control characters (`\b \f \n \r \t`, others `\u00XX`); `/` and
// non-ASCII are written as they are. Parsing and re-serializing a compact document therefore gives
// the same bytes.
//
// Why it looks like this (it writes every ConversionReview and AdmissionReview response, megabytes
// at a time):
// - Output goes into one raw buffer that grows by doubling. Each write first makes room for its
//   worst case once, then stores bytes without per-byte capacity or uniqueness checks (what
//   `[UInt8].append` pays on every call). The buffer becomes a `[UInt8]` in one copy at the end.
// - A string is scanned once, eight bytes per step (SWAR in JSONParser.swift): with nothing to
//   escape (nearly every string) it is one `memcpy`; otherwise the runs between escapes are
//   copied whole.
// - Containers are walked by index over their (immutable) arrays, so each element is passed on
//   borrowed, where iterating would copy it (a retain and release per element).
// - Integers are formatted straight into the buffer, two digits per division.

/// The growable byte buffer the serializer writes into. A class only so that `deinit` frees it.
final class JSONOutputBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        let initial = max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: initial)
        self.capacity = initial
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes. The request is at most a few times the size of a value
    /// that already exists in memory, so it cannot overflow in practice; a sum that would is
    /// clamped to `Int.max` and the allocation fails like any impossible one.
    @inline(__always) func reserve(_ extra: Int) {
        let (needed, overflow) = count.addingReportingOverflow(extra)
        if overflow || needed > capacity { grow(to: overflow ? Int.max : needed) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed {
            let (doubled, overflow) = newCapacity.multipliedReportingOverflow(by: 2)
            newCapacity = overflow ? needed : doubled
        }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Stores a byte; room must have been reserved.
    @inline(__always) func put(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    @inline(__always) func put(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count &+= bytes.count
    }

    /// Reserves room and copies `bytes`.
    @inline(__always) func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        put(bytes)
    }

    /// Frees the written bytes and starts over with a minimal buffer.
    func releaseStorage() {
        base.deallocate()
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
        capacity = 64
        count = 0
    }

    var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
            if let target = destination.baseAddress { target.update(from: base, count: count) }
            initialized = count
        }
    }
}

struct JSONSerializer {
    private let buffer: JSONOutputBuffer

    /// The most a caller's size hint reserves up front (beyond it the buffer grows as needed).
    static let maximumReservation = 64 << 20

    init(capacity: Int) { buffer = JSONOutputBuffer(capacity: capacity) }

    /// What has been written so far.
    var out: [UInt8] { buffer.bytes }

    /// The buffer itself, for `JSONWriter`.
    var output: JSONOutputBuffer { buffer }

    mutating func write(_ value: JSONValue) {
        writeValue(value)
    }

    private func writeValue(_ value: borrowing JSONValue) {
        switch value {
        case .null: writeLiteral("null")
        case .bool(let b): writeLiteral(b ? "true" : "false")
        case .integer(let n): writeInteger(n)
        case .number(let literal):
            writeLiteral(JSONSerializer.isValidNumberLiteral(literal) ? literal : "null")
        case .string(let s): writeString(s)
        case .array(let elements):
            buffer.reserve(2)
            buffer.put(0x5B)
            var index = 0
            let count = elements.count
            while index < count {
                if index > 0 {
                    buffer.reserve(1)
                    buffer.put(0x2C)
                }
                writeValue(elements[index])
                index &+= 1
            }
            buffer.reserve(1)
            buffer.put(0x5D)
        case .object(let object):
            buffer.reserve(2)
            buffer.put(0x7B)
            let members = object.members
            var index = 0
            let count = members.count
            while index < count {
                if index > 0 {
                    buffer.reserve(1)
                    buffer.put(0x2C)
                }
                writeString(members[index].key)
                buffer.reserve(1)
                buffer.put(0x3A)
                writeValue(members[index].value)
                index &+= 1
            }
            buffer.reserve(1)
            buffer.put(0x7D)
        }
    }

    /// Text that needs no escaping (literals, number literals).
    @inline(__always) private func writeLiteral(_ s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ buffer.append(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        var copy = s
        copy.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
    }

    /// "00" … "99", for formatting two digits per division.
    private static let digitPairs: [UInt8] = {
        var pairs: [UInt8] = []
        pairs.reserveCapacity(200)
        for n in 0..<100 {
            pairs.append(UInt8(truncatingIfNeeded: 0x30 &+ n / 10))
            pairs.append(UInt8(truncatingIfNeeded: 0x30 &+ n % 10))
        }
        return pairs
    }()

    private func writeInteger(_ n: Int64) {
        // At most 20 characters: a sign and 19 digits. The digits are written backwards into a
        // 24-byte stack buffer; the magnitude is a UInt64 so that Int64.min needs no special case.
        var magnitude = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        buffer.reserve(20)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var k = scratch.count
            JSONSerializer.digitPairs.withUnsafeBufferPointer { pairs in
                while magnitude >= 100 {
                    let pair = Int(truncatingIfNeeded: magnitude % 100) &* 2
                    magnitude /= 100
                    k &-= 2
                    scratch[k] = pairs[pair]
                    scratch[k &+ 1] = pairs[pair &+ 1]
                }
                if magnitude >= 10 {
                    let pair = Int(truncatingIfNeeded: magnitude) &* 2
                    k &-= 2
                    scratch[k] = pairs[pair]
                    scratch[k &+ 1] = pairs[pair &+ 1]
                } else {
                    k &-= 1
                    scratch[k] = UInt8(truncatingIfNeeded: magnitude) &+ 0x30
                }
            }
            if n < 0 { buffer.put(0x2D) }
            buffer.put(UnsafeRawBufferPointer(rebasing: scratch[k...]))
        }
    }

    func writeString(_ s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ writeStringBytes($0) }) { return done }
        var copy = s
        copy.withUTF8 { writeStringBytes($0) }
    }

    @inline(__always) private static func hex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble  // 0x57 + 10 = 'a'
    }

    private func writeStringBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        let length = bytes.count
        // Fast path: nothing to escape, one copy between the quotes.
        var firstEscape = 0
        if let base = bytes.baseAddress {
            while length &- firstEscape >= 8 {
                let word = UnsafeRawPointer(base + firstEscape).loadUnaligned(as: UInt64.self)
                if SWAR.needsEscape(word) { break }
                firstEscape &+= 8
            }
        }
        while firstEscape < length {
            let b = bytes[firstEscape]
            if b < 0x20 || b == 0x22 || b == 0x5C { break }
            firstEscape &+= 1
        }
        if firstEscape == length {
            buffer.reserve(length &+ 2)
            buffer.put(0x22)
            buffer.put(UnsafeRawBufferPointer(bytes))
            buffer.put(0x22)
            return
        }
        // Worst case: every remaining byte becomes a six-byte \u00XX escape.
        let (worst, overflow) = (length &- firstEscape).multipliedReportingOverflow(by: 6)
        buffer.reserve(overflow ? Int.max : firstEscape &+ worst &+ 2)
        buffer.put(0x22)
        buffer.put(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<firstEscape])))
        var i = firstEscape
        var runStart = firstEscape
        while i < length {
            let b = bytes[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C {
                i &+= 1
                continue
            }
            if i > runStart { buffer.put(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<i]))) }
            buffer.put(0x5C)
            switch b {
            case 0x22: buffer.put(0x22)
            case 0x5C: buffer.put(0x5C)
            case 0x08: buffer.put(0x62)
            case 0x0C: buffer.put(0x66)
            case 0x0A: buffer.put(0x6E)
            case 0x0D: buffer.put(0x72)
            case 0x09: buffer.put(0x74)
            default:
                buffer.put(0x75); buffer.put(0x30); buffer.put(0x30)
                buffer.put(JSONSerializer.hex(b >> 4)); buffer.put(JSONSerializer.hex(b & 0xF))
            }
            i &+= 1
            runStart = i
        }
        if length > runStart { buffer.put(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<length]))) }
        buffer.put(0x22)
    }

    /// RFC 8259 number grammar check for hand-made `.number` literals.
    static func isValidNumberLiteral(_ literal: String) -> Bool {
        var it = literal.utf8.makeIterator()
        var c = it.next()
        func digit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if c == 0x2D { c = it.next() }
        if c == 0x30 {
            c = it.next()
        } else if digit(c) {
            while digit(c) { c = it.next() }
        } else {
            return false
        }
        if c == 0x2E {
            c = it.next()
            guard digit(c) else { return false }
            while digit(c) { c = it.next() }
        }
        if c == 0x65 || c == 0x45 {
            c = it.next()
            if c == 0x2B || c == 0x2D { c = it.next() }
            guard digit(c) else { return false }
            while digit(c) { c = it.next() }
        }
        return c == nil
    }
}

extension JSONValue {
    /// `serialized()` with room for `capacity` bytes from the start: for big documents whose size
    /// is roughly known (a ConversionReview response is about the size of its request), which
    /// spares the copies of growing the output from small.
    package func serialized(reservingCapacity capacity: Int) -> [UInt8] {
        var serializer = JSONSerializer(capacity: min(max(capacity, 0), JSONSerializer.maximumReservation))
        serializer.write(self)
        return serializer.out
    }
}

/// Writes one JSON text piece by piece: whole values (serialized exactly as `serialized()` does)
/// and raw punctuation between them. Lets a big document be written in parts, each part into its
/// own writer on its own thread, and the parts joined in one copy (a ConversionReview response with
/// its converted objects written in parallel).
///
/// A writer belongs to one thread at a time; it is `Sendable` so that a finished part can be
/// handed to the thread that joins the parts.
package final class JSONWriter: @unchecked Sendable {
    private var serializer: JSONSerializer

    /// Room for `capacity` bytes up front (at most `JSONSerializer.maximumReservation`).
    package init(capacity: Int) {
        serializer = JSONSerializer(capacity: min(max(capacity, 0), JSONSerializer.maximumReservation))
    }

    /// Appends `value`, serialized.
    package func write(_ value: JSONValue) { serializer.write(value) }

    /// Appends `text` as it is: the caller guarantees it is the JSON punctuation it means.
    package func writeRaw(_ text: StaticString) {
        let output = serializer.output
        if text.hasPointerRepresentation {
            output.append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        } else {
            // A static string stored as a single scalar has no `utf8Start`.
            text.withUTF8Buffer { output.append(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Bytes written so far.
    package var count: Int { serializer.output.count }

    /// What has been written, as an array.
    package var bytes: [UInt8] { serializer.out }

    /// The parts' bytes one after the other, in one allocation and one copy. Each part is emptied
    /// (its buffer freed) as soon as it is copied, so the peak is the result plus one part rather
    /// than twice the result: for a 57 MB ConversionReview that is ~80 MB less at the worst moment.
    package static func joined(_ parts: [JSONWriter]) -> [UInt8] {
        var total = 0
        for part in parts {
            let (sum, overflow) = total.addingReportingOverflow(part.count)
            // Parts that exist in memory cannot sum past Int.max; clamp so the allocation fails
            // like any impossible one rather than wrapping.
            total = overflow ? Int.max : sum
        }
        return [UInt8](unsafeUninitializedCapacity: total) { destination, initialized in
            var offset = 0
            if let target = destination.baseAddress {
                for part in parts {
                    let output = part.serializer.output
                    (target + offset).update(from: output.base, count: output.count)
                    offset &+= output.count
                    output.releaseStorage()
                }
            }
            initialized = offset
        }
    }
}
