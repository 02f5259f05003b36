// HTTP/1.1 request-head parser (RFC 9112), picohttpparser style: one pass over the bytes received so
// far, no allocation while scanning (offsets only), Strings made once for the finished head. It is
// called again with more bytes when it answers `.incomplete`; it stops at the first byte that can
// never start a valid request, so garbage (a TLS ClientHello on a plain port, binary noise) is
// refused at once instead of waiting for a header section that will never come.
//
// Status codes chosen here:
//   400  malformed request line or field; obs-fold; whitespace before ':'; bad/duplicate-differing
//        Content-Length; Content-Length together with Transfer-Encoding (request smuggling);
//        Transfer-Encoding whose final coding is not `chunked`, or `chunked` twice (RFC 9112 §6.3);
//        Transfer-Encoding on HTTP/1.0 (RFC 9112 §6.1); missing Host on HTTP/1.1 or several Host.
//   431  header section longer than maxHeaderBytes (checked even before it is complete), or more
//        than maxHeaderCount fields.
//   501  a transfer coding other than `chunked` before the final `chunked` (e.g. `gzip, chunked`).
//   505  a well-formed HTTP version other than 1.0 and 1.1.
// A POST without Content-Length or chunked is NOT an error here: contentLength is nil and isChunked
// false; the server decides (411 for routes that need a body).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits applied while parsing a request head. Every one is a named, configurable setting.
package struct HTTPLimits: Sendable {
    /// Bytes of the whole head: request line, header fields and the blank line. Default 32 KiB.
    package var maxHeaderBytes: Int
    /// Number of header fields. Default 100.
    package var maxHeaderCount: Int
    /// RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host field gets 400. Default true.
    package var requireHostHeader: Bool

    package init(maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.requireHostHeader = true
    }

    package init(maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100, requireHostHeader: Bool) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.requireHostHeader = requireHostHeader
    }
}

package enum HTTPMethod: Sendable, Equatable {
    case get, post, put, delete, head, options, patch, other(String)

    /// The method token as sent on the wire.
    package var name: String {
        switch self {
        case .get: return "GET"
        case .post: return "POST"
        case .put: return "PUT"
        case .delete: return "DELETE"
        case .head: return "HEAD"
        case .options: return "OPTIONS"
        case .patch: return "PATCH"
        case .other(let token): return token
        }
    }

    /// Methods are case-sensitive (RFC 9110 §9.1): "get" is `.other("get")`.
    package init(_ token: String) {
        switch token {
        case "GET": self = .get
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "HEAD": self = .head
        case "OPTIONS": self = .options
        case "PATCH": self = .patch
        default: self = .other(token)
        }
    }
}

package struct HTTPVersion: Sendable, Equatable {
    package var major: Int
    package var minor: Int
    package init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    package static let http10 = HTTPVersion(major: 1, minor: 0)
    package static let http11 = HTTPVersion(major: 1, minor: 1)
}

