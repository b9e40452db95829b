/* See journal.h. */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#include "lib/secmem.h"
#include "sync/journal-internal.h"
#include "sync/schema.h"

static const char *const reason_names[_QUARANTINE_REASON_MAX] = {
        [QUARANTINE_NONE] = "none",
        [QUARANTINE_MALFORMED] = "malformed",
        [QUARANTINE_BAD_SIGNATURE] = "bad-signature",
        [QUARANTINE_UNSIGNED] = "unsigned",
        [QUARANTINE_BROKEN_CHAIN] = "broken-chain",
        [QUARANTINE_FORK] = "fork",
        [QUARANTINE_UNKNOWN_DEVICE] = "unknown-device",
        [QUARANTINE_REVOKED_DEVICE] = "revoked-device",
        [QUARANTINE_UNAUTHORIZED] = "unauthorized",
        [QUARANTINE_CLOCK_SKEW] = "clock-skew",
};

const char *quarantine_reason_to_string(QuarantineReason r)
{
        if (r < 0 || r >= _QUARANTINE_REASON_MAX)
                return NULL;
        return reason_names[r];
}

int journal_signer_new(const uint8_t origin[ENTRY_ORIGIN_SIZE], const uint8_t *seed, JournalSigner **ret)
{
        JournalSigner *s;
        int r;

        assert_return(origin && ret, -EINVAL);
        r = secmem_init();
        if (r < 0)
                return r;
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->sk = secmem_alloc(crypto_sign_SECRETKEYBYTES);
        if (!s->sk) {
                free(s);
                return -ENOMEM;
        }
        memcpy(s->origin, origin, ENTRY_ORIGIN_SIZE);
        if (seed)
                crypto_sign_seed_keypair(s->pk, s->sk, seed);
        else
                crypto_sign_keypair(s->pk, s->sk);
        *ret = s;
        return 0;
}

JournalSigner *journal_signer_free(JournalSigner *s)
{
        if (s) {
                secmem_free(s->sk);
                free(s);
        }
        return NULL;
}

Journal *journal_free(Journal *j)
{
        if (!j)
                return NULL;
        sqlite3_stmt **all[] = { &j->insert,  &j->tip_get, &j->tip_set, &j->quarantine,
                                 &j->hash_at, &j->range,   &j->by_id,   &j->quarantine_trim };
        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                sqlite3_finalize(*all[i]);
        db_inserter_free(j->index_entries);
        db_inserter_free(j->index_links);
        free(j);
        return NULL;
}

