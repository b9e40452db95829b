/* appliance/pki: enrolment, one-time pairing, issuing and revocation on a
 * fresh site CA in a temporary directory. CSRs are made with wolfCrypt, as
 * a device would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include <gnutls/x509.h>

#include "lib/fileio.h"
#include "lib/secmem.h"
#include "appliance/pki/pki.h"
#include "tests/unit/test.h"

static char *dir;

static int setup(void **state)
{
        dir = test_tmpdir();
        if (!dir || secmem_init() < 0)
                return -1;
        return pki_init(dir, "unit", NULL) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        test_rmtree(dir);
        free(dir);
        return 0;
}

/* A PEM CSR for a new key of the given curve. */
static char *make_csr(int curve, int key_size)
{
        static char pem[4096];
        uint8_t der[2048];
        Cert *req = calloc(1, sizeof(Cert));
        WC_RNG rng;
        ecc_key key;
        int n;

        assert_non_null(req);
        assert_int_equal(wc_InitRng(&rng), 0);
        assert_int_equal(wc_ecc_init(&key), 0);
        assert_int_equal(wc_ecc_make_key_ex(&rng, key_size, &key, curve), 0);
        assert_int_equal(wc_InitCert(req), 0);
        strcpy(req->subject.commonName, "ignored");
        req->sigType = CTC_SHA256wECDSA;
        n = wc_MakeCertReq_ex(req, der, sizeof(der), ECC_TYPE, &key);
        assert_true(n > 0);
        n = wc_SignCert_ex(req->bodySz, req->sigType, der, sizeof(der), ECC_TYPE, &key, &rng);
        assert_true(n > 0);
        n = wc_DerToPem(der, n, (byte *)pem, sizeof(pem) - 1, CERTREQ_TYPE);
        assert_true(n > 0);
        pem[n] = 0;
        wc_ecc_free(&key);
        wc_FreeRng(&rng);
        free(req);
        return pem;
}

static void test_files(void **state)
{
        _cleanup_free_ char *key = pki_path(dir, "ca.key"), *skey = pki_path(dir, "server.key");
        struct stat st;

        assert_int_equal(stat(key, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(stat(skey, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(pki_init(dir, "unit", NULL), -EEXIST);
}

static void test_pair_once(void **state)
{
        _cleanup_free_ char *id = NULL, *token = NULL, *pem = NULL, *pem2 = NULL;
        char *csr = make_csr(ECC_SECP256R1, 32);

        assert_int_equal(pki_enroll(dir, PEER_ROLE_CAMERA, "door", 3600, &id, &token), 0);
        assert_int_equal(strncmp(id, "camera-", 7), 0);
        assert_int_equal(strlen(token), 40);
        assert_int_equal(pki_enroll(dir, PEER_ROLE_CAMERA, "door", 3600, &id, &token), -EEXIST);

        /* a bad CSR changes nothing: the token still works afterwards */
        assert_int_equal(pki_pair(dir, token, "garbage", 7, NULL, NULL, &pem), -EBADMSG);
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), NULL, NULL, &pem), 0);
        assert_non_null(strstr(pem, "BEGIN CERTIFICATE"));
        /* once only */
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), NULL, NULL, &pem2), -EACCES);
        assert_null(pem2);
        assert_int_equal(pki_pair(dir, "0123456789012345678901234567890123456789", csr, strlen(csr), NULL,
                                  NULL, &pem2),
                         -EACCES);
        assert_int_equal(pki_pair(dir, "short", csr, strlen(csr), NULL, NULL, &pem2), -EACCES);
}

static void test_wrong_curve(void **state)
{
        _cleanup_free_ char *id = NULL, *token = NULL, *pem = NULL;
        char *csr = make_csr(ECC_SECP384R1, 48);

        assert_int_equal(pki_enroll(dir, PEER_ROLE_DESK, "desk-p384", 3600, &id, &token), 0);
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), NULL, NULL, &pem), -EBADMSG);
}

static void test_expired_token(void **state)
{
        _cleanup_free_ char *id = NULL, *token = NULL, *pem = NULL;
        char *csr = make_csr(ECC_SECP256R1, 32);

        assert_int_equal(pki_enroll(dir, PEER_ROLE_DESK, "late", 1, &id, &token), 0);
        sleep(2);
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), NULL, NULL, &pem), -EACCES);
}

static void test_revoke(void **state)
{
        _cleanup_free_ char *id = NULL, *pem = NULL, *crl_path = pki_path(dir, "crl.pem"), *crl = NULL;
        char *csr = make_csr(ECC_SECP256R1, 32);
        WOLFSSL_X509 *x;
        uint8_t serial[32];
        int serial_size = sizeof(serial);
        char hex[65] = "";
        size_t size;

        assert_int_equal(pki_issue(dir, PEER_ROLE_HUB, "hub", csr, strlen(csr), 30, NULL, &id, &pem), 0);
        x = wolfSSL_X509_load_certificate_buffer((const unsigned char *)pem, strlen(pem),
                                                 WOLFSSL_FILETYPE_PEM);
        assert_non_null(x);
        assert_int_equal(wolfSSL_X509_get_serial_number(x, serial, &serial_size), WOLFSSL_SUCCESS);
        wolfSSL_X509_free(x);
        for (int i = 0; i < serial_size; i++)
                sprintf(hex + 2 * i, "%02x", serial[i]);

        assert_int_equal(pki_revoke(dir, "hub"), 0);
        assert_int_equal(pki_revoke(dir, id), -EALREADY);
        assert_int_equal(pki_revoke(dir, "nobody"), -ENOENT);

        /* The new CRL lists exactly that serial. */
        assert_int_equal(read_file_bounded(crl_path, 8192, &crl, &size), 0);
        {
                gnutls_x509_crl_t c;
                gnutls_datum_t d = { (unsigned char *)crl, (unsigned)size };
                uint8_t got[32];
                size_t got_size = sizeof(got);
                time_t when;

                assert_int_equal(gnutls_x509_crl_init(&c), 0);
                assert_int_equal(gnutls_x509_crl_import(c, &d, GNUTLS_X509_FMT_PEM), 0);
                assert_int_equal(gnutls_x509_crl_get_crt_count(c), 1);
                assert_int_equal(gnutls_x509_crl_get_crt_serial(c, 0, got, &got_size, &when), 0);
                assert_int_equal(got_size, (size_t)serial_size);
                assert_memory_equal(got, serial, got_size);
                gnutls_x509_crl_deinit(c);
        }
        assert_true(strlen(hex) == 32);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_files),       cmocka_unit_test(test_pair_once),
                cmocka_unit_test(test_wrong_curve), cmocka_unit_test(test_expired_token),
                cmocka_unit_test(test_revoke),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
