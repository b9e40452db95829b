/* The CRL, written with GnuTLS.
 *
 * Why a second TLS library: Debian's wolfSSL 5.5.4 reads and checks CRLs
 * but cannot create one (CRL generation arrived in wolfSSL 5.6.x), and a
 * hand-written DER encoder for a signed TBSCertList is exactly the kind of
 * code we would rather not own. Only carrelctl calls this (revocation is an
 * officer's act); carrel-pkid never reads the CA key, and the transport
 * library does not link GnuTLS. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "lib/fileio.h"
#include "lib/macro.h"
#include "lib/secmem.h"
#include "appliance/pki/pki.h"

#define CRL_VALID_DAYS 365
#define PEM_MAX 8192

/* Translate GnuTLS errors once, here. */
static int errno_from_gnutls(int rc)
{
        switch (rc) {
        case GNUTLS_E_SUCCESS:
                return 0;
        case GNUTLS_E_MEMORY_ERROR:
                return -ENOMEM;
        case GNUTLS_E_BASE64_DECODING_ERROR:
        case GNUTLS_E_ASN1_DER_ERROR:
        case GNUTLS_E_ASN1_GENERIC_ERROR:
        case GNUTLS_E_PK_INVALID_PRIVKEY:
                return -EBADMSG;
        case GNUTLS_E_INVALID_REQUEST:
                return -EINVAL;
        case GNUTLS_E_SHORT_MEMORY_BUFFER:
                return -ENOBUFS;
        default:
                return -EIO;
        }
}

static int datum_read(const char *dir, const char *file, gnutls_datum_t *ret, char **ret_buf)
{
        _cleanup_free_ char *path = pki_path(dir, file);
        char *buf;
        size_t size;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file_bounded(path, PEM_MAX, &buf, &size);
        if (r < 0)
                return r;
        ret->data = (unsigned char *)buf;
        ret->size = size;
        *ret_buf = buf;
        return 0;
}

int pki_crl_write(const char *dir, char *const *serials, const uint64_t *times, size_t n)
{
        gnutls_x509_crt_t ca = NULL;
        gnutls_x509_privkey_t xkey = NULL;
        gnutls_privkey_t key = NULL;
        gnutls_x509_crl_t crl = NULL;
        gnutls_datum_t d = {}, out = {};
        _cleanup_free_ char *ca_buf = NULL, *path = NULL;
        char *key_buf = NULL;
        uint8_t skid[64], number[8];
        size_t skid_size = sizeof(skid);
        unsigned critical = 0;
        time_t now = time(NULL);
        uint64_t num = (uint64_t)now;
        int r;

        path = pki_path(dir, "crl.pem");
        if (!path)
                return -ENOMEM;

        r = datum_read(dir, "ca.crt", &d, &ca_buf);
        if (r < 0)
                return r;
        r = errno_from_gnutls(gnutls_x509_crt_init(&ca));
        if (r < 0)
                goto out;
        r = errno_from_gnutls(gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM));
        if (r < 0)
                goto out;

        r = datum_read(dir, "ca.key", &d, &key_buf);
        if (r < 0)
                goto out;
        r = errno_from_gnutls(gnutls_x509_privkey_init(&xkey));
        if (r == 0)
                r = errno_from_gnutls(gnutls_x509_privkey_import(xkey, &d, GNUTLS_X509_FMT_PEM));
        if (r == 0)
                r = errno_from_gnutls(gnutls_privkey_init(&key));
        if (r == 0)
                r = errno_from_gnutls(gnutls_privkey_import_x509(key, xkey, 0));
        if (r < 0)
                goto out;

        r = errno_from_gnutls(gnutls_x509_crl_init(&crl));
        if (r < 0)
                goto out;
        r = errno_from_gnutls(gnutls_x509_crl_set_version(crl, 2));
        if (r == 0)
                r = errno_from_gnutls(gnutls_x509_crl_set_this_update(crl, now));
        if (r == 0)
                r = errno_from_gnutls(gnutls_x509_crl_set_next_update(crl, now + CRL_VALID_DAYS * 86400));
        for (size_t i = 0; r == 0 && i < n; i++) {
                uint8_t serial[32];
                size_t len;

                if (sodium_hex2bin(serial, sizeof(serial), serials[i], strlen(serials[i]), NULL, &len,
                                   NULL) != 0) {
                        r = -EBADMSG;
                        break;
                }
                r = errno_from_gnutls(gnutls_x509_crl_set_crt_serial(crl, serial, len, (time_t)times[i]));
        }
        if (r < 0)
                goto out;
        if (gnutls_x509_crt_get_subject_key_id(ca, skid, &skid_size, &critical) == 0) {
                r = errno_from_gnutls(gnutls_x509_crl_set_authority_key_id(crl, skid, skid_size));
                if (r < 0)
                        goto out;
        }
        for (int i = 0; i < 8; i++)
                number[i] = num >> (56 - 8 * i);
        r = errno_from_gnutls(gnutls_x509_crl_set_number(crl, number, sizeof(number)));
        if (r < 0)
                goto out;
        r = errno_from_gnutls(gnutls_x509_crl_privkey_sign(crl, ca, key, GNUTLS_DIG_SHA256, 0));
        if (r < 0)
                goto out;
        r = errno_from_gnutls(gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_PEM, &out));
        if (r < 0)
                goto out;
        r = write_file_atomic(path, out.data, out.size, 0644);
out:
        gnutls_free(out.data);
        if (crl)
                gnutls_x509_crl_deinit(crl);
        if (key)
                gnutls_privkey_deinit(key);
        if (xkey)
                gnutls_x509_privkey_deinit(xkey);
        if (ca)
                gnutls_x509_crt_deinit(ca);
        if (key_buf) {
                secmem_wipe(key_buf, strlen(key_buf));
                free(key_buf);
        }
        return r;
}
