// A configured, immutable OpenSSL server context (SSL_CTX) built from a certificate chain and key.
// Everything is loaded from memory: the caller (or `load(_ files:)`) reads each file whole, so a
// file being rewritten is never half-read, and the certificate watcher can compare bytes.
//
// Settings (Mozilla "intermediate", guidelines 6.0, on OpenSSL 3.0):
//   TLS 1.2 and 1.3 only; TLS 1.2 ciphers ECDHE-{ECDSA,RSA} with AES-GCM or CHACHA20-POLY1305;
//   TLS 1.3 suites AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305; groups X25519, P-256, P-384;
//   ALPN selects http/1.1 only; no compression, no renegotiation, no session tickets, no session
//   cache (kube-apiserver never resumes); SSL_MODE_RELEASE_BUFFERS so idle connections drop their
//   17 KB read/write buffers.
import COpenSSL

/// Where the serving certificate, its key and the optional client CA live.
package struct TLSFiles: Sendable, Equatable {
    /// PEM: leaf certificate first, then intermediates.
    package var certificatePath: String
    /// PEM private key: PKCS#1, SEC1 or PKCS#8, unencrypted.
    package var keyPath: String
    /// PEM CA bundle; when set, clients must present a certificate signed by it.
    package var clientCAPath: String?

    package init(certificatePath: String, keyPath: String, clientCAPath: String? = nil) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
    }

    /// controller-runtime's layout: `<dir>/tls.crt` and `<dir>/tls.key`.
    package init(directory: String, certificateName: String = "tls.crt", keyName: String = "tls.key", clientCAPath: String? = nil) {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        self.init(certificatePath: base + certificateName, keyPath: base + keyName, clientCAPath: clientCAPath)
    }
}

