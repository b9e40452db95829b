/* The device PKI: key and certificate generation with wolfCrypt, the
 * registry in SQLite, pairing tokens hashed with libsodium. The CRL is
 * written by pki-crl.c (GnuTLS; wolfSSL 5.5.4 cannot make CRLs). */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
/* before wolfSSL, whose wolfmath.h defines MIN/MAX only if unset */
#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>

#include "lib/db.h"
#include "lib/fileio.h"
#include "lib/macro.h"
#include "lib/secmem.h"
#include "lib/net/tls.h"
#include "appliance/pki/pki.h"

#define DER_MAX 4096
#define PEM_MAX 8192
#define TOKEN_BYTES 20
#define SERIAL_BYTES 16

static const DbMigration migrations[] = {
        { 1, "CREATE TABLE devices ("
             "  id TEXT PRIMARY KEY,"
             "  name TEXT NOT NULL UNIQUE,"
             "  role TEXT NOT NULL,"
             "  state TEXT NOT NULL CHECK (state IN ('enrolled', 'active', 'revoked')),"
             "  token_hash BLOB UNIQUE,"
             "  token_expires INTEGER,"
             "  serial TEXT UNIQUE,"
             "  not_after INTEGER,"
             "  enrolled_at INTEGER NOT NULL,"
             "  issued_at INTEGER,"
             "  revoked_at INTEGER);" },
};

char *pki_path(const char *dir, const char *file)
{
        char *p;

        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return NULL;
        return p;
}

static int registry_open(const char *dir, bool create, sqlite3 **ret)
{
        _cleanup_free_ char *path = pki_path(dir, "registry.db");
        _cleanup_db_ sqlite3 *db = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = db_open(path, create ? DB_OPEN_CREATE : 0, &db);
        if (r < 0)
                return r;
        (void)chmod(path, 0600);
        r = db_migrate(db, migrations, ELEMENTSOF(migrations));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(db);
        return 0;
}

static void rng_freep(WC_RNG **rng)
{
        if (*rng) {
                wc_FreeRng(*rng);
                free(*rng);
        }
}

static int rng_new(WC_RNG **ret)
{
        WC_RNG *rng = calloc(1, sizeof(*rng));

        if (!rng)
                return -ENOMEM;
        if (wc_InitRng(rng) != 0) {
                free(rng);
                return -EIO;
        }
        *ret = rng;
        return 0;
}

/* An ecc_key in locked memory, freed and wiped by the cleanup. */
static void ecc_freep(ecc_key **k)
{
        if (*k) {
                wc_ecc_free(*k);
                secmem_free(*k);
        }
}

static int ecc_new(ecc_key **ret)
{
        ecc_key *k = secmem_alloc(sizeof(*k));

        if (!k)
                return -ENOMEM;
        if (wc_ecc_init(k) != 0) {
                secmem_free(k);
                return -EIO;
        }
        *ret = k;
        return 0;
}

/* PEM-encode der as type; malloc()ed, NUL-terminated. */
static int der_to_pem(const uint8_t *der, size_t size, int type, bool secret, char **ret)
{
        char *pem = secret ? secmem_alloc(PEM_MAX) : calloc(1, PEM_MAX);
        int n;

        if (!pem)
                return -ENOMEM;
        n = wc_DerToPem(der, size, (byte *)pem, PEM_MAX - 1, type);
        if (n <= 0) {
                if (secret)
                        secmem_free(pem);
                else
                        free(pem);
                return errno_from_wolfssl(n) ?: -EIO;
        }
        pem[n] = 0;
        *ret = pem;
        return 0;
}

/* The base64 of an "EC PRIVATE KEY" PEM, decoded straight into der (locked
 * memory): wolfSSL's wc_KeyPemToDer() would leave a copy of the key on the
 * ordinary heap. Returns the DER size, or 0 if it is not such a PEM. */
