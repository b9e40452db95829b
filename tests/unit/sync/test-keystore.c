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
static SyncStore *j;
static KeyStore *ks;

static int setup(void **state)
{
        Secret *dbkey;

        dir = test_tmpdir();
        snprintf(path, sizeof path, "%s/store.db", dir);
        j = store_open(path);
        assert_int_equal(secret_new(KEYSTORE_DB_KEY_SIZE, &dbkey), 0);
        randombytes_buf(dbkey->bytes, dbkey->size);
        assert_int_equal(keystore_open(sync_store_db(j), dbkey, &ks), 0);
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
        SyncStore *j2;
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
        assert_int_equal(keystore_open(sync_store_db(j2), dbkey2, &other), 0);
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

/* A register or update of patron with one real encrypted field under a
 * fresh key of ks; the key id in ret_id. ct must outlive the append. */
static Entry sealed_field(EntryKind kind, const char *patron, uint8_t field, const char *plaintext,
                          uint64_t base, uint8_t ret_id[ENTRY_KEY_ID_SIZE], uint8_t ct[256])
{
        Entry e = mk(kind, patron, NULL);
        Secret *key;
        int n;

        assert_int_equal(keystore_create(ks, ret_id), 0);
        assert_int_equal(keystore_get(ks, ret_id, &key), 0);
        n = field_seal(key, ret_id, patron, field, plaintext, strlen(plaintext), ct, 256);
        assert_true(n > 0);
        secret_free(key);
        memcpy(e.key_id, ret_id, ENTRY_KEY_ID_SIZE);
        e.present |= (1u << BODY_KEY_ID) | (1u << BODY_FIELDS);
        e.fields[0] = (EntryField){ .id = field, .base = base, .ct = ct, .ct_len = (size_t)n };
        e.n_fields = 1;
        return e;
}

static void test_crypto_shredding(void **state)
{
        Desk *d = desk_get(1);
        uint8_t id[ENTRY_KEY_ID_SIZE], ct[256];
        char wal[600];
        Secret *pt = NULL;

        /* Register a patron with a real encrypted name. */
        put(j, d, 1000, sealed_field(ENTRY_PATRON_REGISTER, "P1", PATRON_FIELD_NAME, PLANTED, 0, id, ct));
        put(j, d, 1100, mk(ENTRY_ITEM_ADD, NULL, "B1"));
        put(j, d, 1200, mk_due(ENTRY_CHECKOUT, "P1", "B1", 5000));
        put(j, d, 1300, mk(ENTRY_CHECKIN, NULL, "B1"));
        put(j, d, 1400, mk(ENTRY_HOLD_PLACE, "P1", "B1"));
        put(j, d, 1500, mk_amount(ENTRY_FINE, "P1", 100, NULL));
        put(j, d, 1600, mk_amount(ENTRY_PAYMENT, "P1", 100, "R1"));
        put(j, d, 1700, mk(ENTRY_VISIT, "P1", NULL));

        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), 0);
        assert_memory_equal(pt->bytes, PLANTED, strlen(PLANTED));
        secret_free(pt);

        /* Nothing personal in the clear on disk. */
        snprintf(wal, sizeof wal, "%s-wal", path);
        assert_false(file_contains(path, PLANTED));
        assert_false(file_contains(wal, PLANTED));

        /* Erase (the entry may come from any node): applying it destroys
         * the key, in the same transaction; nobody calls a shred. */
        put(j, d, 2000, mk(ENTRY_PATRON_ERASE, "P1", NULL));
        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), -ENOKEY);
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_field;"), 0);
        /* The journal still holds the ciphertext, now unreadable... */
        assert_int_equal(keystore_get(ks, id, &pt), -ENOKEY);
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_key WHERE wrapped IS NOT NULL;"), 0);
        /* ...and the chain over it still verifies. */
        assert_int_equal(journal_verify_chain(sync_store_journal(j), d->signer->origin, d->signer->pk, NULL),
                         9);
        /* The stub is linked to nothing: no loan, hold, account, payment
         * or visit names it. A re-fold from the journal gives the same. */
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1)
                        assert_int_equal(sync_store_rebuild(j), 9);
                assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), -ENOKEY);
                assert_int_equal(q_int(j, "SELECT erased FROM patron WHERE id = 'P1';"), 1);
                assert_int_equal(q_int(j,
                                       "SELECT count(*) FROM patron WHERE key_id IS NOT NULL OR visits != 0 "
                                       "OR last_visit IS NOT NULL;"),
                                 0);
                assert_int_equal(
                        q_int(j, "SELECT count(*) FROM loan WHERE patron IS NULL AND anonymised = 1;"), 1);
                assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE patron IS NOT NULL;"), 0);
                assert_int_equal(q_int(j, "SELECT count(*) FROM hold WHERE patron IS NOT NULL;"), 0);
                assert_int_equal(q_int(j, "SELECT count(*) FROM hold;"), 1);
                assert_int_equal(q_int(j, "SELECT count(*) FROM account;"), 0);
                assert_int_equal(q_int(j, "SELECT count(*) FROM payment;"), 0);
        }
}

/* Defect: a key rotation (an update under a new key id) before the
 * erasure left the registration's key alive, and the registration's name
 * readable with it. Every key id the patron's entries named goes. */
