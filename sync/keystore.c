/* See keystore.h. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "sync/keystore.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define MAC crypto_aead_xchacha20poly1305_ietf_ABYTES

struct KeyStore {
        sqlite3 *db;
        Secret *db_key;
};

KeyStore *keystore_free(KeyStore *ks)
{
        if (ks) {
                secret_free(ks->db_key);
                free(ks);
        }
        return NULL;
}

int keystore_open(sqlite3 *db, const Secret *db_key, KeyStore **ret)
{
        KeyStore *ks;
        int r;

        assert_return(db && db_key && db_key->size == KEYSTORE_DB_KEY_SIZE && ret, -EINVAL);
        r = secmem_init();
        if (r < 0)
                return r;
        ks = calloc(1, sizeof *ks);
        if (!ks)
                return -ENOMEM;
        r = secret_new(KEYSTORE_DB_KEY_SIZE, &ks->db_key);
        if (r < 0) {
                free(ks);
                return r;
        }
        memcpy(ks->db_key->bytes, db_key->bytes, KEYSTORE_DB_KEY_SIZE);
        ks->db = db;
        *ret = ks;
        return 0;
}

/* AD for wrapping: "carrel-patron-key" || key id. */
static void wrap_ad(const uint8_t key_id[ENTRY_KEY_ID_SIZE], uint8_t ad[17 + ENTRY_KEY_ID_SIZE])
{
        memcpy(ad, "carrel-patron-key", 17);
        memcpy(ad + 17, key_id, ENTRY_KEY_ID_SIZE);
}

static int store_key(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const uint8_t *key)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        uint8_t wrapped[NONCE + KEYSTORE_KEY_SIZE + MAC], ad[17 + ENTRY_KEY_ID_SIZE];
        int r;

        wrap_ad(key_id, ad);
        randombytes_buf(wrapped, NONCE);
        crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped + NONCE, NULL, key, KEYSTORE_KEY_SIZE, ad,
                                                   sizeof ad, NULL, wrapped, ks->db_key->bytes);
        /* A tombstone is never overwritten: erasure wins. */
        r = db_prepare(ks->db,
                       "INSERT INTO patron_key (key_id, wrapped) VALUES (?, ?) "
                       "ON CONFLICT (key_id) DO UPDATE SET wrapped = excluded.wrapped WHERE destroyed = 0;",
                       &st);
        if (r < 0)
                return r;
        r = db_bind_blob(st, 1, key_id, ENTRY_KEY_ID_SIZE);
        if (r >= 0)
                r = db_bind_blob(st, 2, wrapped, sizeof wrapped);
        if (r < 0)
                return r;
        r = db_step(st);
        return r < 0 ? r : 0;
}

int keystore_create(KeyStore *ks, uint8_t ret_key_id[ENTRY_KEY_ID_SIZE])
{
        _cleanup_secmem_ uint8_t *key = NULL;
        uint8_t id[ENTRY_KEY_ID_SIZE];
        int r;

        assert_return(ks && ret_key_id, -EINVAL);
        key = secmem_alloc(KEYSTORE_KEY_SIZE);
        if (!key)
                return -ENOMEM;
        crypto_aead_xchacha20poly1305_ietf_keygen(key);
        randombytes_buf(id, sizeof id);
        r = store_key(ks, id, key);
        if (r < 0)
                return r;
        memcpy(ret_key_id, id, sizeof id);
        return 0;
}

int keystore_get(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE], Secret **ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_(secret_freep) Secret *key = NULL;
        uint8_t ad[17 + ENTRY_KEY_ID_SIZE];
        const uint8_t *w;
        int r;

        assert_return(ks && key_id && ret, -EINVAL);
        r = db_prepare(ks->db, "SELECT destroyed, wrapped FROM patron_key WHERE key_id = ?;", &st);
        if (r < 0)
                return r;
        r = db_bind_blob(st, 1, key_id, ENTRY_KEY_ID_SIZE);
        if (r < 0)
                return r;
        r = db_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENODATA; /* never held here */
        if (sqlite3_column_int(st, 0))
                return -ENOKEY; /* destroyed: erased */
        if (sqlite3_column_bytes(st, 1) != NONCE + KEYSTORE_KEY_SIZE + MAC)
                return -EUCLEAN;
        w = sqlite3_column_blob(st, 1);
        r = secret_new(KEYSTORE_KEY_SIZE, &key);
        if (r < 0)
                return r;
        wrap_ad(key_id, ad);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(key->bytes, NULL, NULL, w + NONCE,
                                                       KEYSTORE_KEY_SIZE + MAC, ad, sizeof ad, w,
                                                       ks->db_key->bytes) != 0)
                return -EBADMSG;
        *ret = TAKE_PTR(key);
        return 0;
}

int keystore_wrap_for(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const uint8_t recipient_pk[32],
                      uint8_t ret[KEYSTORE_SEALED_SIZE])
{
        _cleanup_(secret_freep) Secret *key = NULL;
        int r;

        assert_return(ks && key_id && recipient_pk && ret, -EINVAL);
        r = keystore_get(ks, key_id, &key);
        if (r < 0)
                return r;
        if (crypto_box_seal(ret, key->bytes, KEYSTORE_KEY_SIZE, recipient_pk) != 0)
                return -EIO;
        return 0;
}