package struct HTTPRequestHead: Sendable {
    package var method: HTTPMethod
    package var target: String
    package var version: HTTPVersion
    package var headers: HTTPHeaders
    /// The declared body length, nil when absent (a chunked request has nil here).
    package var contentLength: Int?
    /// `Transfer-Encoding: chunked` (exactly that coding).
    package var isChunked: Bool
    /// HTTP/1.1: true unless `Connection: close`; HTTP/1.0: false unless `Connection: keep-alive`.
    package var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    package var expectsContinue: Bool

    package init(method: HTTPMethod, target: String, version: HTTPVersion = .http11, headers: HTTPHeaders = HTTPHeaders(),
                contentLength: Int? = nil, isChunked: Bool = false, keepAlive: Bool = true, expectsContinue: Bool = false) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.contentLength = contentLength
        self.isChunked = isChunked
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    /// The target without its query (`/convert?timeout=30s` → `/convert`) or fragment; for the
    /// absolute form (`https://host:9443/convert`, RFC 9112 §3.2.2) also without scheme and authority.
    package var path: String {
        var rest = Substring(target)
        let absolute = rest.utf8.first.map { asciiLower($0) == UInt8(ascii: "h") } ?? false
        for scheme in absolute ? ["http://", "https://"] : [] where rest.utf8.count > scheme.utf8.count {
            let head = rest.utf8.prefix(scheme.utf8.count)
            if head.elementsEqual(scheme.utf8, by: { asciiLower($0) == $1 }) {
                let afterScheme = rest.dropFirst(scheme.count)
                if let slash = afterScheme.firstIndex(of: "/") {
                    rest = afterScheme[slash...]
                } else {
                    let end = afterScheme.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
                    rest = "/" + afterScheme[end...]
                }
                break
            }
        }
        if let cut = rest.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            return String(rest[..<cut])
        }
        return String(rest)
    }

    /// The query string without `?`, or nil.
    package var query: String? {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        let rest = target[target.index(after: mark)...]
        if let hash = rest.utf8.firstIndex(of: UInt8(ascii: "#")) { return String(rest[..<hash]) }
        return String(rest)
    }

    /// The media type of Content-Type without parameters, lowercased (`application/json`), or nil.
    package var contentType: String? {
        guard let index = headers.firstIndex(of: "content-type") else { return nil }
        var value = headers.valueBytes(index)
        if let semicolon = value.firstIndex(of: UInt8(ascii: ";")) { value = value[..<semicolon] }
        let trimmed = trimOWS(value)
        if !trimmed.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return String(decoding: trimmed, as: UTF8.self) }
        return String(decoding: trimmed.map(asciiLower), as: UTF8.self)
    }

    /// Whether the media type of Content-Type (parameters aside) is `mediaType`, compared without
    /// case and without building strings (the route check runs on every request).
    package func hasMediaType(_ mediaType: String) -> Bool {
        guard let index = headers.firstIndex(of: "content-type") else { return false }
        var value = headers.valueBytes(index)
        if let semicolon = value.firstIndex(of: UInt8(ascii: ";")) { value = value[..<semicolon] }
        let trimmed = trimOWS(value)
        let wanted = mediaType.utf8
        guard trimmed.count == wanted.count else { return false }
        return zip(trimmed, wanted).allSatisfy { asciiLower($0) == asciiLower($1) }
    }
}

/// A request the server must refuse, with the status to answer and a short reason for the body.
package struct HTTPParseError: Error, Sendable, Equatable {
    package var status: Int
    package var reason: String
    package init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }
}

package enum HTTPParseResult: Sendable {
    /// More bytes are needed (and the limit is not reached yet).
    case incomplete
    /// The head, and how many bytes of the buffer it took (the body starts right after).
    case complete(HTTPRequestHead, headerBytes: Int)
    case failure(HTTPParseError)
}

package enum HTTPParser {
    /// Parses the request head at the start of `bytes`. Pure; never traps on any input.
    package static func parseRequestHead(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits) -> HTTPParseResult {
        var scanner = HeadScanner(bytes: bytes, limits: limits)
        return scanner.scan()
    }
}

// MARK: - implementation

// Plain literals (not `UInt8(ascii:)` or computed globals) so they are compile-time constants and
// the hot loops pay no lazy-initialisation check.
private let CR: UInt8 = 0x0D
private let LF: UInt8 = 0x0A
private let SP: UInt8 = 0x20
private let HTAB: UInt8 = 0x09
private let COLON: UInt8 = 0x3A

/// tchar (RFC 9110 §5.6.2) as a 128-bit set: `!#$%&'*+-.^_`|~`, digits, letters. Bytes 0-63 and
/// 64-127; the tests check these constants against the RFC's list.
let tcharLow: UInt64 = 0x03FF_6CFA_0000_0000
let tcharHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

@inline(__always)
func isTchar(_ byte: UInt8) -> Bool {
    if byte < 64 { return tcharLow & (1 << UInt64(byte)) != 0 }
    if byte < 128 { return tcharHigh & (1 << UInt64(byte &- 64)) != 0 }
    return false
}

/// Optional whitespace trimmed from both ends.
func trimOWS(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = bytes
    while let first = slice.first, first == SP || first == HTAB { slice = slice.dropFirst() }
    while let last = slice.last, last == SP || last == HTAB { slice = slice.dropLast() }
    return slice
}

/// Splits a comma-separated field value into trimmed elements (empty elements kept as empty).
func commaElements(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    forEachCommaElement(bytes) { result.append($0); return true }
    return result
}

/// Calls `body` with each trimmed comma-separated element, without allocating; stops when it
/// returns false.
@inline(__always)
func forEachCommaElement(_ bytes: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) -> Bool) {
    var start = bytes.startIndex
    var index = start
    while index < bytes.endIndex {
        if bytes[index] == 0x2C {
            if !body(trimOWS(bytes[start..<index])) { return }
            start = index &+ 1
        }
        index &+= 1
    }
    _ = body(trimOWS(bytes[start..<bytes.endIndex]))
}