static void test_shred_every_rotated_key(void **state)
{
        Desk *d = desk_get(1);
        uint8_t k1[ENTRY_KEY_ID_SIZE], k2[ENTRY_KEY_ID_SIZE], ct1[256], ct2[256];
        Secret *pt = NULL;

        put(j, d, 1000, sealed_field(ENTRY_PATRON_REGISTER, "P1", PATRON_FIELD_NAME, PLANTED, 0, k1, ct1));
        put(j, d, 1100,
            sealed_field(ENTRY_PATRON_UPDATE, "P1", PATRON_FIELD_EMAIL, "z@example.org", 0, k2, ct2));
        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_EMAIL, &pt), 0);
        secret_free(pt);
        put(j, d, 2000, mk(ENTRY_PATRON_ERASE, "P1", NULL));
        assert_int_equal(keystore_get(ks, k1, &pt), -ENOKEY);
        assert_int_equal(keystore_get(ks, k2, &pt), -ENOKEY);
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_key WHERE destroyed = 0;"), 0);
}

/* Defect: an erasure recorded at an earlier HLC than the registration it
 * erases (a desk whose clock runs behind) never reached the registration's
 * key. The intent is "this subject, forever", whatever the order. */
static void test_shred_erasure_sorted_first(void **state)
{
        Desk *late = desk_get(1), *behind = desk_get(2);
        uint8_t k1[ENTRY_KEY_ID_SIZE], ct[256];
        Secret *pt = NULL;

        put(j, behind, 500, mk(ENTRY_PATRON_ERASE, "P1", NULL));
        put(j, late, 1000, sealed_field(ENTRY_PATRON_REGISTER, "P1", PATRON_FIELD_NAME, PLANTED, 0, k1, ct));
        assert_true(q_int(j, "SELECT erased_hlc FROM patron WHERE id = 'P1';") <
                    q_int(j, "SELECT max(hlc) FROM journal;"));
        assert_int_equal(keystore_get(ks, k1, &pt), -ENOKEY);
        assert_int_equal(keystore_read_patron_field(ks, "P1", PATRON_FIELD_NAME, &pt), -ENOKEY);
        assert_int_equal(n_exc(j, EXC_SUBJECT_ERASED), 1);
}

/* Defect: a node that folded the erasure before it held the key kept no
 * record of it, and a later import made the key usable. The tombstone
 * comes first; not held and erased are told apart. */
static void test_tombstone_before_import(void **state)
{
        Desk *d = desk_get(1);
        uint8_t id[ENTRY_KEY_ID_SIZE], sealed[KEYSTORE_SEALED_SIZE], pk[32], ct[256];
        Secret *sk, *pt = NULL, *dbkey;
        KeyStore *ks2;
        SyncStore *j2;
        Batch b;
        VersionVector vv;
        ExchangeResult res[4];
        Hlc clock;
        char p2[600];

        put(j, d, 1000, sealed_field(ENTRY_PATRON_REGISTER, "P1", PATRON_FIELD_NAME, PLANTED, 0, id, ct));
        assert_int_equal(secret_new(32, &sk), 0);
        crypto_box_keypair(pk, sk->bytes);
        assert_int_equal(keystore_wrap_for(ks, id, pk, sealed), 0);
        put(j, d, 2000, mk(ENTRY_PATRON_ERASE, "P1", NULL));

        /* A second node receives both entries, but not the key. */
        snprintf(p2, sizeof p2, "%s/second.db", dir);
        j2 = store_open(p2);
        assert_int_equal(secret_new(KEYSTORE_DB_KEY_SIZE, &dbkey), 0);
        randombytes_buf(dbkey->bytes, dbkey->size);
        assert_int_equal(keystore_open(sync_store_db(j2), dbkey, &ks2), 0);
        assert_int_equal(version_vector_get(sync_store_journal(j2), &vv), 0);
        assert_int_equal(exchange_batch_build(sync_store_journal(j), &vv, 0, 0, &b), 0);
        version_vector_done(&vv);
        hlc_init(&clock, 0);
        assert_int_equal(sync_store_apply(j2, &test_trust, &clock, 10000, &b, res), 2);
        /* The key arrives afterwards: refused, forever. */
        assert_int_equal(keystore_import(ks2, id, sealed, pk, sk), -ENOKEY);
        assert_int_equal(keystore_get(ks2, id, &pt), -ENOKEY);
        assert_int_equal(keystore_read_patron_field(ks2, "P1", PATRON_FIELD_NAME, &pt), -ENOKEY);
        /* A key this node never held is "not held", not "erased". */
        assert_int_equal(keystore_get(ks2, (uint8_t[ENTRY_KEY_ID_SIZE]){ 7 }, &pt), -ENODATA);
        batch_done(&b);
        keystore_free(ks2);
        store_close(j2);
        secret_free(dbkey);
        secret_free(sk);
}

/* A patron whose key this node does not hold reads as -ENODATA (shown as an
 * opaque id), not as erased. */
static void test_key_not_held(void **state)
{
        Desk *d = desk_get(1);
        Secret *pt = NULL;

        /* mk_field names key id 11..11, which ks never held. */
        put(j, d, 1000, mk_field(ENTRY_PATRON_REGISTER, "P9", PATRON_FIELD_NAME, 0, 3));
        assert_int_equal(keystore_read_patron_field(ks, "P9", PATRON_FIELD_NAME, &pt), -ENODATA);
        assert_int_equal(keystore_read_patron_field(ks, "P9", PATRON_FIELD_EMAIL, &pt), -ENOENT);
        assert_int_equal(keystore_read_patron_field(ks, "nobody", PATRON_FIELD_NAME, &pt), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_get_destroy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrap_for_recipient, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crypto_shredding, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shred_every_rotated_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shred_erasure_sorted_first, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tombstone_before_import, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_not_held, setup, teardown),
        };
        return cmocka_run_group_tests_name("sync/keystore", tests, NULL, NULL);
}
