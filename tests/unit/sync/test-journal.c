/* sync/journal: group-commit append, durability across reopen, per-origin
 * ranges, the version vector tip, chain-head signing, whole-chain
 * verification and the quarantine table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

static char *dir;
static char path[512];

static int setup(void **state)
{
        dir = test_tmpdir();
        snprintf(path, sizeof path, "%s/journal.db", dir);
        return 0;
}

static int teardown(void **state)
{
        desks_free();
        test_rmtree(dir);
        free(dir);
        return 0;
}

static void append_n(SyncStore *j, Desk *d, unsigned n, uint64_t ms)
{
        Entry *e = calloc(n, sizeof *e);
        char bc[16];

        for (unsigned i = 0; i < n; i++) {
                snprintf(bc, sizeof bc, "B%u", i);
                e[i] = mk(ENTRY_ITEM_ADD, NULL, bc);
        }
        assert_true(sync_store_append(j, d->signer, &test_trust, &d->clock, ms, e, n, SYNC_APPEND_NO_FOLD) >
                    0);
        /* Filled in by the append. */
        assert_memory_equal(e[0].origin, d->signer->origin, ENTRY_ORIGIN_SIZE);
        for (unsigned i = 1; i < n; i++) {
                assert_int_equal(e[i].seq, e[i - 1].seq + 1);
                assert_true(e[i].hlc > e[i - 1].hlc);
        }
        free(e);
}

typedef struct Seen {
        uint64_t first, last, n, signed_n;
        uint8_t prev[ENTRY_HASH_SIZE];
        bool chain_ok;
} Seen;

static int seen_cb(const JournalRow *row, void *userdata)
{
        Seen *s = userdata;
        Entry e;

        if (s->n == 0)
                s->first = row->seq;
        else if (row->seq != s->last + 1)
                s->chain_ok = false;
        assert_int_equal(entry_decode(row->bytes, row->size, &e), 0);
        if (s->n > 0 && memcmp(e.prev, s->prev, ENTRY_HASH_SIZE) != 0)
                s->chain_ok = false;
        memcpy(s->prev, row->hash, ENTRY_HASH_SIZE);
        s->last = row->seq;
        s->n++;
        s->signed_n += row->has_sig;
        return 0;
}

static void test_append_read_verify(void **state)
{
        SyncStore *j = store_open(path);
        Desk *d = desk_get(1), *d2 = desk_get(2);
        Seen s = { .chain_ok = true };
        uint8_t tip_hash[ENTRY_HASH_SIZE];
        uint64_t tip;

        append_n(j, d, 600, 1000); /* signed at 256, 512 and 600 */
        append_n(j, d, 3, 2000); /* signed at 603 */
        append_n(j, d2, 5, 1500);
        assert_int_equal(journal_read_range(sync_store_journal(j), d->signer->origin, 1, 0, seen_cb, &s),
                         603);
        assert_true(s.chain_ok);
        assert_int_equal(s.signed_n, 4);
        assert_int_equal(journal_tip(sync_store_journal(j), d->signer->origin, &tip, tip_hash), 0);
        assert_int_equal(tip, 603);
        assert_memory_equal(tip_hash, s.prev, ENTRY_HASH_SIZE);
        /* A range with a start and a limit. */
        s = (Seen){ .chain_ok = true };
        assert_int_equal(journal_read_range(sync_store_journal(j), d->signer->origin, 100, 10, seen_cb, &s),
                         10);
        assert_int_equal(s.first, 100);
        assert_int_equal(s.last, 109);
        assert_int_equal(journal_verify_chain(sync_store_journal(j), d->signer->origin, d->signer->pk, NULL),
                         603);
        assert_int_equal(
                journal_verify_chain(sync_store_journal(j), d2->signer->origin, d2->signer->pk, NULL), 5);
        /* The wrong key does not verify. */
        assert_int_equal(
                journal_verify_chain(sync_store_journal(j), d2->signer->origin, d->signer->pk, NULL),
                -EBADMSG);
        store_close(j);

        /* Durable: a reopen sees everything, and appends continue the chain. */
        j = store_open(path);
        assert_int_equal(journal_tip(sync_store_journal(j), d->signer->origin, &tip, tip_hash), 0);
        assert_int_equal(tip, 603);
        append_n(j, d, 2, 3000);
        assert_int_equal(journal_verify_chain(sync_store_journal(j), d->signer->origin, d->signer->pk, NULL),
                         605);
        store_close(j);
}

