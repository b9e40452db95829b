/* sync/keystore: per-patron keys (create, wrap for a recipient, import,
 * destroy), field AEAD bound to key id, patron and field, and end-to-end
 * crypto-shredding: after erasure and key destruction every reader sees the
 * anonymous stub, the chain still verifies, a re-fold stays a stub, and no
 * personal plaintext was ever written to the database files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "lib/fileio.h"
#include "sync/keystore.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

#define PLANTED "Zelda Quixote-Planted"

static char *dir;
static char path[512];
static Journal *j;
static KeyStore *ks;

static int setup(void **state)
{
        Secret *dbkey;

        dir = test_tmpdir();
        snprintf(path, sizeof path, "%s/store.db", dir);
        j = store_open(path);
        assert_int_equal(secret_new(KEYSTORE_DB_KEY_SIZE, &dbkey), 0);
        randombytes_buf(dbkey->bytes, dbkey->size);
        assert_int_equal(keystore_open(journal_db(j), dbkey, &ks), 0);
        secret_free(dbkey);
        return 0;
}

static int teardown(void **state)
{
        keystore_free(ks);
        store_close(j);
        desks_free();
        test_rmtree(dir);
        free(dir);
        return 0;
}

static void test_create_get_destroy(void **state)
{
        uint8_t id[ENTRY_KEY_ID_SIZE], ct[256];
        Secret *k1 = NULL, *k2 = NULL, *pt = NULL;
        int n;

        assert_int_equal(keystore_create(ks, id), 0);
        assert_int_equal(keystore_get(ks, id, &k1), 0);
        assert_int_equal(keystore_get(ks, id, &k2), 0);
        assert_memory_equal(k1->bytes, k2->bytes, KEYSTORE_KEY_SIZE);
        n = field_seal(k1, id, "P1", PATRON_FIELD_NAME, "Ada", 3, ct, sizeof ct);
        assert_int_equal(n, 3 + FIELD_CT_OVERHEAD);
        assert_int_equal(field_open(k1, id, "P1", PATRON_FIELD_NAME, ct, (size_t)n, &pt), 0);
        assert_int_equal(pt->size, 3);
        assert_memory_equal(pt->bytes, "Ada", 3);
        secret_free(pt);
        /* Bound to patron and field: no moving ciphertext around. */
        assert_int_equal(field_open(k1, id, "P2", PATRON_FIELD_NAME, ct, (size_t)n, &pt), -EBADMSG);
        assert_int_equal(field_open(k1, id, "P1", PATRON_FIELD_EMAIL, ct, (size_t)n, &pt), -EBADMSG);
        ct[30] ^= 1;
        assert_int_equal(field_open(k1, id, "P1", PATRON_FIELD_NAME, ct, (size_t)n, &pt), -EBADMSG);

        assert_int_equal(keystore_destroy(ks, id), 0);
        assert_int_equal(keystore_destroy(ks, id), 0); /* idempotent */
        assert_int_equal(keystore_get(ks, id, &pt), -ENOKEY);
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_key WHERE wrapped IS NOT NULL;"), 0);
        secret_free(k1);
        secret_free(k2);
}

