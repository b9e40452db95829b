/* wolfSSL contexts for Carrel servers and clients, and the one place where
 * wolfSSL's error codes become errnos. */
#include <errno.h>
#include <string.h>

/* before wolfSSL, whose wolfmath.h defines MIN/MAX only if unset */
#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "lib/net/tls.h"

int tls_init(void)
{
        static bool initialised;

        if (initialised)
                return 0;
        if (wolfSSL_Init() != WOLFSSL_SUCCESS)
                return -EIO;
        initialised = true;
        return 0;
}

int errno_from_wolfssl(int err)
{
        switch (err) {
        case WOLFSSL_SUCCESS:
        case WOLFSSL_ERROR_NONE:
                return 0;
        case WOLFSSL_ERROR_WANT_READ:
        case WOLFSSL_ERROR_WANT_WRITE:
        case WANT_READ:
        case WANT_WRITE:
                return -EAGAIN;
        case WOLFSSL_ERROR_ZERO_RETURN:
        case ZERO_RETURN:
        case SOCKET_PEER_CLOSED_E:
        case WOLFSSL_ERROR_SYSCALL:
                return -ECONNRESET;
        case SOCKET_ERROR_E:
                return -EPIPE;
        case MEMORY_E:
        case MEMORY_ERROR:
                return -ENOMEM;
        case WOLFSSL_CBIO_ERR_TIMEOUT:
                return -ETIMEDOUT;
        case NO_PEER_CERT:
                return -ENOKEY;
        case ASN_NO_SIGNER_E:
        case ASN_AFTER_DATE_E:
        case ASN_BEFORE_DATE_E:
        case ASN_SIG_CONFIRM_E:
        case ASN_SIG_OID_E:
        case CRL_CERT_REVOKED:
        case CRL_MISSING:
        case VERIFY_CERT_ERROR:
        case WOLFSSL_BAD_CERTTYPE:
                return -EPERM;
        case BUFFER_E:
        case ASN_PARSE_E:
        case ASN_INPUT_E:
        case WOLFSSL_BAD_FILE:
        case WOLFSSL_BAD_FILETYPE:
        case PARSE_ERROR:
                return -EBADMSG;
        case BAD_FUNC_ARG:
                return -EINVAL;
        case VERSION_ERROR:
        case MATCH_SUITE_ERROR:
                return -EPROTONOSUPPORT;
        default:
                return -EPROTO;
        }
}

/* Map a wolfSSL success/failure return for loading a file. */
static int load_result(int rc)
{
        if (rc == WOLFSSL_SUCCESS)
                return 0;
        if (rc == WOLFSSL_BAD_FILE)
                return -ENOENT;
        return rc < 0 ? errno_from_wolfssl(rc) : -EBADMSG;
}

static int file_exists(const char *p)
{
        return access(p, R_OK) == 0 ? 0 : negative_errno();
}

static int ctx_common(WOLFSSL_CTX *ctx, const TlsConfig *cfg)
{
        static const int groups[] = { WOLFSSL_ECC_X25519, WOLFSSL_ECC_SECP256R1, WOLFSSL_ECC_SECP384R1 };
        int r;

        if (wolfSSL_CTX_set_cipher_list(ctx, TLS_CIPHER_LIST) != WOLFSSL_SUCCESS)
                return -EINVAL;

        /* Key exchange: X25519 first (fastest here), then the NIST curves
         * for peers that only do those. wolfSSL would otherwise accept any
         * group it was built with, weak binary curves included. */
        if (wolfSSL_CTX_set_groups(ctx, (int *)groups, (int)ELEMENTSOF(groups)) != WOLFSSL_SUCCESS)
                return -EINVAL;

        if (cfg->ca_file) {
                r = file_exists(cfg->ca_file);
                if (r < 0)
                        return r;
                r = load_result(wolfSSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL));
                if (r < 0)
                        return r;
        }
        if (cfg->cert_file) {
                r = file_exists(cfg->cert_file);
                if (r < 0)
                        return r;
                r = load_result(wolfSSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file));
                if (r < 0)
                        return r;
        }
        if (cfg->key_file) {
                r = file_exists(cfg->key_file);
                if (r < 0)
                        return r;
                r = load_result(wolfSSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, WOLFSSL_FILETYPE_PEM));
                if (r < 0)
                        return r;
                if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS)
                        return -EKEYREJECTED;
        }
        if (cfg->crl_file) {
                r = file_exists(cfg->crl_file);
                if (r < 0)
                        return r;
                if (wolfSSL_CTX_EnableCRL(ctx, WOLFSSL_CRL_CHECKALL) != WOLFSSL_SUCCESS)
                        return -EIO;
                r = load_result(wolfSSL_CTX_LoadCRLFile(ctx, cfg->crl_file, WOLFSSL_FILETYPE_PEM));
                if (r < 0)
                        return r;
        }
        return 0;
}

