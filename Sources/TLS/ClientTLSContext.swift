// An OpenSSL client context (SSL_CTX) for talking to a server we must trust: the Kubernetes API
// server. Built from PEM bytes held in memory (a kubeconfig carries them inline as base64, or names
// files the caller reads whole), immutable afterwards.
//
// Settings: TLS 1.2 and 1.3 only, the same cipher lists and groups as the server side, ALPN offers
// http/1.1 alone (the API server would otherwise pick h2), no compression, no renegotiation.
// The peer is verified against the given CA bundle (or the system store when none is given) unless
// verification is explicitly switched off; the name check itself is per connection (see
// TLSClientConnection), because it depends on the host dialled.
import COpenSSL

package final class ClientTLSContext: @unchecked Sendable {
    /// The SSL_CTX*. Immutable after init; OpenSSL documents SSL_new on a shared, configured
    /// SSL_CTX as thread-safe, hence `@unchecked Sendable`.
    package let context: OpaquePointer
    /// Whether the server's certificate chain and name are checked.
    package let verifiesServer: Bool
    /// Whether a client certificate is presented.
    package let presentsClientCertificate: Bool

    private init(context: OpaquePointer, verifiesServer: Bool, presentsClientCertificate: Bool) {
        self.context = context
        self.verifiesServer = verifiesServer
        self.presentsClientCertificate = presentsClientCertificate
    }

    deinit { SSL_CTX_free(context) }

    /// - Parameters:
    ///   - trustedCAPEM: CA bundle the server's chain must lead to; nil uses the system's store.
    ///   - clientCertificatePEM: client certificate (then intermediates) for mutual TLS; needs `clientKeyPEM`.
    ///   - clientKeyPEM: its private key (PKCS#1, SEC1 or PKCS#8, unencrypted).
    ///   - insecureSkipVerify: accept any server certificate (kubeconfig `insecure-skip-tls-verify`).
    package static func make(trustedCAPEM: [UInt8]?, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
                            insecureSkipVerify: Bool = false) throws(TLSError) -> ClientTLSContext {
        ERR_clear_error()
        guard (clientCertificatePEM == nil) == (clientKeyPEM == nil) else {
            throw TLSError(clientCertificatePEM == nil ? "client key given without a client certificate"
                                                       : "client certificate given without a client key")
        }
        var trusted: [OpaquePointer] = []
        if let trustedCAPEM, !insecureSkipVerify {
            trusted = try TLSContext.readCertificates(trustedCAPEM, what: "certificate authority")
            guard !trusted.isEmpty else { throw TLSError("certificate authority: no PEM certificate found") }
        }
        defer { trusted.forEach { X509_free($0) } }
        var chain: [OpaquePointer] = []
        var key: OpaquePointer? = nil
        defer {
            chain.forEach { X509_free($0) }
            if let key { EVP_PKEY_free(key) }
        }
        if let clientCertificatePEM, let clientKeyPEM {
            chain = try TLSContext.readCertificates(clientCertificatePEM, what: "client certificate")
            guard let leaf = chain.first else { throw TLSError("client certificate: no PEM certificate found") }
            guard let loaded = try TLSContext.readPrivateKey(clientKeyPEM) else {
                throw TLSError.openssl("client key: no PEM private key found (PKCS#1, SEC1 or PKCS#8, unencrypted)")
            }
            key = loaded
            guard X509_check_private_key(leaf, loaded) == 1 else {
                ERR_clear_error()
                throw TLSError("client key does not match the client certificate")
            }
        }

        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSError.openssl("SSL_CTX_new") }
        do throws(TLSError) {
            guard shim_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1,
                  shim_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1 else { throw TLSError.openssl("protocol versions") }
            guard SSL_CTX_set_cipher_list(context, TLSContext.tls12Ciphers) == 1 else { throw TLSError.openssl("TLS 1.2 ciphers") }
            guard SSL_CTX_set_ciphersuites(context, TLSContext.tls13CipherSuites) == 1 else { throw TLSError.openssl("TLS 1.3 cipher suites") }
            guard shim_SSL_CTX_set1_groups_list(context, TLSContext.groups) == 1 else { throw TLSError.openssl("groups") }
            _ = SSL_CTX_set_options(context, shim_SSL_OP_NO_COMPRESSION() | shim_SSL_OP_NO_RENEGOTIATION()
                                        | shim_SSL_OP_IGNORE_UNEXPECTED_EOF())
            guard shim_SSL_CTX_offer_alpn_http11(context) == 1 else { throw TLSError.openssl("ALPN") }

            if insecureSkipVerify {
                SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            } else {
                if trusted.isEmpty {
                    guard SSL_CTX_set_default_verify_paths(context) == 1 else { throw TLSError.openssl("system CA store") }
                } else {
                    guard let store = SSL_CTX_get_cert_store(context) else { throw TLSError.openssl("SSL_CTX_get_cert_store") }
                    for certificate in trusted {
                        guard X509_STORE_add_cert(store, certificate) == 1 else { throw TLSError.openssl("certificate authority rejected") }
                    }
                }
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
                SSL_CTX_set_verify_depth(context, 8)
            }

            if let leaf = chain.first, let key {
                guard SSL_CTX_use_certificate(context, leaf) == 1 else { throw TLSError.openssl("client certificate rejected") }
                for intermediate in chain.dropFirst() {
                    // add0 takes ownership on success; our array still frees its own reference
                    guard X509_up_ref(intermediate) == 1 else { throw TLSError.openssl("X509_up_ref") }
                    guard shim_SSL_CTX_add0_chain_cert(context, intermediate) == 1 else {
                        X509_free(intermediate)
                        throw TLSError.openssl("client certificate chain rejected")
                    }
                }
                guard SSL_CTX_use_PrivateKey(context, key) == 1 else { throw TLSError.openssl("client key rejected") }
                guard SSL_CTX_check_private_key(context) == 1 else { throw TLSError.openssl("client key does not match the client certificate") }
            }
            ERR_clear_error()
            return ClientTLSContext(context: context, verifiesServer: !insecureSkipVerify,
                                    presentsClientCertificate: !chain.isEmpty)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
    }
}
