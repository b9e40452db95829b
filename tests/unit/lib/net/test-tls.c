/* lib/net/tls: wolfSSL error translation and context set-up refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "lib/fileio.h"
#include "lib/net/tls.h"
#include "tests/unit/test.h"

static void test_errno_mapping(void **state)
{
        assert_int_equal(errno_from_wolfssl(WOLFSSL_SUCCESS), 0);
        assert_int_equal(errno_from_wolfssl(WOLFSSL_ERROR_WANT_READ), -EAGAIN);
        assert_int_equal(errno_from_wolfssl(WOLFSSL_ERROR_WANT_WRITE), -EAGAIN);
        assert_int_equal(errno_from_wolfssl(WOLFSSL_ERROR_ZERO_RETURN), -ECONNRESET);
        assert_int_equal(errno_from_wolfssl(SOCKET_PEER_CLOSED_E), -ECONNRESET);
        assert_int_equal(errno_from_wolfssl(MEMORY_E), -ENOMEM);
        assert_int_equal(errno_from_wolfssl(ASN_NO_SIGNER_E), -EPERM);
        assert_int_equal(errno_from_wolfssl(ASN_AFTER_DATE_E), -EPERM);
        assert_int_equal(errno_from_wolfssl(CRL_CERT_REVOKED), -EPERM);
        assert_int_equal(errno_from_wolfssl(NO_PEER_CERT), -ENOKEY);
        assert_int_equal(errno_from_wolfssl(VERSION_ERROR), -EPROTONOSUPPORT);
        assert_int_equal(errno_from_wolfssl(ASN_PARSE_E), -EBADMSG);
        assert_int_equal(errno_from_wolfssl(WOLFSSL_CBIO_ERR_TIMEOUT), -ETIMEDOUT);
        assert_int_equal(errno_from_wolfssl(-99999), -EPROTO);
}

static void test_ctx_refusals(void **state)
{
        _cleanup_free_ char *dir = test_tmpdir(), *bad = NULL;
        WOLFSSL_CTX *ctx = (WOLFSSL_CTX *)0x1;
        TlsConfig cfg = { .ca_file = "/nonexistent/ca.crt",
                          .cert_file = "/nonexistent/c",
                          .key_file = "/nonexistent/k" };

        assert_non_null(dir);
        assert_int_equal(tls_server_ctx_new(&cfg, &ctx), -ENOENT);
        assert_ptr_equal(ctx, (WOLFSSL_CTX *)0x1); /* untouched on failure */

        assert_true(asprintf(&bad, "%s/bad.pem", dir) > 0);
        assert_int_equal(write_file_atomic(bad, "not a pem\n", 10, 0600), 0);
        cfg = (TlsConfig){ .ca_file = bad };
        assert_int_equal(tls_client_ctx_new(&cfg, &ctx), -EBADMSG);

        cfg = (TlsConfig){ .ca_file = NULL };
        assert_int_equal(tls_client_ctx_new(&cfg, &ctx), -EINVAL);
        cfg = (TlsConfig){ .ca_file = bad, .cert_file = bad };
        assert_int_equal(tls_client_ctx_new(&cfg, &ctx), -EINVAL); /* a cert without a key */
        test_rmtree(dir);
}

static void test_cipher_order(void **state)
{
        /* The measured order: ChaCha20 first (docs/transport.md). */
        assert_int_equal(strncmp(TLS_CIPHER_LIST, "TLS13-CHACHA20-POLY1305-SHA256:", 31), 0);
        assert_null(strstr(TLS_CIPHER_LIST, "CBC"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_errno_mapping),
                cmocka_unit_test(test_ctx_refusals),
                cmocka_unit_test(test_cipher_order),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
