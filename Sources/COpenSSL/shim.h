#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
// What Swift needs from OpenSSL 3 but cannot import: function-like macros become static inline
// functions here (a systemLibrary target compiles no C files, so everything must be inline).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <string.h>

static inline int shim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
static inline int shim_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_max_proto_version(ctx, v); }
static inline long shim_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long shim_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
static inline int shim_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return (int)SSL_CTX_set1_groups_list(ctx, list); }
static inline long shim_BIO_get_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }
static inline int shim_BIO_pending(BIO *bio) { return BIO_pending(bio); }
static inline void shim_OPENSSL_free(void *p) { OPENSSL_free(p); }

static inline uint64_t shim_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t shim_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t shim_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t shim_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }

// ALPN: the server selects "http/1.1" and nothing else. In C so the protocol list is static data
// and the callback needs no Swift context.
static inline int shim_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                          const unsigned char *in, unsigned int inlen, void *arg) {
    static const unsigned char protos[] = { 8, 'h','t','t','p','/','1','.','1' };
    (void)ssl; (void)arg;
    if (SSL_select_next_proto((unsigned char **)out, outlen, protos, sizeof(protos), in, inlen) == OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_OK;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}
static inline void shim_SSL_CTX_enable_alpn_http11(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, shim_alpn_select_http11, NULL); }

// Drains OpenSSL's thread-local error queue into a caller buffer ("; "-separated).
static inline void shim_err_drain(char *buf, size_t len) {
    unsigned long e; size_t used = 0;
    if (len == 0) return;
    buf[0] = 0;
    while ((e = ERR_get_error()) != 0 && used + 2 < len) {
        if (used > 0) { buf[used++] = ';'; buf[used++] = ' '; buf[used] = 0; }
        ERR_error_string_n(e, buf + used, len - used);
        used = strlen(buf);
    }
}
// ---- server (non-blocking connections): SSL_set_mode is a macro.
static inline long shim_SSL_set_mode(SSL *ssl, long mode) { return SSL_set_mode(ssl, mode); }
static inline long shim_SSL_MODE_nonblocking_writes(void) {
    return SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS;
}
// Whether the last read from the socket under an SSL left it empty (a read shorter than asked, or
// EAGAIN, or the end): with edge-triggered epoll any later input is reported again, so the server
// skips the read that would only return EAGAIN. The flag is the socket BIO's callback argument
// itself (NULL or not), so it needs no memory of its own.
static inline long shim_socket_read_tracker(BIO *bio, int oper, const char *argp, size_t len, int argi,
                                            long argl, int ret, size_t *processed) {
    (void)argp; (void)argi; (void)argl;
    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        int drained = ret > 0 ? (processed != NULL && *processed < len) : 1;
        BIO_set_callback_arg(bio, drained ? (char *)bio : NULL);
    }
    return ret;
}
static inline int shim_SSL_track_socket_reads(SSL *ssl) {
    BIO *bio = SSL_get_rbio(ssl);
    if (bio == NULL) return 0;
    BIO_set_callback_arg(bio, NULL);
    BIO_set_callback_ex(bio, shim_socket_read_tracker);
    return 1;
}
static inline int shim_SSL_socket_drained(const SSL *ssl) {
    BIO *bio = SSL_get_rbio(ssl);
    return bio != NULL && BIO_get_callback_arg(bio) != NULL;
}
static inline void shim_SSL_clear_socket_drained(SSL *ssl) {
    BIO *bio = SSL_get_rbio(ssl);
    if (bio != NULL) BIO_set_callback_arg(bio, NULL);
}

// ---- serverparts: certificate/key loading and development-certificate generation ----------------
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/ec.h>

// SSL_CTX_add0_chain_cert is a macro over SSL_CTX_ctrl. Takes ownership of x on success.
static inline int shim_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *x) { return (int)SSL_CTX_add0_chain_cert(ctx, x); }

// A passphrase callback that refuses: an encrypted key fails to load instead of OpenSSL prompting
// on the terminal (its default when no callback is given).
static inline int shim_no_passphrase(char *buf, int size, int rwflag, void *u) { (void)buf; (void)size; (void)rwflag; (void)u; return -1; }
// PKCS#1 (BEGIN RSA PRIVATE KEY), SEC1 (BEGIN EC PRIVATE KEY) and PKCS#8 (BEGIN PRIVATE KEY).
static inline EVP_PKEY *shim_PEM_read_bio_PrivateKey_nopass(BIO *bio) { return PEM_read_bio_PrivateKey(bio, NULL, shim_no_passphrase, NULL); }
static inline X509 *shim_PEM_read_bio_X509_nopass(BIO *bio) { return PEM_read_bio_X509(bio, NULL, shim_no_passphrase, NULL); }

// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen, which Swift cannot call.
static inline EVP_PKEY *shim_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }

// Adds one X.509v3 extension given in openssl.cnf syntax ("critical,CA:TRUE", "DNS:a,IP:1.2.3.4").
// X509V3_set_ctx_nodb is a macro; the whole dance stays in C. Returns 1 on success.
static inline int shim_X509_add_ext_conf(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL) return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}
static inline int shim_MBSTRING_ASC(void) { return MBSTRING_ASC; }
static inline unsigned long shim_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }

// ---- client side: SNI is a macro over SSL_ctrl.
static inline int shim_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
// Offers "http/1.1" only: a server that prefers h2 still answers in HTTP/1.1. Returns 1 on success
// (SSL_CTX_set_alpn_protos itself returns 0 on success).
static inline int shim_SSL_CTX_offer_alpn_http11(SSL_CTX *ctx) {
    static const unsigned char protos[] = { 8, 'h','t','t','p','/','1','.','1' };
    return SSL_CTX_set_alpn_protos(ctx, protos, sizeof(protos)) == 0;
}

// A peer that closes TCP without close_notify reads as a clean end of stream; HTTP framing
// (Content-Length, the last chunk) is what tells a complete answer from a cut one.
static inline uint64_t shim_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }

#endif