int journal_open(sqlite3 *db, Journal **ret)
{
        _cleanup_(journal_freep) Journal *j = NULL;
        int r;

        assert_return(db && ret, -EINVAL);
        r = secmem_init();
        if (r < 0)
                return r;
        r = sync_schema_apply(db);
        if (r < 0)
                return r;
        /* The fold and the exchange touch index pages all over the file: a
         * larger page cache and memory-mapped reads keep that off the
         * syscall path. Tuning only; durability is lib/db.c's (WAL, FULL). */
        r = db_exec(db, "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
                        "PRAGMA wal_autocheckpoint=" STRINGIFY(JOURNAL_WAL_AUTOCHECKPOINT) ";");
        if (r < 0)
                return r;
        j = calloc(1, sizeof *j);
        if (!j)
                return -ENOMEM;
        j->db = db;

        struct {
                sqlite3_stmt **st;
                const char *sql;
        } stmts[] = {
                { &j->insert, "INSERT INTO journal (origin, seq, hlc, kind, hash, bytes, sig, refused, "
                              "entity, link_patron) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);" },
                { &j->tip_get, "SELECT seq, hash FROM vv WHERE origin = ?;" },
                { &j->tip_set,
                  "INSERT INTO vv (origin, seq, hash) VALUES (?, ?, ?) "
                  "ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;" },
                { &j->quarantine, "INSERT OR IGNORE INTO quarantine (origin, seq, hlc, hash, reason, bytes) "
                                  "VALUES (?, ?, ?, ?, ?, ?);" },
                { &j->hash_at, "SELECT hash FROM journal WHERE origin = ? AND seq = ?;" },
                { &j->range, "SELECT id, seq, hlc, hash, bytes, sig, refused FROM journal "
                             "WHERE origin = ? AND seq >= ? ORDER BY seq;" },
                { &j->by_id,
                  "SELECT origin, seq, hlc, hash, bytes, sig, refused FROM journal WHERE id = ?;" },
                { &j->quarantine_trim, "DELETE FROM quarantine WHERE id <= ?;" },
        };
        for (size_t i = 0; i < ELEMENTSOF(stmts); i++) {
                r = db_prepare(db, stmts[i].sql, stmts[i].st);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(j);
        return 0;
}

int journal_checkpoint(Journal *j)
{
        assert_return(j, -EINVAL);
        return db_exec(j->db, "PRAGMA wal_checkpoint(PASSIVE);");
}

sqlite3 *journal_db(Journal *j)
{
        return j ? j->db : NULL;
}

/* Run a prepared statement that returns no rows, then reset it. */
static int run(sqlite3_stmt *st)
{
        int r = db_step(st);
        sqlite3_reset(st);
        return r < 0 ? r : 0;
}

int journal_insert_locked(Journal *j, const Entry *e, const uint8_t *bytes, size_t size,
                          const uint8_t hash[ENTRY_HASH_SIZE], const uint8_t *sig, bool refused,
                          int64_t *ret_id)
{
        char key[ENTRY_ID_MAX + 3];
        int64_t id;
        int r;

        entry_entity_key(e, key, sizeof key);
        r = db_bind_blob(j->insert, 1, e->origin, ENTRY_ORIGIN_SIZE);
        if (r >= 0)
                r = db_bind_int64(j->insert, 2, (int64_t)e->seq);
        if (r >= 0)
                r = db_bind_int64(j->insert, 3, (int64_t)e->hlc);
        if (r >= 0)
                r = db_bind_int64(j->insert, 4, e->kind);
        if (r >= 0)
                r = db_bind_blob(j->insert, 5, hash, ENTRY_HASH_SIZE);
        if (r >= 0)
                r = db_bind_blob(j->insert, 6, bytes, size);
        if (r >= 0)
                r = db_bind_blob(j->insert, 7, sig, sig ? ENTRY_SIG_SIZE : 0);
        if (r >= 0)
                r = db_bind_int64(j->insert, 8, refused);
        if (r >= 0)
                r = db_bind_text(j->insert, 9, key);
        if (r >= 0)
                r = db_bind_text(j->insert, 10,
                                 !entry_kind_is_patron_scoped(e->kind) && ENTRY_HAS(e, BODY_PATRON)
                                         ? e->patron
                                         : NULL);
        if (r < 0)
                return r;
        r = run(j->insert);
        if (r < 0)
                return r;
        id = sqlite3_last_insert_rowid(j->db);

        if (ret_id)
                *ret_id = id;
        return 0;
}

int journal_index_catch_up(Journal *j)
{
        int r;

        assert_return(j, -EINVAL);
        /* Sorted bulk inserts (SQLite's sorter orders the rows) walk the
         * index B-trees in order; OR IGNORE makes a re-run harmless. */
        r = db_exec(
                j->db,
                "INSERT OR IGNORE INTO entity_entry (entity, jid, link) "
                "  SELECT entity, id, link_patron FROM journal "
                "  WHERE id > (SELECT through FROM index_state) ORDER BY entity, id;"
                "INSERT OR IGNORE INTO patron_item (patron, item) "
                "  SELECT DISTINCT link_patron, substr(entity, 3) FROM journal "
                "  WHERE id > (SELECT through FROM index_state) AND link_patron IS NOT NULL ORDER BY 1, 2;"
                "UPDATE index_state SET through = (SELECT ifnull(max(id), 0) FROM journal);");
        return r;
}

int journal_index_rewrite(Journal *j, size_t n_entries, DbBindRow bind_entry, const void *entries,
                          size_t n_links, DbBindRow bind_link, const void *links)
{
        int r;

        r = db_exec(j->db, "DELETE FROM entity_entry; DELETE FROM patron_item;");
        if (r < 0)
                return r;
        if (!j->index_entries) {
                r = db_inserter_new(j->db, "INSERT INTO entity_entry (entity, jid, link)", 3,
                                    &j->index_entries);
                if (r < 0)
                        return r;
        }
        if (!j->index_links) {
                r = db_inserter_new(j->db, "INSERT INTO patron_item (patron, item)", 2, &j->index_links);
                if (r < 0)
                        return r;
        }
        r = db_inserter_run(j->index_entries, n_entries, bind_entry, entries);
        if (r < 0)
                return r;
        r = db_inserter_run(j->index_links, n_links, bind_link, links);
        if (r < 0)
                return r;
        return db_exec(j->db, "UPDATE index_state SET through = (SELECT ifnull(max(id), 0) FROM journal);");
}

int journal_index(Journal *j)
{
        int r;

        assert_return(j, -EINVAL);
        if (!sqlite3_get_autocommit(j->db))
                return journal_index_catch_up(j);
        r = db_begin(j->db);
        if (r < 0)
                return r;
        r = journal_index_catch_up(j);
        if (r >= 0)
                r = db_commit(j->db);
        if (r < 0)
                db_rollback(j->db);
        return r;
}

int journal_set_tip(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t seq,
                    const uint8_t hash[ENTRY_HASH_SIZE])
{
        int r;

        r = db_bind_blob(j->tip_set, 1, origin, ENTRY_ORIGIN_SIZE);
        if (r >= 0)
                r = db_bind_int64(j->tip_set, 2, (int64_t)seq);
        if (r >= 0)
                r = db_bind_blob(j->tip_set, 3, hash, ENTRY_HASH_SIZE);
        if (r < 0)
                return r;
        return run(j->tip_set);
}

int journal_tip(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t *ret_seq,
                uint8_t ret_hash[ENTRY_HASH_SIZE])
{
        int r;

        assert_return(j && origin && ret_seq && ret_hash, -EINVAL);
        r = db_bind_blob(j->tip_get, 1, origin, ENTRY_ORIGIN_SIZE);
        if (r < 0)
                return r;
        r = db_step(j->tip_get);
        if (r == 1) {
                *ret_seq = (uint64_t)sqlite3_column_int64(j->tip_get, 0);
                if (sqlite3_column_bytes(j->tip_get, 1) != ENTRY_HASH_SIZE)
                        r = -EUCLEAN;
                else
                        memcpy(ret_hash, sqlite3_column_blob(j->tip_get, 1), ENTRY_HASH_SIZE);
        } else if (r == 0) {
                *ret_seq = 0;
                memset(ret_hash, 0, ENTRY_HASH_SIZE);
        }
        sqlite3_reset(j->tip_get);
        return r < 0 ? r : 0;
}

int journal_hash_at(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t seq,
                    uint8_t ret_hash[ENTRY_HASH_SIZE])
{
        int r;

        r = db_bind_blob(j->hash_at, 1, origin, ENTRY_ORIGIN_SIZE);
        if (r >= 0)
                r = db_bind_int64(j->hash_at, 2, (int64_t)seq);
        if (r < 0)
                return r;
        r = db_step(j->hash_at);
        if (r == 1) {
                if (sqlite3_column_bytes(j->hash_at, 0) != ENTRY_HASH_SIZE)
                        r = -EUCLEAN;
                else
                        memcpy(ret_hash, sqlite3_column_blob(j->hash_at, 0), ENTRY_HASH_SIZE);
        }
        sqlite3_reset(j->hash_at);
        return r;
}

static int row_fill(sqlite3_stmt *st, int col_seq, JournalRow *row)
{
        /* Columns from col_seq: seq, hlc, hash, bytes, sig, refused. */
        row->seq = (uint64_t)sqlite3_column_int64(st, col_seq);
        row->hlc = (uint64_t)sqlite3_column_int64(st, col_seq + 1);
        if (sqlite3_column_bytes(st, col_seq + 2) != ENTRY_HASH_SIZE)
                return -EUCLEAN;
        memcpy(row->hash, sqlite3_column_blob(st, col_seq + 2), ENTRY_HASH_SIZE);
        row->bytes = sqlite3_column_blob(st, col_seq + 3);
        row->size = (size_t)sqlite3_column_bytes(st, col_seq + 3);
        row->has_sig = sqlite3_column_type(st, col_seq + 4) != SQLITE_NULL;
        if (row->has_sig) {
                if (sqlite3_column_bytes(st, col_seq + 4) != ENTRY_SIG_SIZE)
                        return -EUCLEAN;
                memcpy(row->sig, sqlite3_column_blob(st, col_seq + 4), ENTRY_SIG_SIZE);
        }
        row->refused = sqlite3_column_int(st, col_seq + 5) != 0;
        if (!row->bytes && row->size == 0)
                return -EUCLEAN;
        return 0;
}

int journal_row_by_id(Journal *j, int64_t id, JournalRow *ret)
{
        int r;

        sqlite3_reset(j->by_id);
        r = db_bind_int64(j->by_id, 1, id);
        if (r < 0)
                return r;
        r = db_step(j->by_id);
        if (r != 1)
                return r;
        ret->id = id;
        if (sqlite3_column_bytes(j->by_id, 0) != ENTRY_ORIGIN_SIZE)
                return -EUCLEAN;
        memcpy(ret->origin, sqlite3_column_blob(j->by_id, 0), ENTRY_ORIGIN_SIZE);
        r = row_fill(j->by_id, 1, ret);
        return r < 0 ? r : 1;
}

int journal_read_range(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t from_seq, size_t max,
                       int (*cb)(const JournalRow *row, void *userdata), void *userdata)
{
        /* A private statement: callbacks may call back into the journal. */
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        assert_return(j && origin && cb, -EINVAL);
        r = db_prepare(j->db,
                       "SELECT id, seq, hlc, hash, bytes, sig, refused FROM journal "
                       "WHERE origin = ? AND seq >= ? ORDER BY seq;",
                       &st);
        if (r < 0)
                return r;
        r = db_bind_blob(st, 1, origin, ENTRY_ORIGIN_SIZE);
        if (r >= 0)
                r = db_bind_int64(st, 2, (int64_t)MIN(from_seq, (uint64_t)INT64_MAX));
        if (r < 0)
                return r;
        while ((max == 0 || (size_t)n < max) && (r = db_step(st)) == 1) {
                JournalRow row = { .id = sqlite3_column_int64(st, 0) };

                memcpy(row.origin, origin, ENTRY_ORIGIN_SIZE);
                r = row_fill(st, 1, &row);
                if (r < 0)
                        return r;
                n++;
                r = cb(&row, userdata);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
        }
        return r < 0 ? r : n;
}

int journal_quarantine(Journal *j, const uint8_t *origin, uint64_t seq, uint64_t hlc, const uint8_t *hash,
                       QuarantineReason reason, const uint8_t *bytes, size_t size)
{
        sqlite3_stmt *st = j->quarantine;
        int r;

        assert_return(j && hash, -EINVAL);
        r = db_bind_blob(st, 1, origin, origin ? ENTRY_ORIGIN_SIZE : 0);
        if (r >= 0)
                r = db_bind_int64(st, 2, (int64_t)MIN(seq, (uint64_t)INT64_MAX));
        if (r >= 0)
                r = db_bind_int64(st, 3, (int64_t)MIN(hlc, (uint64_t)INT64_MAX));
        if (r >= 0)
                r = db_bind_blob(st, 4, hash, ENTRY_HASH_SIZE);
        if (r >= 0)
                r = db_bind_int64(st, 5, reason);
        if (r >= 0)
                r = db_bind_blob(st, 6, bytes, bytes ? MIN(size, (size_t)ENTRY_MAX_SIZE) : 0);
        if (r < 0)
                return r;
        r = run(st);
        if (r < 0)
                return r;
        /* A resend of the same refused bytes for the same reason: already
         * recorded (and last_insert_rowid() would name another table's row). */
        if (sqlite3_changes(j->db) == 0)
                return 0;
        /* Rowids grow: everything older than the newest MAX goes. */
        r = db_bind_int64(j->quarantine_trim, 1, sqlite3_last_insert_rowid(j->db) - JOURNAL_QUARANTINE_MAX);
        if (r < 0)
                return r;
        return run(j->quarantine_trim);
}

int64_t journal_quarantine_count(Journal *j)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = db_prepare(j->db, "SELECT count(*) FROM quarantine;", &st);
        if (r < 0)
                return r;
        r = db_step(st);
        if (r < 0)
                return r;
        return sqlite3_column_int64(st, 0);
}