func asciiEqualsLowercase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
    guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
    var index = bytes.startIndex
    let pointer = lowercase.utf8Start
    for offset in 0..<lowercase.utf8CodeUnitCount {
        if asciiLower(bytes[index]) != pointer[offset] { return false }
        index &+= 1
    }
    return true
}

/// Non-negative decimal without sign, leading `+` or spaces; nil when not digits or on overflow.
func parseDecimal(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty else { return nil }
    var value = 0
    for byte in bytes {
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(Int(byte &- 0x30))
        if overflow1 || overflow2 { return nil }
        value = sum
    }
    return value
}

private struct HeadScanner {
    let bytes: UnsafeRawBufferPointer
    let limits: HTTPLimits
    /// Scanning stops here: the bytes, or the head limit when more arrived than the limit allows.
    let end: Int
    let overLimit: Bool
    /// Whether a blank line (LF LF or LF CR LF) occurs before `end`. When it does not, the head is
    /// certainly incomplete and only the request line is scanned: a client that sends its header
    /// section one byte per packet costs one cheap memchr pass per packet, not a full re-parse.
    let headEndPossible: Bool
    var i = 0

    init(bytes: UnsafeRawBufferPointer, limits: HTTPLimits) {
        self.bytes = bytes
        self.limits = limits
        let limit = max(0, limits.maxHeaderBytes)
        self.end = min(bytes.count, limit)
        self.overLimit = bytes.count > limit
        self.headEndPossible = HeadScanner.containsBlankLine(bytes, end: self.end)
    }

    /// The index of the first byte at or after `from` that is not a tchar (or `end`). A local
    /// index, so the loop runs in registers rather than through `self`.
    @inline(__always)
    static func skipTokenCharacters(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
        var index = from
        while index < end, isTchar(bytes[index]) { index &+= 1 }
        return index
    }

    /// The index of the first byte at or after `from` that is a control character (CR, LF, HTAB
    /// and the rest of 0x00-0x1F, or DEL), or `end`. Visible ASCII, SP and obs-text pass. Eight
    /// bytes at a time while no control byte is among them (SWAR: a word has a byte below 0x20
    /// iff `(w - 0x20…) & ~w & 0x80…` is non-zero; a byte equal to 0x7F iff the same test for
    /// zero holds on `w ^ 0x7F…`); the exact position is then found byte by byte.
    @inline(__always)
    static func skipFieldValueCharacters(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
        var index = from
        while index &+ 8 <= end {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let below20 = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
            let flipped = word ^ 0x7F7F_7F7F_7F7F_7F7F
            let isDEL = (flipped &- 0x0101_0101_0101_0101) & ~flipped & 0x8080_8080_8080_8080
            if below20 | isDEL != 0 { break }
            index &+= 8
        }
        while index < end {
            let byte = bytes[index]
            if byte < SP || byte == 0x7F { return index }
            index &+= 1
        }
        return index
    }

    static func containsBlankLine(_ bytes: UnsafeRawBufferPointer, end: Int) -> Bool {
        guard let base = bytes.baseAddress, end > 1 else { return false }
        var from = 0
        while from < end {
            guard let found = memchr(base + from, Int32(LF), end &- from) else { return false }
            let at = base.distance(to: UnsafeRawPointer(found))
            if at &+ 1 < end {
                let next = bytes[at &+ 1]
                if next == LF { return true }
                if next == CR, at &+ 2 < end, bytes[at &+ 2] == LF { return true }
            }
            from = at &+ 1
        }
        return false
    }

    /// Ran out of bytes: wait for more, or 431 when the limit is what stopped us.
    func outOfInput() -> HTTPParseResult {
        overLimit ? .failure(HTTPParseError(status: 431, reason: "request header section too large")) : .incomplete
    }

    static func bad(_ reason: String) -> HTTPParseResult {
        .failure(HTTPParseError(status: 400, reason: reason))
    }

    /// Consumes CRLF or a bare LF at `i`. nil = out of input; false = something else is there.
    mutating func lineEnd() -> Bool? {
        guard i < end else { return nil }
        if bytes[i] == LF { i &+= 1; return true }
        guard bytes[i] == CR else { return false }
        guard i &+ 1 < end else { return nil }
        guard bytes[i &+ 1] == LF else { return false }
        i &+= 2
        return true
    }

