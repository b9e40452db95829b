/* TLS for Carrel's transport: one wolfSSL configuration for every server and
 * client, TLS 1.3 only, pinned to the site CA, with the peer's certificate
 * checked against the site CRL.
 *
 * wolfSSL's error codes are translated here and nowhere else
 * (errno_from_wolfssl); every other module sees -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* before wolfSSL, whose wolfmath.h defines MIN/MAX only if unset */
#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "lib/macro.h"
#include "lib/net/peer.h"

/* TLS 1.3 suites in the server's order of preference. Measured on Debian's
 * wolfSSL 5.5.4 (built without AES-NI), ChaCha20-Poly1305 is several times
 * faster than AES-GCM (tests/bench/bench-tls-ciphers, docs/transport.md), so
 * it comes first; the AES suites stay for clients that insist on them. */
#define TLS_CIPHER_LIST "TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES256-GCM-SHA384:TLS13-AES128-GCM-SHA256"

typedef enum TlsPeerAuth {
        TLS_PEER_REQUIRE, /* mutual TLS: no valid client certificate, no handshake */
        TLS_PEER_NONE, /* server-authenticated only (the pairing listener) */
} TlsPeerAuth;

typedef struct TlsConfig {
        const char *ca_file; /* PEM, the site CA: the only trust anchor */
        const char *cert_file; /* PEM, our certificate (a client may have none) */
        const char *key_file; /* PEM, its private key */
        const char *crl_file; /* PEM CRL from the site CA, or NULL */
        TlsPeerAuth peer_auth; /* servers only; clients always verify the server */
} TlsConfig;

/* Initialise wolfSSL once per process; safe to call again. Returns 0 or -EIO. */
int tls_init(void);

/* Map a wolfSSL error (from wolfSSL_get_error() or a wolfSSL/wolfCrypt
 * function's return) to a negative errno. WOLFSSL_SUCCESS -> 0;
 * WANT_READ/WANT_WRITE -> -EAGAIN; peer closed -> -ECONNRESET; memory ->
 * -ENOMEM; certificate refused (unknown CA, bad signature, expired, revoked,
 * missing) -> -EPERM; socket errors -> -EPIPE/-ECONNRESET; timeouts ->
 * -ETIMEDOUT; bad input or parse errors -> -EBADMSG / -EINVAL; else -EPROTO. */
int errno_from_wolfssl(int err);

/* Build a server context from cfg: TLS 1.3 only, TLS_CIPHER_LIST in server
 * order, X25519/P-256 key shares, no session tickets (see docs/transport.md:
 * a client that closes with an unread ticket in its socket makes the kernel
 * reset the connection, and the tail of an upload is lost), CRL checking of
 * every certificate in the chain when cfg->crl_file is set. Returns 0 and the
 * context in *ret, or -errno (-ENOENT for a missing file, -EBADMSG for an
 * unreadable one). */
int tls_server_ctx_new(const TlsConfig *cfg, WOLFSSL_CTX **ret);

/* The same for a client: TLS 1.3 only, the server verified against
 * cfg->ca_file (and its CRL), our certificate presented if cfg->cert_file is
 * set. */
int tls_client_ctx_new(const TlsConfig *cfg, WOLFSSL_CTX **ret);

WOLFSSL_CTX *tls_ctx_free(WOLFSSL_CTX *ctx);
DEFINE_TRIVIAL_CLEANUP_FUNC(WOLFSSL_CTX *, tls_ctx_free);

/* The verified peer's identity from its certificate (the handshake must be
 * complete). Returns 0, -ENOKEY when the peer sent no certificate, or
 * -EBADMSG when the certificate names no valid Carrel identity. */
int tls_peer_identity(WOLFSSL *ssl, PeerIdentity *ret);

/* The negotiated suite's name, for logs and tests ("" if none). */
const char *tls_cipher_name(WOLFSSL *ssl);
