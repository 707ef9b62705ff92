// C shims for the parts of OpenSSL 3 that Swift cannot import directly: function-like macros
// and variadic functions. Every wrapper is a one-line `static inline` forwarder.
#ifndef TERN_COPENSSL_SHIM_H
#define TERN_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

// MARK: Constants whose macro definitions Swift cannot import

static const uint64_t TERN_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t TERN_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const unsigned long TERN_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;

// MARK: SSL_CTX

static inline long tern_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline int tern_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int tern_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *certificate) {
    return (int)SSL_CTX_add0_chain_cert(ctx, certificate);
}

static inline long tern_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

// MARK: SSL

static inline int tern_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// Whether a TLS 1.2 session uses the extended master secret (RFC 7627).
static inline int tern_SSL_get_extms_support(SSL *ssl) {
    return (int)SSL_get_extms_support(ssl);
}

// MARK: BIO

static inline long tern_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static inline void tern_BIO_set_retry_read(BIO *bio) {
    BIO_set_retry_read(bio);
}

static inline void tern_BIO_clear_retry_flags(BIO *bio) {
    BIO_clear_retry_flags(bio);
}

// MARK: Errors

static inline int tern_ERR_GET_LIB(unsigned long error) {
    return ERR_GET_LIB(error);
}

static inline int tern_ERR_GET_REASON(unsigned long error) {
    return ERR_GET_REASON(error);
}

// MARK: Certificates

static inline int tern_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

static inline GENERAL_NAME *tern_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index);
}

// MARK: Keys

/// Generates an EC key on the named curve (`EVP_EC_gen` is a macro over a variadic function).
static inline EVP_PKEY *tern_EVP_EC_gen(const char *curve) {
    return EVP_EC_gen(curve);
}

#endif