int journal_ids_push(JournalIds *ids, int64_t id)
{
        if (ids->n == ids->capacity) {
                size_t cap = ids->capacity ? ids->capacity * 2 : 256;
                int64_t *p = realloc(ids->v, cap * sizeof *p);
                if (!p)
                        return -ENOMEM;
                ids->v = p;
                ids->capacity = cap;
        }
        ids->v[ids->n++] = id;
        return 0;
}

void journal_ids_done(JournalIds *ids)
{
        free(ids->v);
        *ids = (JournalIds){ 0 };
}

int64_t journal_append_locked(Journal *j, const JournalSigner *s, const SyncTrust *trust, Hlc *clock,
                              uint64_t now_ms, Entry *entries, size_t n, JournalAppendFlags flags,
                              JournalIds *ids)
{
        uint8_t buf[ENTRY_MAX_SIZE], hash[ENTRY_HASH_SIZE], sig[ENTRY_SIG_SIZE];
        uint64_t seq;
        int r;

        assert_return(j && s && clock && (entries || n == 0), -EINVAL);
        assert_return(n <= JOURNAL_APPEND_MAX, -E2BIG);
        assert_return(!sqlite3_get_autocommit(j->db), -EINVAL); /* inside the caller's transaction */
        if (n == 0)
                return 0;
        r = journal_tip(j, s->origin, &seq, hash);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                Entry *e = &entries[i];
                bool sign, refused = false;
                int64_t id;
                int len;

                memcpy(e->origin, s->origin, ENTRY_ORIGIN_SIZE);
                e->seq = ++seq;
                e->hlc = hlc_now(clock, now_ms);
                memcpy(e->prev, hash, ENTRY_HASH_SIZE);
                len = entry_encode(e, buf, sizeof buf);
                if (len < 0)
                        return len;
                entry_hash(buf, (size_t)len, hash);
                /* The receivers' decision, taken here too (see store.h). */
                if (trust && trust->authorize) {
                        r = trust->authorize(trust->userdata, e->actor, e->kind, e->hlc);
                        if (r < 0)
                                return r;
                        refused = r == 0;
                        if (refused && (flags & JOURNAL_APPEND_REFUSE_UNAUTHORIZED))
                                return -EACCES;
                }
                sign = i == n - 1 || e->seq % JOURNAL_SIGN_INTERVAL == 0;
                if (sign)
                        crypto_sign_detached(sig, NULL, buf, (size_t)len, s->sk);
                r = journal_insert_locked(j, e, buf, (size_t)len, hash, sign ? sig : NULL, refused, &id);
                if (r < 0)
                        return r;
                if (ids) {
                        r = journal_ids_push(ids, id);
                        if (r < 0)
                                return r;
                }
                if (refused) {
                        r = journal_quarantine(j, e->origin, e->seq, e->hlc, hash, QUARANTINE_UNAUTHORIZED,
                                               NULL, 0);
                        if (r < 0)
                                return r;
                }
        }
        r = journal_set_tip(j, s->origin, seq, hash);
        if (r < 0)
                return r;
        return (int64_t)seq;
}