int tls_server_ctx_new(const TlsConfig *cfg, WOLFSSL_CTX **ret)
{
        _cleanup_(tls_ctx_freep) WOLFSSL_CTX *ctx = NULL;
        int r;

        assert_return(cfg && ret, -EINVAL);
        assert_return(cfg->cert_file && cfg->key_file, -EINVAL);
        assert_return(cfg->peer_auth == TLS_PEER_NONE || cfg->ca_file, -EINVAL);

        r = tls_init();
        if (r < 0)
                return r;
        ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
        if (!ctx)
                return -ENOMEM;

        r = ctx_common(ctx, cfg);
        if (r < 0)
                return r;

        (void)wolfSSL_CTX_set_options(ctx, WOLFSSL_OP_CIPHER_SERVER_PREFERENCE);

        /* No NewSessionTicket: see the header comment. Devices hold
         * keep-alive connections, so resumption would save little. */
        if (wolfSSL_CTX_no_ticket_TLSv13(ctx) != 0)
                return -EIO;
        (void)wolfSSL_CTX_set_session_cache_mode(ctx, WOLFSSL_SESS_CACHE_OFF);

        if (cfg->peer_auth == TLS_PEER_REQUIRE)
                wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        else
                wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);

        *ret = TAKE_PTR(ctx);
        return 0;
}

int tls_client_ctx_new(const TlsConfig *cfg, WOLFSSL_CTX **ret)
{
        _cleanup_(tls_ctx_freep) WOLFSSL_CTX *ctx = NULL;
        int r;

        assert_return(cfg && ret && cfg->ca_file, -EINVAL);
        assert_return(!cfg->cert_file == !cfg->key_file, -EINVAL);

        r = tls_init();
        if (r < 0)
                return r;
        ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
        if (!ctx)
                return -ENOMEM;

        r = ctx_common(ctx, cfg);
        if (r < 0)
                return r;
        wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);

        *ret = TAKE_PTR(ctx);
        return 0;
}

WOLFSSL_CTX *tls_ctx_free(WOLFSSL_CTX *ctx)
{
        if (ctx)
                wolfSSL_CTX_free(ctx);
        return NULL;
}

static void x509_freep(WOLFSSL_X509 **x)
{
        if (*x)
                wolfSSL_X509_free(*x);
}

int tls_peer_identity(WOLFSSL *ssl, PeerIdentity *ret)
{
        _cleanup_(x509_freep) WOLFSSL_X509 *x = NULL;
        WOLFSSL_X509_NAME *name;
        char cn[PEER_ID_MAX + 2] = "", ou[32] = "";
        int n;

        assert_return(ssl && ret, -EINVAL);

        x = wolfSSL_get_peer_certificate(ssl);
        if (!x)
                return -ENOKEY;
        name = wolfSSL_X509_get_subject_name(x);
        if (!name)
                return -EBADMSG;

        /* A truncated value must not pass as a shorter id: ask for one byte
         * more than an id may have and let peer_identity_from_subject()
         * refuse it. */
        n = wolfSSL_X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn));
        if (n <= 0 || (size_t)n >= sizeof(cn) - 1)
                return -EBADMSG;
        n = wolfSSL_X509_NAME_get_text_by_NID(name, NID_organizationalUnitName, ou, sizeof(ou));
        if (n <= 0 || (size_t)n >= sizeof(ou) - 1)
                return -EBADMSG;

        return peer_identity_from_subject(cn, ou, ret);
}

const char *tls_cipher_name(WOLFSSL *ssl)
{
        const char *s = ssl ? wolfSSL_get_cipher_name(ssl) : NULL;
        return s ?: "";
}