static int key_pem_to_der(const char *pem, size_t pem_size, uint8_t *der, size_t der_size)
{
        static const char begin[] = "-----BEGIN EC PRIVATE KEY-----", end[] = "-----END EC PRIVATE KEY-----";
        const char *b = memmem(pem, pem_size, begin, sizeof(begin) - 1), *e;
        size_t n;

        if (!b)
                return 0;
        b += sizeof(begin) - 1;
        e = memmem(b, pem_size - (size_t)(b - pem), end, sizeof(end) - 1);
        if (!e || sodium_base642bin(der, der_size, b, (size_t)(e - b), "\r\n", &n, NULL,
                                    sodium_base64_VARIANT_ORIGINAL) != 0)
                return 0;
        return (int)n;
}

/* Read a PEM file and convert it to DER of the given type. */
static int read_pem_der(const char *path, int type, uint8_t *der, size_t der_size, size_t *ret_size)
{
        _cleanup_free_ char *pem = NULL;
        size_t pem_size;
        int n, r;

        r = read_file_bounded(path, PEM_MAX, &pem, &pem_size);
        if (r < 0)
                return r;
        if (type == ECC_PRIVATEKEY_TYPE)
                n = key_pem_to_der(pem, pem_size, der, der_size);
        else
                n = wc_CertPemToDer((const unsigned char *)pem, (int)pem_size, der, (int)der_size, type);
        secmem_wipe(pem, pem_size);
        if (n <= 0)
                return -EBADMSG;
        *ret_size = n;
        return 0;
}

struct PkiCa {
        ecc_key *key; /* locked memory */
        uint8_t cert[DER_MAX];
        size_t cert_size;
};
typedef struct PkiCa Ca;

static void ca_done(Ca *ca)
{
        ecc_freep(&ca->key);
        ca->key = NULL;
}

/* Import the SEC1 DER that pki_init() wrote (P-256, named curve, public key
 * included: always 121 bytes) by pointing into it: wc_EccPrivateKeyDecode()
 * would leave copies of the scalar on the ordinary heap and stack. */
static int ec_key_import(const uint8_t *der, size_t size, ecc_key *key)
{
        static const uint8_t head[] = { 0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20 };
        static const uint8_t pub_head[] = { 0x03, 0x42, 0x00, 0x04 };

        if (size != 121 || memcmp(der, head, sizeof(head)) != 0 ||
            memcmp(der + size - PKI_PUBKEY_SIZE - 3, pub_head, sizeof(pub_head)) != 0)
                return -EBADMSG;
        if (wc_ecc_import_private_key_ex(der + sizeof(head), 32, der + size - PKI_PUBKEY_SIZE,
                                         PKI_PUBKEY_SIZE, key, ECC_SECP256R1) != 0)
                return -EBADMSG;
        return 0;
}

static int ca_load(const char *dir, Ca *ca)
{
        _cleanup_free_ char *key_path = pki_path(dir, "ca.key"), *crt_path = pki_path(dir, "ca.crt");
        _cleanup_secmem_ uint8_t *der = secmem_alloc(DER_MAX);
        size_t size;
        int r;

        if (!key_path || !crt_path || !der)
                return -ENOMEM;
        r = read_pem_der(crt_path, CERT_TYPE, ca->cert, sizeof(ca->cert), &ca->cert_size);
        if (r < 0)
                return r;
        r = read_pem_der(key_path, ECC_PRIVATEKEY_TYPE, der, DER_MAX, &size);
        if (r < 0)
                return r;
        r = ecc_new(&ca->key);
        if (r < 0)
                return r;
        if (ec_key_import(der, size, ca->key) != 0) {
                ca_done(ca);
                return -EBADMSG;
        }
        return 0;
}