int64_t journal_verify_chain(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], const uint8_t pk[32],
                             uint64_t *ret_bad_seq)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        uint8_t prev[ENTRY_HASH_SIZE] = { 0 }, h[ENTRY_HASH_SIZE];
        uint64_t expect = 1;
        bool last_signed = true;
        Entry e;
        int r;

        assert_return(j && origin && pk, -EINVAL);
        r = db_prepare(j->db, "SELECT seq, hash, bytes, sig FROM journal WHERE origin = ? ORDER BY seq;",
                       &st);
        if (r < 0)
                return r;
        r = db_bind_blob(st, 1, origin, ENTRY_ORIGIN_SIZE);
        if (r < 0)
                return r;
        while ((r = db_step(st)) == 1) {
                uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
                const uint8_t *bytes = sqlite3_column_blob(st, 2);
                size_t size = (size_t)sqlite3_column_bytes(st, 2);
                bool ok;

                entry_hash(bytes, size, h);
                ok = seq == expect && sqlite3_column_bytes(st, 1) == ENTRY_HASH_SIZE &&
                     memcmp(sqlite3_column_blob(st, 1), h, ENTRY_HASH_SIZE) == 0 &&
                     entry_decode(bytes, size, &e) == 0 && e.seq == seq &&
                     memcmp(e.origin, origin, ENTRY_ORIGIN_SIZE) == 0 &&
                     memcmp(e.prev, prev, ENTRY_HASH_SIZE) == 0;
                last_signed = sqlite3_column_type(st, 3) != SQLITE_NULL;
                if (ok && last_signed)
                        ok = sqlite3_column_bytes(st, 3) == ENTRY_SIG_SIZE &&
                             crypto_sign_verify_detached(sqlite3_column_blob(st, 3), bytes, size, pk) == 0;
                if (!ok) {
                        if (ret_bad_seq)
                                *ret_bad_seq = expect;
                        return -EBADMSG;
                }
                memcpy(prev, h, ENTRY_HASH_SIZE);
                expect++;
        }
        if (r < 0)
                return r;
        if (!last_signed) {
                /* An unsigned head: nothing authenticates the tail. */
                if (ret_bad_seq)
                        *ret_bad_seq = expect - 1;
                return -EBADMSG;
        }
        return (int64_t)(expect - 1);
}