static void test_failed_append_stores_nothing(void **state)
{
        SyncStore *j = store_open(path);
        Desk *d = desk_get(1);
        Entry e[3] = { mk(ENTRY_ITEM_ADD, NULL, "A"), mk(ENTRY_CHECKOUT, "P1", "A") /* no due date */,
                       mk(ENTRY_ITEM_ADD, NULL, "C") };
        uint8_t h[ENTRY_HASH_SIZE];
        uint64_t tip;

        assert_int_equal(sync_store_append(j, d->signer, &test_trust, &d->clock, 1000, e, 3, 0), -EINVAL);
        assert_int_equal(q_int(j, "SELECT count(*) FROM journal;"), 0);
        assert_int_equal(journal_tip(sync_store_journal(j), d->signer->origin, &tip, h), 0);
        assert_int_equal(tip, 0);
        assert_int_equal(q_int(j, "SELECT count(*) FROM item;"), 0);
        store_close(j);
}

static void test_unsigned_head_fails_verification(void **state)
{
        SyncStore *j = store_open(path);
        Desk *d = desk_get(1);
        uint64_t bad = 0;

        append_n(j, d, 4, 1000);
        assert_int_equal(db_exec(sync_store_db(j), "UPDATE journal SET sig = NULL WHERE seq = 4;"), 0);
        assert_int_equal(journal_verify_chain(sync_store_journal(j), d->signer->origin, d->signer->pk, &bad),
                         -EBADMSG);
        assert_int_equal(bad, 4);
        store_close(j);
}

static void test_quarantine_table(void **state)
{
        SyncStore *j = store_open(path);
        uint8_t origin[ENTRY_ORIGIN_SIZE] = { 1 }, hash[ENTRY_HASH_SIZE] = { 2 };

        assert_int_equal(journal_quarantine(sync_store_journal(j), origin, 5, 77, hash, QUARANTINE_FORK,
                                            (const uint8_t *)"xx", 2),
                         0);
        assert_int_equal(
                journal_quarantine(sync_store_journal(j), NULL, 0, 0, hash, QUARANTINE_MALFORMED, NULL, 0),
                0);
        assert_int_equal(
                journal_quarantine(sync_store_journal(j), NULL, 0, 0, NULL, QUARANTINE_MALFORMED, NULL, 0),
                -EINVAL);
        assert_int_equal(journal_quarantine_count(sync_store_journal(j)), 2);
        /* A resend refused again for the same reason records nothing new. */
        assert_int_equal(journal_quarantine(sync_store_journal(j), origin, 5, 77, hash, QUARANTINE_FORK,
                                            (const uint8_t *)"xx", 2),
                         0);
        assert_int_equal(journal_quarantine_count(sync_store_journal(j)), 2);
        assert_int_equal(q_int(j, "SELECT reason FROM quarantine WHERE seq = 5;"), QUARANTINE_FORK);
        assert_string_equal(quarantine_reason_to_string(QUARANTINE_CLOCK_SKEW), "clock-skew");
        assert_null(quarantine_reason_to_string(_QUARANTINE_REASON_MAX));

        /* A flood of refused entries keeps only the newest records. */
        assert_int_equal(db_begin(sync_store_db(j)), 0);
        for (unsigned i = 0; i < JOURNAL_QUARANTINE_MAX + 10; i++) {
                memcpy(hash, &i, sizeof i); /* each a different entry */
                assert_int_equal(journal_quarantine(sync_store_journal(j), origin, i, 0, hash,
                                                    QUARANTINE_UNKNOWN_DEVICE, NULL, 0),
                                 0);
        }
        assert_int_equal(db_commit(sync_store_db(j)), 0);
        assert_int_equal(journal_quarantine_count(sync_store_journal(j)), JOURNAL_QUARANTINE_MAX);
        assert_int_equal(q_int(j, "SELECT max(seq) FROM quarantine;"), JOURNAL_QUARANTINE_MAX + 9);
        store_close(j);
}

static void test_newer_schema_refused(void **state)
{
        SyncStore *j = store_open(path);
        sqlite3 *db;
        SyncStore *j2;

        assert_int_equal(db_exec(sync_store_db(j), "INSERT INTO schema_version (version) VALUES (99);"), 0);
        store_close(j);
        assert_int_equal(db_open(path, 0, &db), 0);
        assert_int_equal(sync_store_open(db, &j2), -EPROTONOSUPPORT);
        db_close(db);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_append_read_verify, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failed_append_stores_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unsigned_head_fails_verification, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quarantine_table, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        };
        return cmocka_run_group_tests_name("sync/journal", tests, NULL, NULL);
}