    mutating func scan() -> HTTPParseResult {
        // RFC 9112 §2.2: ignore empty lines before the request line (some clients send a CRLF
        // after a POST body).
        while i < end, bytes[i] == CR || bytes[i] == LF {
            switch lineEnd() {
            case nil: return outOfInput()
            case false?: return Self.bad("invalid request line")
            case true?: continue
            }
        }

        // method
        let methodStart = i
        while i < end, isTchar(bytes[i]) { i &+= 1 }
        guard i < end else { return outOfInput() }
        guard i > methodStart, bytes[i] == SP else { return Self.bad("invalid request line") }
        let methodEnd = i
        i &+= 1

        // request-target: visible ASCII (and obs-text, decoded leniently); no controls, no spaces
        let targetStart = i
        while i < end, bytes[i] > SP, bytes[i] != 0x7F { i &+= 1 }
        guard i < end else { return outOfInput() }
        guard i > targetStart, bytes[i] == SP else { return Self.bad("invalid request target") }
        let targetEnd = i
        i &+= 1

        // HTTP-version = "HTTP/" DIGIT "." DIGIT
        let httpSlash: StaticString = "HTTP/"
        for offset in 0..<httpSlash.utf8CodeUnitCount {
            guard i < end else { return outOfInput() }
            guard bytes[i] == httpSlash.utf8Start[offset] else { return Self.bad("invalid HTTP version") }
            i &+= 1
        }
        guard i &+ 2 < end else { return outOfInput() }
        let majorByte = bytes[i], dot = bytes[i &+ 1], minorByte = bytes[i &+ 2]
        guard majorByte >= 0x30, majorByte <= 0x39, dot == UInt8(ascii: "."), minorByte >= 0x30, minorByte <= 0x39 else {
            return Self.bad("invalid HTTP version")
        }
        i &+= 3
        switch lineEnd() {
        case nil: return outOfInput()
        case false?: return Self.bad("invalid request line")
        case true?: break
        }
        let version = HTTPVersion(major: Int(majorByte &- 0x30), minor: Int(minorByte &- 0x30))
        guard version == .http11 || version == .http10 else {
            return .failure(HTTPParseError(status: 505, reason: "HTTP version not supported"))
        }
        // The header section cannot be complete yet: the request line was worth checking (garbage
        // is refused at once), the fields are checked when the blank line has arrived.
        if !headEndPossible { return outOfInput() }

        // header fields
        let fieldsStart = i
        var fields: [HTTPHeaders.Field] = []
        fields.reserveCapacity(min(max(limits.maxHeaderCount, 0), 24))
        while true {
            guard i < end else { return outOfInput() }
            let first = bytes[i]
            if first == CR || first == LF {
                switch lineEnd() {
                case nil: return outOfInput()
                case false?: return Self.bad("invalid header line")
                case true?: break
                }
                break
            }
            if first == SP || first == HTAB {
                return Self.bad("obsolete line folding or whitespace before a header name")
            }
            let nameStart = i
            i = Self.skipTokenCharacters(bytes, from: i, end: end)
            guard i < end else { return outOfInput() }
            guard i > nameStart else { return Self.bad("invalid header name") }
            guard bytes[i] == COLON else {
                if bytes[i] == SP || bytes[i] == HTAB { return Self.bad("whitespace between header name and colon") }
                return Self.bad("invalid character in header name")
            }
            let nameEnd = i
            guard fields.count < limits.maxHeaderCount else {
                return .failure(HTTPParseError(status: 431, reason: "too many header fields"))
            }
            i &+= 1
            while i < end, bytes[i] == SP || bytes[i] == HTAB { i &+= 1 }
            let valueStart = i
            while true {
                i = Self.skipFieldValueCharacters(bytes, from: i, end: end)
                guard i < end else { break }
                let byte = bytes[i]
                if byte == CR || byte == LF { break }
                guard byte == HTAB else { return Self.bad("invalid character in header value") }
                i &+= 1
            }
            var valueEnd = i
            while valueEnd > valueStart, bytes[valueEnd &- 1] == SP || bytes[valueEnd &- 1] == HTAB { valueEnd &-= 1 }
            switch lineEnd() {
            case nil: return outOfInput()
            case false?: return Self.bad("invalid header line")
            case true?: break
            }
            fields.append(HTTPHeaders.Field(nameStart: nameStart &- fieldsStart, nameEnd: nameEnd &- fieldsStart,
                                            valueStart: valueStart &- fieldsStart, valueEnd: valueEnd &- fieldsStart))
        }
        let headEnd = i

        let storage = UnsafeRawBufferPointer(rebasing: bytes[fieldsStart..<headEnd]).withMemoryRebound(to: UInt8.self) { Array($0) }
        let headers = HTTPHeaders(storage: storage, fields: fields)
        let method = Self.method(UnsafeRawBufferPointer(rebasing: bytes[methodStart..<methodEnd]))
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[targetStart..<targetEnd]), as: UTF8.self)
        switch Self.framing(headers: headers, version: version, limits: limits) {
        case .failure(let error):
            return .failure(error)
        case .success(let framing):
            let head = HTTPRequestHead(method: method, target: target, version: version, headers: headers,
                                       contentLength: framing.contentLength, isChunked: framing.isChunked,
                                       keepAlive: framing.keepAlive, expectsContinue: framing.expectsContinue)
            return .complete(head, headerBytes: headEnd)
        }
    }

    static func method(_ token: UnsafeRawBufferPointer) -> HTTPMethod {
        func equals(_ literal: StaticString) -> Bool {
            token.count == literal.utf8CodeUnitCount
                && token.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }
        switch token.count {
        case 3: if equals("GET") { return .get }; if equals("PUT") { return .put }
        case 4: if equals("POST") { return .post }; if equals("HEAD") { return .head }
        case 5: if equals("PATCH") { return .patch }
        case 6: if equals("DELETE") { return .delete }
        case 7: if equals("OPTIONS") { return .options }
        default: break
        }
        return .other(String(decoding: token, as: UTF8.self))
    }

    struct Framing {
        var contentLength: Int?
        var isChunked = false
        var keepAlive: Bool
        var expectsContinue = false
    }

    /// The message-framing and connection rules of RFC 9112 §6 and §9 over the parsed fields.
    static func framing(headers: HTTPHeaders, version: HTTPVersion, limits: HTTPLimits) -> Result<Framing, HTTPParseError> {
        func bad(_ reason: String) -> Result<Framing, HTTPParseError> { .failure(HTTPParseError(status: 400, reason: reason)) }
        var framing = Framing(keepAlive: version == .http11)
        var sawClose = false, sawKeepAlive = false
        var hostCount = 0
        var transferCodings: [ArraySlice<UInt8>] = []
        var sawTransferEncoding = false
        let storage = headers.storage
        for (index, field) in headers.fields.enumerated() {
            let name = storage[field.nameStart..<field.nameEnd]
            let value = headers.valueBytes(index)
            switch name.count {
            case 14 where asciiEqualsLowercase(name, "content-length"):
                var problem: String? = nil
                forEachCommaElement(value) { element in
                    guard let length = parseDecimal(element) else { problem = "invalid Content-Length"; return false }
                    if let previous = framing.contentLength, previous != length { problem = "conflicting Content-Length values"; return false }
                    framing.contentLength = length
                    return true
                }
                if let problem { return bad(problem) }
            case 17 where asciiEqualsLowercase(name, "transfer-encoding"):
                sawTransferEncoding = true
                transferCodings.append(contentsOf: commaElements(value))
            case 10 where asciiEqualsLowercase(name, "connection"):
                forEachCommaElement(value) { token in
                    if asciiEqualsLowercase(token, "close") { sawClose = true }
                    if asciiEqualsLowercase(token, "keep-alive") { sawKeepAlive = true }
                    return true
                }
            case 6 where asciiEqualsLowercase(name, "expect"):
                if version == .http11, asciiEqualsLowercase(trimOWS(value), "100-continue") { framing.expectsContinue = true }
            case 4 where asciiEqualsLowercase(name, "host"):
                hostCount &+= 1
            default:
                break
            }
        }
        if sawTransferEncoding {
            if framing.contentLength != nil { return bad("both Content-Length and Transfer-Encoding") }
            if version == .http10 { return bad("Transfer-Encoding on an HTTP/1.0 request") }
            guard let last = transferCodings.last, !last.isEmpty, transferCodings.allSatisfy({ !$0.isEmpty }) else {
                return bad("invalid Transfer-Encoding")
            }
            let chunkedCount = transferCodings.reduce(0) { $0 &+ (asciiEqualsLowercase($1, "chunked") ? 1 : 0) }
            guard asciiEqualsLowercase(last, "chunked"), chunkedCount == 1 else {
                return bad("Transfer-Encoding must end with a single chunked coding")
            }
            guard transferCodings.count == 1 else {
                return .failure(HTTPParseError(status: 501, reason: "unsupported transfer coding"))
            }
            framing.isChunked = true
        }
        if hostCount > 1 { return bad("several Host header fields") }
        if hostCount == 0, version == .http11, limits.requireHostHeader { return bad("missing Host header") }
        if sawClose { framing.keepAlive = false } else if sawKeepAlive { framing.keepAlive = true }
        return .success(framing)
    }
}