/// An SSL_CTX ready for `SSL_new`. Immutable after init (OpenSSL documents SSL_new on a shared,
/// configured SSL_CTX as thread-safe), hence `@unchecked Sendable`; freed in deinit, so connections
/// accepted with an old context keep it alive through their own SSL* reference.
package final class TLSContext: @unchecked Sendable {
    /// The SSL_CTX*.
    package let context: OpaquePointer
    /// SHA-256 of the leaf certificate's DER, lowercase hex.
    package let fingerprint: String
    /// The leaf's expiry, ISO 8601 UTC ("2027-11-27T04:33:52Z"), for logs.
    package let notAfter: String
    /// The leaf's subject in one line ("CN=webhook-service.ray-system.svc"), for logs.
    package let subject: String
    /// Certificates in the served chain (leaf included).
    package let chainLength: Int
    /// Whether clients must present a certificate (a client CA was given).
    package let verifiesClients: Bool

    /// Mozilla intermediate TLS 1.2 cipher list.
    package static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// TLS 1.3 suites (OpenSSL's defaults, spelled out).
    package static let tls13CipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    /// Key-exchange groups.
    package static let groups = "X25519:P-256:P-384"
    /// Most certificates accepted in tls.crt or the client CA bundle.
    package static let maxCertificatesPerFile = 64

    private init(context: OpaquePointer, fingerprint: String, notAfter: String, subject: String, chainLength: Int, verifiesClients: Bool) {
        self.context = context
        self.fingerprint = fingerprint
        self.notAfter = notAfter
        self.subject = subject
        self.chainLength = chainLength
        self.verifiesClients = verifiesClients
    }

    deinit { SSL_CTX_free(context) }

    /// Reads the files (each at most `maxCredentialFileBytes`) and builds a context.
    package static func load(_ files: TLSFiles) throws(TLSError) -> TLSContext {
        let certificate = try readFileCapped(files.certificatePath)
        let key = try readFileCapped(files.keyPath)
        var clientCA: [UInt8]? = nil
        if let path = files.clientCAPath { clientCA = try readFileCapped(path) }
        do {
            return try load(certificatePEM: certificate, keyPEM: key, clientCAPEM: clientCA)
        } catch {
            throw TLSError("\(files.certificatePath), \(files.keyPath): \(error.message)")
        }
    }

    /// Builds a context from PEM bytes: the chain (leaf first), the key, and optionally a client CA bundle.
    package static func load(certificatePEM: [UInt8], keyPEM: [UInt8], clientCAPEM: [UInt8]?) throws(TLSError) -> TLSContext {
        ERR_clear_error()
        let chain = try readCertificates(certificatePEM, what: "certificate")
        defer { chain.forEach { X509_free($0) } }
        guard let leaf = chain.first else { throw TLSError("certificate: no PEM certificate found") }
        guard let key = try readPrivateKey(keyPEM) else {
            throw TLSError.openssl("private key: no PEM private key found (PKCS#1, SEC1 or PKCS#8, unencrypted)")
        }
        defer { EVP_PKEY_free(key) }
        guard X509_check_private_key(leaf, key) == 1 else {
            ERR_clear_error()
            throw TLSError("private key does not match the certificate")
        }
        var caCertificates: [OpaquePointer] = []
        if let clientCAPEM {
            caCertificates = try readCertificates(clientCAPEM, what: "client CA")
            guard !caCertificates.isEmpty else { throw TLSError("client CA: no PEM certificate found") }
        }
        defer { caCertificates.forEach { X509_free($0) } }

        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError.openssl("SSL_CTX_new") }
        // From here the context is freed on every error path.
        do throws(TLSError) {
            try configure(context)
            guard SSL_CTX_use_certificate(context, leaf) == 1 else { throw TLSError.openssl("certificate rejected") }
            for intermediate in chain.dropFirst() {
                // add0 takes ownership on success; our array still frees its reference, so add one
                guard X509_up_ref(intermediate) == 1 else { throw TLSError.openssl("X509_up_ref") }
                guard shim_SSL_CTX_add0_chain_cert(context, intermediate) == 1 else {
                    X509_free(intermediate)
                    throw TLSError.openssl("intermediate certificate rejected")
                }
            }
            guard SSL_CTX_use_PrivateKey(context, key) == 1 else { throw TLSError.openssl("private key rejected") }
            guard SSL_CTX_check_private_key(context) == 1 else { throw TLSError.openssl("private key does not match the certificate") }
            if !caCertificates.isEmpty {
                guard let store = SSL_CTX_get_cert_store(context) else { throw TLSError.openssl("SSL_CTX_get_cert_store") }
                for ca in caCertificates {
                    guard X509_STORE_add_cert(store, ca) == 1 else { throw TLSError.openssl("client CA rejected") }
                    guard SSL_CTX_add_client_CA(context, ca) == 1 else { throw TLSError.openssl("client CA name rejected") }
                }
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
                SSL_CTX_set_verify_depth(context, 8)
            }
            let made = TLSContext(context: context, fingerprint: try sha256Fingerprint(leaf), notAfter: expiry(leaf),
                                  subject: subjectLine(leaf), chainLength: chain.count, verifiesClients: !caCertificates.isEmpty)
            ERR_clear_error()
            return made
        } catch {
            SSL_CTX_free(context)
            throw error
        }
    }

    /// Protocol versions, ciphers, groups, options and modes.
    private static func configure(_ context: OpaquePointer) throws(TLSError) {
        guard shim_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1,
              shim_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1 else { throw TLSError.openssl("protocol versions") }
        guard SSL_CTX_set_cipher_list(context, tls12Ciphers) == 1 else { throw TLSError.openssl("TLS 1.2 ciphers") }
        guard SSL_CTX_set_ciphersuites(context, tls13CipherSuites) == 1 else { throw TLSError.openssl("TLS 1.3 cipher suites") }
        guard shim_SSL_CTX_set1_groups_list(context, groups) == 1 else { throw TLSError.openssl("groups") }
        _ = SSL_CTX_set_options(context, shim_SSL_OP_NO_COMPRESSION() | shim_SSL_OP_NO_RENEGOTIATION()
                                    | shim_SSL_OP_NO_TICKET() | shim_SSL_OP_CIPHER_SERVER_PREFERENCE())
        // TLS 1.3 sends session tickets after the handshake unless told not to; nobody resumes.
        _ = SSL_CTX_set_num_tickets(context, 0)
        _ = shim_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        _ = shim_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS))
        shim_SSL_CTX_enable_alpn_http11(context)
        // Needed by OpenSSL whenever client verification is on and sessions could be reused.
        let sessionContext: [UInt8] = Array("ray-operator".utf8)
        _ = sessionContext.withUnsafeBufferPointer { SSL_CTX_set_session_id_context(context, $0.baseAddress, UInt32($0.count)) }
    }

    /// Every certificate in a PEM bundle, in order. A block that starts but does not parse (a file
    /// cut short, a corrupted line) is an error, so a truncated chain is never served.
    static func readCertificates(_ pem: [UInt8], what: String) throws(TLSError) -> [OpaquePointer] {
        guard !pem.isEmpty else { throw TLSError("\(what): file is empty") }
        var certificates: [OpaquePointer] = []
        let result: TLSError? = pem.withUnsafeBytes { buffer -> TLSError? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(clamping: buffer.count)) else {
                return TLSError.openssl("\(what): BIO_new_mem_buf")
            }
            defer { BIO_free(bio) }
            while true {
                guard let certificate = shim_PEM_read_bio_X509_nopass(bio) else {
                    let error = ERR_peek_last_error()
                    // "no start line" at the end of the input is the normal end of the bundle
                    if error == 0 || (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
                        ERR_clear_error()
                        return nil
                    }
                    return TLSError.openssl("\(what): malformed PEM certificate #\(certificates.count &+ 1)")
                }
                certificates.append(certificate)
                if certificates.count > maxCertificatesPerFile {
                    return TLSError("\(what): more than \(maxCertificatesPerFile) certificates")
                }
            }
        }
        if let result {
            certificates.forEach { X509_free($0) }
            throw result
        }
        return certificates
    }

    /// The first private key in a PEM buffer, or nil.
    static func readPrivateKey(_ pem: [UInt8]) throws(TLSError) -> OpaquePointer? {
        guard !pem.isEmpty else { throw TLSError("private key: file is empty") }
        return pem.withUnsafeBytes { buffer -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(clamping: buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return shim_PEM_read_bio_PrivateKey_nopass(bio)
        }
    }

    static func sha256Fingerprint(_ certificate: OpaquePointer) throws(TLSError) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { X509_digest(certificate, EVP_sha256(), $0.baseAddress, &length) }
        guard ok == 1 else { throw TLSError.openssl("X509_digest") }
        return hex(digest.prefix(Int(length)))
    }

    static func expiry(_ certificate: OpaquePointer) -> String {
        var time = tm()
        guard let asn1 = X509_get0_notAfter(certificate), ASN1_TIME_to_tm(asn1, &time) == 1 else { return "unknown" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(time.tm_year &+ 1900)-\(two(time.tm_mon &+ 1))-\(two(time.tm_mday))T\(two(time.tm_hour)):\(two(time.tm_min)):\(two(time.tm_sec))Z"
    }

    static func subjectLine(_ certificate: OpaquePointer) -> String {
        guard let name = X509_get_subject_name(certificate), let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, shim_XN_FLAG_RFC2253()) >= 0 else { return "" }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = shim_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }
}

func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