static int random_hex(size_t bytes, const char *prefix, char **ret)
{
        uint8_t raw[32];
        char hex[65];
        char *s;

        assert(bytes <= sizeof(raw));
        randombytes_buf(raw, bytes);
        sodium_bin2hex(hex, sizeof(hex), raw, bytes);
        if (asprintf(&s, "%s%s", prefix ?: "", hex) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static void token_hash(const char *token, uint8_t out[32])
{
        crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

static bool name_valid(const char *name)
{
        size_t n = name ? strlen(name) : 0;

        if (n == 0 || n > PKI_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] >= 0x7f)
                        return false;
        return true;
}

/* DER length prefix. */
static size_t der_len(uint8_t *p, size_t n)
{
        if (n < 128) {
                p[0] = n;
                return 1;
        }
        if (n < 256) {
                p[0] = 0x81;
                p[1] = n;
                return 2;
        }
        p[0] = 0x82;
        p[1] = n >> 8;
        p[2] = n & 0xff;
        return 3;
}

/* GeneralNames for subjectAltName: dNSName [2] for names, iPAddress [7] for
 * IPv4/IPv6 literals. Written by hand because wolfSSL 5.5.4 has no setter
 * for it; the encoding is four tags. */
static int alt_names_build(char *const *names, uint8_t *out, size_t out_size, size_t *ret_size)
{
        uint8_t body[2048];
        size_t n = 0, h;

        for (char *const *p = names; p && *p; p++) {
                uint8_t addr[16];
                size_t len;
                uint8_t tag;
                const uint8_t *v;

                if (inet_pton(AF_INET, *p, addr) == 1) {
                        tag = 0x87, v = addr, len = 4;
                } else if (inet_pton(AF_INET6, *p, addr) == 1) {
                        tag = 0x87, v = addr, len = 16;
                } else {
                        tag = 0x82, v = (const uint8_t *)*p, len = strlen(*p);
                        if (len == 0 || len > 253 ||
                            strspn(*p, "abcdefghijklmnopqrstuvwxyz"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len)
                                return -EINVAL;
                }
                if (n + 4 + len > sizeof(body))
                        return -E2BIG;
                body[n++] = tag;
                n += der_len(body + n, len);
                memcpy(body + n, v, len);
                n += len;
        }
        if (n == 0) {
                *ret_size = 0;
                return 0;
        }
        if (n + 4 > out_size)
                return -E2BIG;
        out[0] = 0x30;
        h = 1 + der_len(out + 1, n);
        memcpy(out + h, body, n);
        *ret_size = h + n;
        return 0;
}

typedef struct IssueParams {
        const char *id;
        PeerRole role;
        unsigned days;
        char *const *names;
        bool is_ca;
        const char *ca_cn; /* CA only */
} IssueParams;

/* Make and sign a certificate for subject_key. With ca NULL it is
 * self-signed by subject_key (the CA itself). */
static int cert_make(const IssueParams *p, ecc_key *subject_key, const Ca *ca, WC_RNG *rng,
                     char **ret_serial, char **ret_pem)
{
        _cleanup_free_ Cert *cert = calloc(1, sizeof(Cert));
        _cleanup_free_ char *serial_hex = NULL;
        uint8_t der[DER_MAX];
        uint8_t serial[SERIAL_BYTES];
        char hex[2 * SERIAL_BYTES + 1];
        size_t alt_size = 0;
        int n, r;

        if (!cert)
                return -ENOMEM;
        if (wc_InitCert(cert) != 0)
                return -EIO;

        strncpy(cert->subject.org, "Carrel", CTC_NAME_SIZE - 1);
        if (p->is_ca) {
                strncpy(cert->subject.commonName, p->ca_cn, CTC_NAME_SIZE - 1);
                cert->isCA = 1;
                cert->selfSigned = 1;
        } else {
                strncpy(cert->subject.unit, peer_role_to_string(p->role), CTC_NAME_SIZE - 1);
                strncpy(cert->subject.commonName, p->id, CTC_NAME_SIZE - 1);
        }
        cert->daysValid = (int)p->days;
        cert->sigType = CTC_SHA256wECDSA;

        randombytes_buf(serial, sizeof(serial));
        serial[0] &= 0x7f; /* positive */
        serial[0] |= 0x40; /* and exactly SERIAL_BYTES long */
        memcpy(cert->serial, serial, sizeof(serial));
        cert->serialSz = sizeof(serial);
        sodium_bin2hex(hex, sizeof(hex), serial, sizeof(serial));
        serial_hex = strdup(hex);
        if (!serial_hex)
                return -ENOMEM;

        if (wc_SetSubjectKeyIdFromPublicKey_ex(cert, ECC_TYPE, subject_key) != 0)
                return -EIO;
        if (p->is_ca) {
                if (wc_SetKeyUsage(cert, "keyCertSign,cRLSign") != 0)
                        return -EIO;
        } else {
                if (wc_SetKeyUsage(cert, "digitalSignature") != 0)
                        return -EIO;
                if (wc_SetExtKeyUsage(cert, p->role == PEER_ROLE_APPLIANCE || p->role == PEER_ROLE_HUB
                                                    ? "serverAuth,clientAuth"
                                                    : "clientAuth") != 0)
                        return -EIO;
                if (wc_SetIssuerBuffer(cert, ca->cert, (int)ca->cert_size) != 0)
                        return -EBADMSG;
                if (wc_SetAuthKeyIdFromCert(cert, ca->cert, (int)ca->cert_size) != 0)
                        return -EBADMSG;
                r = alt_names_build(p->names, cert->altNames, sizeof(cert->altNames), &alt_size);
                if (r < 0)
                        return r;
                cert->altNamesSz = (int)alt_size;
        }

        n = wc_MakeCert_ex(cert, der, sizeof(der), ECC_TYPE, subject_key, rng);
        if (n < 0)
                return errno_from_wolfssl(n);
        n = wc_SignCert_ex(cert->bodySz, cert->sigType, der, sizeof(der), ECC_TYPE,
                           p->is_ca ? subject_key : ca->key, rng);
        if (n < 0)
                return errno_from_wolfssl(n);

        r = der_to_pem(der, n, CERT_TYPE, false, ret_pem);
        if (r < 0)
                return r;
        if (ret_serial)
                *ret_serial = TAKE_PTR(serial_hex);
        return 0;
}

/* Generate an EC P-256 key; its PEM (locked memory) in *ret_pem. */
static int key_generate(WC_RNG *rng, ecc_key *key, char **ret_pem)
{
        _cleanup_secmem_ uint8_t *der = secmem_alloc(DER_MAX);
        int n;

        if (!der)
                return -ENOMEM;
        if (wc_ecc_make_key_ex(rng, 32, key, ECC_SECP256R1) != 0)
                return -EIO;
        n = wc_EccKeyToDer(key, der, DER_MAX);
        if (n <= 0)
                return -EIO;
        return der_to_pem(der, n, ECC_PRIVATEKEY_TYPE, true, ret_pem);
}

static int write_in(const char *dir, const char *file, const char *data, mode_t mode)
{
        _cleanup_free_ char *path = pki_path(dir, file);

        if (!path)
                return -ENOMEM;
        return write_file_atomic(path, data, strlen(data), mode);
}

/* Parse a CSR (PEM or DER), check its self-signature, and decode its EC
 * P-256 public key into key. */
static int csr_public_key(const void *csr, size_t size, ecc_key *key)
{
        WOLFSSL_X509 *req = NULL;
        WOLFSSL_EVP_PKEY *pkey = NULL;
        unsigned char *spki = NULL;
        int spki_size;
        word32 idx = 0;
        int r = -EBADMSG;

        if (size == 0 || size > PKI_CSR_MAX)
                return -EBADMSG;
        if (size > 11 && memcmp(csr, "-----BEGIN ", 11) == 0) {
                WOLFSSL_BIO *bio = wolfSSL_BIO_new_mem_buf(csr, (int)size);
                if (!bio)
                        return -ENOMEM;
                req = wolfSSL_PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
                wolfSSL_BIO_free(bio);
        } else
                req = wolfSSL_X509_REQ_d2i(NULL, csr, (int)size);
        if (!req)
                return -EBADMSG;

        pkey = wolfSSL_X509_get_pubkey(req);
        if (!pkey || wolfSSL_X509_REQ_verify(req, pkey) != WOLFSSL_SUCCESS)
                goto out;
        spki_size = wolfSSL_i2d_PUBKEY(pkey, &spki);
        if (spki_size <= 0)
                goto out;
        if (wc_EccPublicKeyDecode(spki, &idx, key, spki_size) != 0)
                goto out;
        if (wc_ecc_get_curve_id(key->idx) != ECC_SECP256R1 || wc_ecc_check_key(key) != 0)
                goto out;
        r = 0;
out:
        XFREE(spki, NULL, DYNAMIC_TYPE_OPENSSL);
        wolfSSL_EVP_PKEY_free(pkey);
        wolfSSL_X509_free(req);
        return r;
}

/* The CSR's public key as an uncompressed point: what is sent to the
 * signer, so that it never parses ASN.1 from the network. */
static int csr_public_point(const void *csr, size_t size, uint8_t ret[PKI_PUBKEY_SIZE])
{
        _cleanup_(ecc_freep) ecc_key *key = NULL;
        word32 n = PKI_PUBKEY_SIZE;
        int r;

        r = ecc_new(&key);
        if (r < 0)
                return r;
        r = csr_public_key(csr, size, key);
        if (r < 0)
                return r;
        if (wc_ecc_export_x963(key, ret, &n) != 0 || n != PKI_PUBKEY_SIZE)
                return -EBADMSG;
        return 0;
}

int pki_ca_load(const char *dir, PkiCa **ret)
{
        PkiCa *ca;
        int r;

        assert_return(dir && ret, -EINVAL);
        ca = calloc(1, sizeof(*ca));
        if (!ca)
                return -ENOMEM;
        r = ca_load(dir, ca);
        if (r < 0) {
                free(ca);
                return r;
        }
        *ret = ca;
        return 0;
}

PkiCa *pki_ca_free(PkiCa *ca)
{
        if (!ca)
                return NULL;
        ca_done(ca);
        free(ca);
        return NULL;
}

static bool device_id_valid(const char *id, PeerRole role)
{
        const char *prefix = peer_role_to_string(role);
        size_t n = id ? strnlen(id, PKI_ID_MAX + 1) : 0, k = prefix ? strlen(prefix) : 0;

        if (!prefix || n == 0 || n > PKI_ID_MAX || n <= k + 1)
                return false;
        if (strncmp(id, prefix, k) != 0 || id[k] != '-')
                return false;
        return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int pki_ca_issue(PkiCa *ca, const char *id, PeerRole role, const uint8_t pubkey[PKI_PUBKEY_SIZE],
                 unsigned days, char *const *names, char **ret_serial, char **ret_pem)
{
        _cleanup_(rng_freep) WC_RNG *rng = NULL;
        _cleanup_(ecc_freep) ecc_key *key = NULL;
        int r;

        assert_return(ca && ca->key && pubkey && ret_serial && ret_pem, -EINVAL);
        assert_return(device_id_valid(id, role) && days > 0, -EINVAL);

        r = ecc_new(&key);
        if (r < 0)
                return r;
        if (pubkey[0] != 0x04 || wc_ecc_import_x963_ex(pubkey, PKI_PUBKEY_SIZE, key, ECC_SECP256R1) != 0 ||
            wc_ecc_check_key(key) != 0)
                return -EBADMSG;
        r = rng_new(&rng);
        if (r < 0)
                return r;
        return cert_make(&(IssueParams){ .id = id, .role = role, .days = days, .names = names }, key, ca,
                         rng, ret_serial, ret_pem);
}

static int revoked_crl_write(const char *dir, sqlite3 *db)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char **serials = NULL;
        uint64_t *times = NULL;
        size_t n = 0;
        int r;

        r = db_prepare(
                db,
                "SELECT serial, revoked_at FROM devices WHERE state = 'revoked' AND serial IS NOT NULL "
                "ORDER BY revoked_at",
                &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) > 0) {
                char **ns = realloc(serials, (n + 2) * sizeof(char *));
                uint64_t *nt;
                if (!ns) {
                        r = -ENOMEM;
                        break;
                }
                serials = ns;
                nt = realloc(times, (n + 1) * sizeof(uint64_t));
                if (!nt) {
                        r = -ENOMEM;
                        break;
                }
                times = nt;
                serials[n] = strdup((const char *)sqlite3_column_text(st, 0));
                times[n] = sqlite3_column_int64(st, 1);
                if (!serials[n]) {
                        r = -ENOMEM;
                        break;
                }
                serials[++n] = NULL;
        }
        if (r == 0)
                r = pki_crl_write(dir, serials, times, n);
        for (size_t i = 0; i < n; i++)
                free(serials[i]);
        free(serials);
        free(times);
        return r;
}

/* Record a new device and its certificate. */
static int device_insert(sqlite3 *db, const char *id, const char *name, PeerRole role, const char *state,
                         const uint8_t *hash, uint64_t token_expires, const char *serial, unsigned days)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int64_t now = time(NULL);
        int r;

        r = db_prepare(
                db,
                "INSERT INTO devices (id, name, role, state, token_hash, token_expires, serial, not_after, "
                "enrolled_at, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, peer_role_to_string(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
        if (hash)
                sqlite3_bind_blob(st, 5, hash, 32, SQLITE_STATIC);
        if (token_expires)
                sqlite3_bind_int64(st, 6, (int64_t)token_expires);
        if (serial) {
                sqlite3_bind_text(st, 7, serial, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 8, now + (int64_t)days * 86400);
                sqlite3_bind_int64(st, 10, now);
        }
        sqlite3_bind_int64(st, 9, now);
        r = db_step(st);
        return r < 0 ? r : 0;
}

int pki_init(const char *dir, const char *site, char *const *names)
{
        _cleanup_(rng_freep) WC_RNG *rng = NULL;
        _cleanup_(ecc_freep) ecc_key *key = NULL, *skey = NULL;
        _cleanup_secmem_ char *key_pem = NULL, *skey_pem = NULL;
        _cleanup_free_ char *ca_pem = NULL, *srv_pem = NULL, *srv_serial = NULL, *id = NULL,
                            *key_path = NULL, *cn = NULL;
        _cleanup_db_ sqlite3 *db = NULL;
        Ca ca = {};
        size_t n;
        int r;

        assert_return(dir && site && name_valid(site), -EINVAL);

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        key_path = pki_path(dir, "ca.key");
        if (!key_path)
                return -ENOMEM;
        if (access(key_path, F_OK) == 0)
                return -EEXIST;

        r = tls_init();
        if (r < 0)
                return r;
        r = rng_new(&rng);
        if (r < 0)
                return r;

        /* the CA */
        r = ecc_new(&key);
        if (r < 0)
                return r;
        r = key_generate(rng, key, &key_pem);
        if (r < 0)
                return r;
        if (asprintf(&cn, "Carrel site CA %s", site) < 0)
                return -ENOMEM;
        if (strlen(cn) >= CTC_NAME_SIZE)
                return -E2BIG;
        r = cert_make(&(IssueParams){ .is_ca = true, .ca_cn = cn, .days = PKI_CA_DAYS }, key, NULL, rng,
                      NULL, &ca_pem);
        if (r < 0)
                return r;
        r = write_in(dir, "ca.key", key_pem, 0600);
        if (r < 0)
                return r;
        r = write_in(dir, "ca.crt", ca_pem, 0644);
        if (r < 0)
                return r;

        /* the appliance's own server certificate */
        r = registry_open(dir, true, &db);
        if (r < 0)
                return r;
        r = ca_load(dir, &ca);
        if (r < 0)
                return r;
        r = ecc_new(&skey);
        if (r < 0)
                goto out;
        r = key_generate(rng, skey, &skey_pem);
        if (r < 0)
                goto out;
        r = random_hex(5, "appliance-", &id);
        if (r < 0)
                goto out;
        r = cert_make(&(IssueParams){ .id = id,
                                      .role = PEER_ROLE_APPLIANCE,
                                      .days = PKI_CERT_DAYS_DEFAULT,
                                      .names = names },
                      skey, &ca, rng, &srv_serial, &srv_pem);
        if (r < 0)
                goto out;
        r = write_in(dir, "server.key", skey_pem, 0600);
        if (r < 0)
                goto out;
        r = write_in(dir, "server.crt", srv_pem, 0644);
        if (r < 0)
                goto out;
        r = device_insert(db, id, "appliance", PEER_ROLE_APPLIANCE, "active", NULL, 0, srv_serial,
                          PKI_CERT_DAYS_DEFAULT);
        if (r < 0)
                goto out;
        r = revoked_crl_write(dir, db);
out:
        (void)n;
        ca_done(&ca);
        return r;
}

int pki_enroll(const char *dir, PeerRole role, const char *name, uint64_t lifetime_sec, char **ret_id,
               char **ret_token)
{
        _cleanup_db_ sqlite3 *db = NULL;
        _cleanup_free_ char *id = NULL, *token = NULL;
        uint8_t hash[32];
        char prefix[16];
        int r;

        assert_return(dir && ret_id && ret_token, -EINVAL);
        assert_return(peer_role_to_string(role) && name_valid(name), -EINVAL);
        assert_return(lifetime_sec > 0, -EINVAL);

        r = registry_open(dir, false, &db);
        if (r < 0)
                return r;
        snprintf(prefix, sizeof(prefix), "%s-", peer_role_to_string(role));
        r = random_hex(5, prefix, &id);
        if (r < 0)
                return r;
        r = random_hex(TOKEN_BYTES, NULL, &token);
        if (r < 0)
                return r;
        token_hash(token, hash);

        r = device_insert(db, id, name, role, "enrolled", hash, (uint64_t)time(NULL) + lifetime_sec, NULL,
                          0);
        if (r < 0)
                return r;
        *ret_id = TAKE_PTR(id);
        *ret_token = TAKE_PTR(token);
        return 0;
}

/* Check the CSR, then have issue sign (NULL: the CA in dir, here). */
static int issue_for_csr(const char *dir, const char *id, PeerRole role, const void *csr, size_t csr_size,
                         unsigned days, char *const *names, PkiIssueFunc issue, void *userdata,
                         char **ret_serial, char **ret_pem)
{
        _cleanup_(pki_ca_freep) PkiCa *ca = NULL;
        uint8_t point[PKI_PUBKEY_SIZE];
        int r;

        r = tls_init();
        if (r < 0)
                return r;
        r = csr_public_point(csr, csr_size, point);
        if (r < 0)
                return r;
        if (issue)
                return issue(userdata, id, role, point, days, ret_serial, ret_pem);
        r = pki_ca_load(dir, &ca);
        if (r < 0)
                return r;
        return pki_ca_issue(ca, id, role, point, days, names, ret_serial, ret_pem);
}

int pki_pair(const char *dir, const char *token, const void *csr, size_t csr_size, PkiIssueFunc issue,
             void *userdata, char **ret_pem)
{
        _cleanup_db_ sqlite3 *db = NULL;
        _cleanup_stmt_ sqlite3_stmt *st = NULL, *up = NULL;
        _cleanup_free_ char *id = NULL, *serial = NULL, *pem = NULL;
        uint8_t hash[32];
        int64_t expires;
        PeerRole role;
        int r;

        assert_return(dir && token && ret_pem, -EINVAL);
        if (strlen(token) != 2 * TOKEN_BYTES)
                return -EACCES;
        token_hash(token, hash);

        r = registry_open(dir, false, &db);
        if (r < 0)
                return r;
        r = db_begin(db);
        if (r < 0)
                return r;
        r = db_prepare(
                db,
                "SELECT id, role, token_expires FROM devices WHERE token_hash = ? AND state = 'enrolled'",
                &st);
        if (r < 0)
                goto fail;
        sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
        r = db_step(st);
        if (r <= 0) {
                r = r < 0 ? r : -EACCES;
                goto fail;
        }
        id = strdup((const char *)sqlite3_column_text(st, 0));
        role = peer_role_from_string((const char *)sqlite3_column_text(st, 1));
        expires = sqlite3_column_int64(st, 2);
        if (!id) {
                r = -ENOMEM;
                goto fail;
        }
        if (role < 0 || expires < (int64_t)time(NULL)) {
                r = -EACCES;
                goto fail;
        }

        r = issue_for_csr(dir, id, role, csr, csr_size, PKI_CERT_DAYS_DEFAULT, NULL, issue, userdata,
                          &serial, &pem);
        if (r < 0)
                goto fail;

        r = db_prepare(
                db,
                "UPDATE devices SET state = 'active', token_hash = NULL, token_expires = NULL, serial = ?, "
                "not_after = ?, issued_at = ? WHERE id = ? AND state = 'enrolled'",
                &up);
        if (r < 0)
                goto fail;
        sqlite3_bind_text(up, 1, serial, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 2, (int64_t)time(NULL) + (int64_t)PKI_CERT_DAYS_DEFAULT * 86400);
        sqlite3_bind_int64(up, 3, (int64_t)time(NULL));
        sqlite3_bind_text(up, 4, id, -1, SQLITE_STATIC);
        r = db_step(up);
        if (r < 0)
                goto fail;
        if (sqlite3_changes(db) != 1) {
                r = -EACCES;
                goto fail;
        }
        r = db_commit(db);
        if (r < 0)
                goto fail;
        *ret_pem = TAKE_PTR(pem);
        return 0;
fail:
        db_rollback(db);
        return r;
}

int pki_issue(const char *dir, PeerRole role, const char *name, const void *csr, size_t csr_size,
              unsigned days, char *const *names, char **ret_id, char **ret_pem)
{
        _cleanup_db_ sqlite3 *db = NULL;
        _cleanup_free_ char *id = NULL, *serial = NULL, *pem = NULL;
        char prefix[16];
        int r;

        assert_return(dir && ret_id && ret_pem && days > 0, -EINVAL);
        assert_return(peer_role_to_string(role) && name_valid(name), -EINVAL);

        r = registry_open(dir, false, &db);
        if (r < 0)
                return r;
        snprintf(prefix, sizeof(prefix), "%s-", peer_role_to_string(role));
        r = random_hex(5, prefix, &id);
        if (r < 0)
                return r;
        r = issue_for_csr(dir, id, role, csr, csr_size, days, names, NULL, NULL, &serial, &pem);
        if (r < 0)
                return r;
        r = device_insert(db, id, name, role, "active", NULL, 0, serial, days);
        if (r < 0)
                return r;
        *ret_id = TAKE_PTR(id);
        *ret_pem = TAKE_PTR(pem);
        return 0;
}

int pki_revoke(const char *dir, const char *name_or_id)
{
        _cleanup_db_ sqlite3 *db = NULL;
        _cleanup_stmt_ sqlite3_stmt *st = NULL, *up = NULL;
        int r;

        assert_return(dir && name_or_id, -EINVAL);

        r = registry_open(dir, false, &db);
        if (r < 0)
                return r;
        r = db_begin(db);
        if (r < 0)
                return r;
        r = db_prepare(db, "SELECT state FROM devices WHERE id = ?1 OR name = ?1", &st);
        if (r < 0)
                goto fail;
        sqlite3_bind_text(st, 1, name_or_id, -1, SQLITE_STATIC);
        r = db_step(st);
        if (r <= 0) {
                r = r < 0 ? r : -ENOENT;
                goto fail;
        }
        if (strcmp((const char *)sqlite3_column_text(st, 0), "revoked") == 0) {
                r = -EALREADY;
                goto fail;
        }
        r = db_prepare(db,
                       "UPDATE devices SET state = 'revoked', token_hash = NULL, revoked_at = ?2 "
                       "WHERE id = ?1 OR name = ?1",
                       &up);
        if (r < 0)
                goto fail;
        sqlite3_bind_text(up, 1, name_or_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 2, (int64_t)time(NULL));
        r = db_step(up);
        if (r < 0)
                goto fail;
        /* The CRL first: if writing it fails, nothing is marked revoked
         * that the CRL does not say. */
        r = revoked_crl_write(dir, db);
        if (r < 0)
                goto fail;
        return db_commit(db);
fail:
        db_rollback(db);
        return r;
}

int pki_crl_update(const char *dir)
{
        _cleanup_db_ sqlite3 *db = NULL;
        int r;

        r = registry_open(dir, false, &db);
        if (r < 0)
                return r;
        return revoked_crl_write(dir, db);
}

int pki_list(const char *dir)
{
        _cleanup_db_ sqlite3 *db = NULL;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = registry_open(dir, false, &db);
        if (r < 0)
                return r;
        r = db_prepare(db, "SELECT id, role, state, name FROM devices ORDER BY enrolled_at, id", &st);
        if (r < 0)
                return r;
        printf("%-24s %-10s %-9s %s\n", "ID", "ROLE", "STATE", "NAME");
        while ((r = db_step(st)) > 0)
                printf("%-24s %-10s %-9s %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                       sqlite3_column_text(st, 2), sqlite3_column_text(st, 3));
        return r;
}