static void test_wrap_for_recipient(void **state)
{
        uint8_t id[ENTRY_KEY_ID_SIZE], sealed[KEYSTORE_SEALED_SIZE], pk[32];
        Secret *sk, *k1 = NULL, *k2 = NULL;
        KeyStore *other;
        Journal *j2;
        Secret *dbkey2;
        char p2[600];

        assert_int_equal(secret_new(32, &sk), 0);
        crypto_box_keypair(pk, sk->bytes);
        assert_int_equal(keystore_create(ks, id), 0);
        assert_int_equal(keystore_wrap_for(ks, id, pk, sealed), 0);

        snprintf(p2, sizeof p2, "%s/other.db", dir);
        j2 = store_open(p2);
        assert_int_equal(secret_new(KEYSTORE_DB_KEY_SIZE, &dbkey2), 0);
        randombytes_buf(dbkey2->bytes, dbkey2->size);
        assert_int_equal(keystore_open(journal_db(j2), dbkey2, &other), 0);
        assert_int_equal(keystore_import(other, id, sealed, pk, sk), 0);
        assert_int_equal(keystore_get(ks, id, &k1), 0);
        assert_int_equal(keystore_get(other, id, &k2), 0);
        assert_memory_equal(k1->bytes, k2->bytes, KEYSTORE_KEY_SIZE);
        /* Erasure wins: a destroyed key is never imported again. */
        assert_int_equal(keystore_destroy(other, id), 0);
        assert_int_equal(keystore_import(other, id, sealed, pk, sk), -ENOKEY);
        sealed[5] ^= 1;
        assert_int_equal(keystore_import(other, (uint8_t[ENTRY_KEY_ID_SIZE]){ 9 }, sealed, pk, sk),
                         -EBADMSG);
        secret_free(k1);
        secret_free(k2);
        secret_free(sk);
        secret_free(dbkey2);
        keystore_free(other);
        store_close(j2);
}

/* True if needle occurs in the file at p (missing file: false). */
static bool file_contains(const char *p, const char *needle)
{
        char *data;
        size_t size;
        bool found;

        if (read_file_bounded(p, 64 * 1024 * 1024, &data, &size) < 0)
                return false;
        found = memmem(data, size, needle, strlen(needle)) != NULL;
        free(data);
        return found;
}

static void test_crypto_shredding(void **state)
{
        Desk *d = desk_get(1);
        uint8_t id[ENTRY_KEY_ID_SIZE], ct[256];
        char wal[600];
        Secret *key, *pt = NULL;
        Entry e = mk(ENTRY_PATRON_REGISTER, "P1", NULL);
        int n;

        /* Register a patron with a real encrypted name. */
        assert_int_equal(keystore_create(ks, id), 0);
        assert_int_equal(keystore_get(ks, id, &key), 0);
        n = field_seal(key, id, "P1", PATRON_FIELD_NAME, PLANTED, strlen(PLANTED), ct, sizeof ct);
        assert_true(n > 0);
        memcpy(e.key_id, id, sizeof id);
        e.present |= (1u << BODY_KEY_ID) | (1u << BODY_FIELDS);
        e.fields[0] = (EntryField){ .id = PATRON_FIELD_NAME, .ct = ct, .ct_len = (size_t)n };
        e.n_fields = 1;
        put(j, d, 1000, e);
        put(j, d, 1100, mk(ENTRY_ITEM_ADD, NULL, "B1"));
        put(j, d, 1200, mk_due(ENTRY_CHECKOUT, "P1", "B1", 5000));

        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), 0);
        assert_memory_equal(pt->bytes, PLANTED, strlen(PLANTED));
        secret_free(pt);

        /* Nothing personal in the clear on disk. */
        snprintf(wal, sizeof wal, "%s-wal", path);
        assert_false(file_contains(path, PLANTED));
        assert_false(file_contains(wal, PLANTED));

        /* Erase: the entry (from any node), then the key it names. */
        put(j, d, 2000, mk(ENTRY_PATRON_ERASE, "P1", NULL));
        assert_int_equal(keystore_shred_erased(ks), 1);
        assert_int_equal(keystore_shred_erased(ks), 0);
        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), -ENOKEY);
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_field;"), 0);
        /* The journal still holds the ciphertext, now unreadable... */
        assert_int_equal(keystore_get(ks, id, &pt), -ENOKEY);
        /* ...and the chain over it still verifies. */
        assert_int_equal(journal_verify_chain(j, d->signer->origin, d->signer->pk, NULL), 4);
        /* A re-fold from the journal stays the stub; the loan keeps its
         * opaque link to the stub. */
        assert_int_equal(fold_rebuild(j), 4);
        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), -ENOKEY);
        assert_int_equal(q_int(j, "SELECT erased FROM patron WHERE id = 'P1';"), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE patron = 'P1';"), 1);
        secret_free(key);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_get_destroy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrap_for_recipient, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crypto_shredding, setup, teardown),
        };
        return cmocka_run_group_tests_name("sync/keystore", tests, NULL, NULL);
}
