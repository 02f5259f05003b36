// A self-made CA and serving certificate for development (`swift run ray-operator webhook` with an
// empty cert dir), built with OpenSSL's API in-process: no `openssl` binary needed at run time.
// Names go in subjectAltName only (Go clients ignore the CN since 1.15).
import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package enum DevelopmentCertificate {
    /// The names the webhook is reached by on a laptop and in the cluster.
    package static let defaultHosts: [String] = [
        "localhost", "127.0.0.1", "::1",
        "webhook-service", "webhook-service.ray-system", "webhook-service.ray-system.svc",
        "webhook-service.ray-system.svc.cluster.local",
    ]

    /// Longest validity accepted, in days.
    package static let maxValidDays = 3650

    /// Makes a CA (ECDSA P-256) and a serving cert signed by it for `hosts` (DNS names and IP
    /// addresses as SANs; never relies on CN), writes ca.crt, tls.crt (leaf + CA chain), tls.key
    /// (PKCS#8, mode 0600) into `directory` (created 0700 if missing).
    package static func generate(hosts: [String], into directory: String, validDays: Int = 365) throws(TLSError) -> (certPath: String, keyPath: String, caPath: String) {
        guard !hosts.isEmpty else { throw TLSError("development certificate: no host names") }
        guard validDays >= 1, validDays <= maxValidDays else {
            throw TLSError("development certificate: validity must be 1...\(maxValidDays) days, not \(validDays)")
        }
        let subjectAltName = try hosts.map { (host: String) throws(TLSError) -> String in try sanEntry(host) }.joined(separator: ",")
        let days = Int32(validDays)

        ERR_clear_error()
        let caKey = try newKey()
        defer { EVP_PKEY_free(caKey) }
        let leafKey = try newKey()
        defer { EVP_PKEY_free(leafKey) }

        let ca = try makeCertificate(commonName: "ray-operator development CA", publicKey: caKey, issuer: nil, signingKey: caKey, days: days, extensions: [
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        defer { X509_free(ca) }
        let leaf = try makeCertificate(commonName: "ray-operator webhook (development)", publicKey: leafKey, issuer: ca, signingKey: caKey, days: days, extensions: [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
            (NID_subject_alt_name, subjectAltName),
        ])
        defer { X509_free(leaf) }

        let caPEM = try pem { bio in PEM_write_bio_X509(bio, ca) }
        let leafPEM = try pem { bio in PEM_write_bio_X509(bio, leaf) }
        // PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted
        let keyPEM = try pem { bio in PEM_write_bio_PrivateKey(bio, leafKey, nil, nil, 0, nil, nil) }

        try makeDirectory(directory)
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let paths = (certPath: base + "tls.crt", keyPath: base + "tls.key", caPath: base + "ca.crt")
        try writeAtomically(caPEM, to: paths.caPath, mode: 0o644)
        try writeAtomically(keyPEM, to: paths.keyPath, mode: 0o600)
        try writeAtomically(leafPEM + caPEM, to: paths.certPath, mode: 0o644)
        return paths
    }

    /// "DNS:name" or "IP:address"; refuses anything that could smuggle syntax into the extension.
    static func sanEntry(_ host: String) throws(TLSError) -> String {
        if isIPAddress(host) { return "IP:" + host }
        let allowed = host.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
        }
        guard !host.isEmpty, host.utf8.count <= 253, allowed, !host.hasPrefix("."), !host.hasSuffix("."), !host.contains("..") else {
            throw TLSError("development certificate: invalid host name \"\(host)\"")
        }
        return "DNS:" + host
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    static func newKey() throws(TLSError) -> OpaquePointer {
        guard let key = shim_EVP_EC_gen("P-256") else { throw TLSError.openssl("generating an ECDSA P-256 key") }
        return key
    }

    /// A signed X.509 v3 certificate. `issuer` nil means self-signed.
    static func makeCertificate(commonName: String, publicKey: OpaquePointer, issuer: OpaquePointer?, signingKey: OpaquePointer,
                                days: Int32, extensions: [(Int32, String)]) throws(TLSError) -> OpaquePointer {
        guard let certificate = X509_new() else { throw TLSError.openssl("X509_new") }
        do throws(TLSError) {
            guard X509_set_version(certificate, 2) == 1 else { throw TLSError.openssl("X509_set_version") }
            try setRandomSerial(certificate)
            // backdated an hour for clocks that lag behind ours
            guard X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nil,
                  X509_time_adj_ex(X509_getm_notAfter(certificate), days, 0, nil) != nil else { throw TLSError.openssl("validity") }
            guard let name = X509_NAME_new() else { throw TLSError.openssl("X509_NAME_new") }
            defer { X509_NAME_free(name) }
            for (field, value) in [("O", "ray-operator"), ("CN", commonName)] {
                let bytes = Array(value.utf8)
                let added = bytes.withUnsafeBufferPointer {
                    X509_NAME_add_entry_by_txt(name, field, shim_MBSTRING_ASC(), $0.baseAddress, Int32($0.count), -1, 0)
                }
                guard added == 1 else { throw TLSError.openssl("subject \(field)") }
            }
            guard X509_set_subject_name(certificate, name) == 1 else { throw TLSError.openssl("X509_set_subject_name") }
            let issuerName = issuer.flatMap { X509_get_subject_name($0) } ?? name
            guard X509_set_issuer_name(certificate, issuerName) == 1 else { throw TLSError.openssl("X509_set_issuer_name") }
            guard X509_set_pubkey(certificate, publicKey) == 1 else { throw TLSError.openssl("X509_set_pubkey") }
            for (nid, value) in extensions {
                guard shim_X509_add_ext_conf(certificate, issuer ?? certificate, nid, value) == 1 else {
                    throw TLSError.openssl("extension \(nid) \(value)")
                }
            }
            guard X509_sign(certificate, signingKey, EVP_sha256()) > 0 else { throw TLSError.openssl("X509_sign") }
            return certificate
        } catch {
            X509_free(certificate)
            throw error
        }
    }

    /// A positive random 127-bit serial number (RFC 5280: unique per CA, at most 20 octets).
    static func setRandomSerial(_ certificate: OpaquePointer) throws(TLSError) {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard bytes.withUnsafeMutableBufferPointer({ RAND_bytes($0.baseAddress, Int32($0.count)) }) == 1 else {
            throw TLSError.openssl("RAND_bytes")
        }
        bytes[0] &= 0x7F
        bytes[0] |= 0x01   // never zero, never a leading zero octet dropped into a shorter serial
        guard let number = bytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            throw TLSError.openssl("BN_bin2bn")
        }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil else { throw TLSError.openssl("serial number") }
    }

    /// Runs a PEM writer against a memory BIO and returns what it wrote.
    static func pem(_ write: (OpaquePointer) -> Int32) throws(TLSError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw TLSError.openssl("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw TLSError.openssl("PEM encoding") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = shim_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw TLSError("PEM encoding produced nothing") }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(length)))
    }
}

/// `mkdir -p` where every directory created is 0700 (existing ones are left as they are).
func makeDirectory(_ path: String) throws(TLSError) {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o700) != 0 && errno != EEXIST {
            throw TLSError("cannot create \(current): \(String(cString: strerror(errno)))")
        }
    }
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { throw TLSError("\(path) is not a directory") }
}

/// Writes to a temporary file in the same directory, then renames it over `path`, so a reader (or
/// the certificate watcher) sees the old file or the new one, never a half-written one.
func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(TLSError) {
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw TLSError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { buffer in
            write(fd, buffer.baseAddress.map { $0 + written }, buffer.count &- written)
        }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw TLSError("cannot write \(temporary): \(reason)")
        }
        written &+= count
    }
    // open() applied the umask; the mode asked for is the mode wanted (0600 for keys)
    fchmod(fd, mode)
    fsync(fd)
    close(fd)
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw TLSError("cannot rename \(temporary) to \(path): \(reason)")
    }
}
