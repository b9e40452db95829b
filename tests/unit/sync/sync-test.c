/* See sync-test.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

static Desk *desks[TEST_MAX_DESKS + 1];

Desk *desk_get(unsigned n)
{
        uint8_t origin[ENTRY_ORIGIN_SIZE] = { 0 }, seed[32] = { 0 };

        assert_true(n >= 1 && n <= TEST_MAX_DESKS);
        if (!desks[n]) {
                desks[n] = calloc(1, sizeof(Desk));
                assert_non_null(desks[n]);
                origin[0] = 0xde;
                origin[15] = (uint8_t)n;
                seed[0] = (uint8_t)n;
                assert_int_equal(journal_signer_new(origin, seed, &desks[n]->signer), 0);
                hlc_init(&desks[n]->clock, 0);
        }
        return desks[n];
}

void desks_free(void)
{
        for (unsigned i = 0; i <= TEST_MAX_DESKS; i++) {
                if (desks[i])
                        journal_signer_free(desks[i]->signer);
                free(desks[i]);
                desks[i] = NULL;
        }
}

static int lookup(void *userdata, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint8_t ret_pk[32],
                  uint64_t *ret_revoked)
{
        for (unsigned i = 1; i <= TEST_MAX_DESKS; i++)
                if (desks[i] && memcmp(desks[i]->signer->origin, origin, ENTRY_ORIGIN_SIZE) == 0) {
                        memcpy(ret_pk, desks[i]->signer->pk, 32);
                        *ret_revoked = desks[i]->revoked ? desks[i]->revoked_hlc : 0;
                        return 0;
                }
        return -ENOENT;
}

static int authorize(void *userdata, const char *actor, EntryKind kind, uint64_t hlc)
{
        return strcmp(actor, "intruder") != 0;
}

const SyncTrust test_trust = { .device_lookup = lookup, .authorize = authorize };

SyncStore *store_open(const char *path)
{
        sqlite3 *db;
        SyncStore *j;

        if (path)
                assert_int_equal(db_open(path, DB_OPEN_CREATE, &db), 0);
        else {
                assert_int_equal(
                        sqlite3_open_v2(":memory:", &db,
                                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                        NULL),
                        SQLITE_OK);
                assert_int_equal(db_exec(db, "PRAGMA foreign_keys=ON;"), 0);
        }
        assert_int_equal(sync_store_open(db, &j), 0);
        return j;
}

void store_close(SyncStore *j)
{
        sqlite3 *db;

        if (!j)
                return;
        db = sync_store_db(j);
        sync_store_free(j);
        /* Every statement must be finalized by now: a plain close fails
         * with SQLITE_BUSY otherwise. */
        for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
                print_message("unfinalized: %s\n", sqlite3_sql(st));
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

Entry mk(EntryKind k, const char *patron, const char *item)
{
        Entry e = { .kind = k };

        strcpy(e.actor, "staff1");
        if (patron)
                assert_int_equal(entry_set_string(&e, BODY_PATRON, patron), 0);
        if (item)
                assert_int_equal(entry_set_string(&e, BODY_ITEM, item), 0);
        return e;
}

Entry mk_due(EntryKind k, const char *patron, const char *item, uint64_t due)
{
        Entry e = mk(k, patron, item);
        entry_set_uint(&e, BODY_DUE, due);
        return e;
}

Entry mk_amount(EntryKind k, const char *patron, uint64_t amount, const char *payment_id)
{
        Entry e = mk(k, patron, NULL);
        entry_set_uint(&e, BODY_AMOUNT, amount);
        if (payment_id)
                assert_int_equal(entry_set_string(&e, BODY_PAYMENT_ID, payment_id), 0);
        return e;
}

/* Fake ciphertexts: the fold never decrypts. Static storage per fill byte. */
static uint8_t fake_ct[256][48];

Entry mk_field(EntryKind k, const char *patron, uint8_t field, uint64_t base, uint8_t fill)
{
        Entry e = mk(k, patron, NULL);

        memset(fake_ct[fill], fill, sizeof fake_ct[fill]);
        memset(e.key_id, 0x11, sizeof e.key_id);
        e.present |= 1u << BODY_KEY_ID;
        e.present |= 1u << BODY_FIELDS;
        e.fields[0] = (EntryField){ .id = field, .base = base, .ct = fake_ct[fill], .ct_len = 48 };
        e.n_fields = 1;
        return e;
}

int64_t put(SyncStore *j, Desk *d, uint64_t ms, Entry e)
{
        int64_t r = sync_store_append(j, d->signer, &test_trust, &d->clock, ms, &e, 1, 0);
        assert_true(r > 0);
        return r;
}

int64_t q_int(SyncStore *j, const char *sql)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;

        assert_int_equal(sqlite3_prepare_v2(sync_store_db(j), sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(db_step(st), 1);
        return sqlite3_column_int64(st, 0);
}

int64_t n_exc(SyncStore *j, FoldException code)
{
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM exception WHERE code = %d;", code);
        return q_int(j, sql);
}

void digest_of(SyncStore *j, uint8_t out[32])
{
        assert_int_equal(sync_store_digest(j, out), 0);
}

char *index_dump(SyncStore *j)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char *dump;

        assert_int_equal(
                sqlite3_prepare_v2(sync_store_db(j),
                                   "SELECT (SELECT through FROM index_state) || ' ' ||"
                                   "  (SELECT ifnull(group_concat(entity || ',' || jid || ',' || "
                                   "ifnull(link, '-'), ';'), '')"
                                   "   FROM (SELECT * FROM entity_entry ORDER BY entity, jid)) || ' ' ||"
                                   "  (SELECT ifnull(group_concat(patron || ',' || item, ';'), '')"
                                   "   FROM (SELECT * FROM patron_item ORDER BY patron, item));",
                                   -1, &st, NULL),
                SQLITE_OK);
        assert_int_equal(db_step(st), 1);
        dump = strdup((const char *)sqlite3_column_text(st, 0));
        assert_non_null(dump);
        return dump;
}