int keystore_import(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE],
                    const uint8_t sealed[KEYSTORE_SEALED_SIZE], const uint8_t our_pk[32],
                    const Secret *our_sk)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_secmem_ uint8_t *key = NULL;
        int r;

        assert_return(ks && key_id && sealed && our_pk && our_sk && our_sk->size == 32, -EINVAL);
        r = db_prepare(ks->db, "SELECT destroyed FROM patron_key WHERE key_id = ?;", &st);
        if (r < 0)
                return r;
        r = db_bind_blob(st, 1, key_id, ENTRY_KEY_ID_SIZE);
        if (r < 0)
                return r;
        r = db_step(st);
        if (r < 0)
                return r;
        if (r == 1 && sqlite3_column_int(st, 0))
                return -ENOKEY;
        key = secmem_alloc(KEYSTORE_KEY_SIZE);
        if (!key)
                return -ENOMEM;
        if (crypto_box_seal_open(key, sealed, KEYSTORE_SEALED_SIZE, our_pk, our_sk->bytes) != 0)
                return -EBADMSG;
        return store_key(ks, key_id, key);
}

int keystore_destroy(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE])
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        assert_return(ks && key_id, -EINVAL);
        /* secure_delete (lib/db.c) zeroes the freed page content. */
        r = db_prepare(ks->db,
                       "INSERT INTO patron_key (key_id, wrapped, destroyed) VALUES (?, NULL, 1) "
                       "ON CONFLICT (key_id) DO UPDATE SET wrapped = NULL, destroyed = 1;",
                       &st);
        if (r < 0)
                return r;
        r = db_bind_blob(st, 1, key_id, ENTRY_KEY_ID_SIZE);
        if (r < 0)
                return r;
        r = db_step(st);
        return r < 0 ? r : 0;
}

/* AD for a field: key id || field || patron id. */
static size_t field_ad(const uint8_t key_id[ENTRY_KEY_ID_SIZE], const char *patron, uint8_t field,
                       uint8_t ad[ENTRY_KEY_ID_SIZE + 1 + ENTRY_ID_MAX])
{
        size_t n = strnlen(patron, ENTRY_ID_MAX);

        memcpy(ad, key_id, ENTRY_KEY_ID_SIZE);
        ad[ENTRY_KEY_ID_SIZE] = field;
        memcpy(ad + ENTRY_KEY_ID_SIZE + 1, patron, n);
        return ENTRY_KEY_ID_SIZE + 1 + n;
}

int field_seal(const Secret *key, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const char *patron, uint8_t field,
               const void *plaintext, size_t len, uint8_t *ct, size_t ct_size)
{
        uint8_t ad[ENTRY_KEY_ID_SIZE + 1 + ENTRY_ID_MAX];
        size_t adlen;

        assert_return(key && key->size == KEYSTORE_KEY_SIZE && key_id && patron && ct, -EINVAL);
        assert_return(plaintext || len == 0, -EINVAL);
        if (len > FIELD_PLAINTEXT_MAX || ct_size < len + FIELD_CT_OVERHEAD)
                return -E2BIG;
        adlen = field_ad(key_id, patron, field, ad);
        randombytes_buf(ct, NONCE);
        crypto_aead_xchacha20poly1305_ietf_encrypt(ct + NONCE, NULL, plaintext, len, ad, adlen, NULL, ct,
                                                   key->bytes);
        return (int)(len + FIELD_CT_OVERHEAD);
}

int field_open(const Secret *key, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const char *patron, uint8_t field,
               const uint8_t *ct, size_t ct_len, Secret **ret)
{
        _cleanup_(secret_freep) Secret *pt = NULL;
        uint8_t ad[ENTRY_KEY_ID_SIZE + 1 + ENTRY_ID_MAX];
        size_t adlen;
        int r;

        assert_return(key && key->size == KEYSTORE_KEY_SIZE && key_id && patron && ct && ret, -EINVAL);
        if (ct_len < FIELD_CT_OVERHEAD || ct_len > ENTRY_CT_MAX)
                return -EBADMSG;
        r = secret_new(ct_len - FIELD_CT_OVERHEAD, &pt);
        if (r < 0)
                return r;
        adlen = field_ad(key_id, patron, field, ad);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt->bytes, NULL, NULL, ct + NONCE, ct_len - NONCE, ad,
                                                       adlen, ct, key->bytes) != 0)
                return -EBADMSG;
        *ret = TAKE_PTR(pt);
        return 0;
}

int keystore_read_patron_field(KeyStore *ks, const char *patron, uint8_t field, Secret **ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_(secret_freep) Secret *key = NULL;
        uint8_t key_id[ENTRY_KEY_ID_SIZE];
        int r;

        assert_return(ks && patron && ret, -EINVAL);
        r = db_prepare(ks->db,
                       "SELECT p.erased, p.key_id, f.ct FROM patron p LEFT JOIN patron_field f "
                       "ON f.patron = p.id AND f.field = ? WHERE p.id = ?;",
                       &st);
        if (r < 0)
                return r;
        r = db_bind_int64(st, 1, field);
        if (r >= 0)
                r = db_bind_text(st, 2, patron);
        if (r < 0)
                return r;
        r = db_step(st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        if (sqlite3_column_int(st, 0))
                return -ENOKEY; /* the anonymous stub */
        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
                return -ENOENT;
        if (sqlite3_column_bytes(st, 1) != ENTRY_KEY_ID_SIZE)
                return -EUCLEAN; /* a field without a key id: damaged */
        memcpy(key_id, sqlite3_column_blob(st, 1), ENTRY_KEY_ID_SIZE);
        r = keystore_get(ks, key_id, &key);
        if (r < 0)
                return r;
        return field_open(key, key_id, patron, field, sqlite3_column_blob(st, 2),
                          (size_t)sqlite3_column_bytes(st, 2), ret);
}
