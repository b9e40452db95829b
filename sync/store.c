/* See store.h. */
#include <errno.h>
#include <stdlib.h>

#include "lib/db.h"
#include "sync/exchange-internal.h"
#include "sync/fold-internal.h"
#include "sync/journal-internal.h"
#include "sync/store.h"

struct SyncStore {
        sqlite3 *db;
        Journal *journal;
        Fold *fold;
};

SyncStore *sync_store_free(SyncStore *s)
{
        if (!s)
                return NULL;
        fold_free(s->fold);
        journal_free(s->journal);
        free(s);
        return NULL;
}

int sync_store_open(sqlite3 *db, SyncStore **ret)
{
        _cleanup_(sync_store_freep) SyncStore *s = NULL;
        int r;

        assert_return(db && ret, -EINVAL);
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->db = db;
        r = journal_open(db, &s->journal);
        if (r < 0)
                return r;
        r = fold_new(s->journal, &s->fold);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

sqlite3 *sync_store_db(SyncStore *s)
{
        return s ? s->db : NULL;
}

Journal *sync_store_journal(SyncStore *s)
{
        return s ? s->journal : NULL;
}

/* Fold what was stored (unless told not to), then commit; on any failure
 * roll the whole transaction back. r is the result of the storing step. */
static int64_t finish(SyncStore *s, int64_t r, const JournalIds *ids, bool fold)
{
        int k;

        if (r >= 0 && fold) {
                k = fold_apply(s->fold, ids->v, ids->n);
                if (k < 0)
                        r = k;
        }
        if (r >= 0) {
                k = db_commit(s->db);
                if (k < 0)
                        r = k;
        }
        if (r < 0)
                db_rollback(s->db);
        return r;
}

int64_t sync_store_append(SyncStore *s, const JournalSigner *signer, const SyncTrust *trust, Hlc *clock,
                          uint64_t now_ms, Entry *entries, size_t n, SyncAppendFlags flags)
{
        JournalIds ids = { 0 };
        bool fold = !(flags & SYNC_APPEND_NO_FOLD);
        int64_t r;

        assert_return(s && signer && clock && (entries || n == 0), -EINVAL);
        assert_return(n <= JOURNAL_APPEND_MAX, -E2BIG);
        if (n == 0)
                return 0;
        r = db_begin(s->db);
        if (r < 0)
                return r;
        r = journal_append_locked(
                s->journal, signer, trust, clock, now_ms, entries, n,
                (flags & SYNC_APPEND_REFUSE_UNAUTHORIZED) ? JOURNAL_APPEND_REFUSE_UNAUTHORIZED : 0,
                fold ? &ids : NULL);
        r = finish(s, r, &ids, fold);
        journal_ids_done(&ids);
        return r;
}

int sync_store_apply(SyncStore *s, const SyncTrust *trust, Hlc *clock, uint64_t now_ms, const Batch *b,
                     ExchangeResult *results)
{
        JournalIds ids = { 0 };
        int64_t r;

        assert_return(s && b, -EINVAL);
        if (b->n == 0)
                return 0;
        r = db_begin(s->db);
        if (r < 0)
                return (int)r;
        r = exchange_apply_locked(s->journal, trust, clock, now_ms, b, results, &ids);
        r = finish(s, r, &ids, true);
        journal_ids_done(&ids);
        return (int)r;
}

int64_t sync_store_rebuild(SyncStore *s)
{
        int64_t r;
        int k;

        assert_return(s, -EINVAL);
        r = db_begin(s->db);
        if (r < 0)
                return r;
        r = fold_rebuild(s->fold);
        if (r >= 0) {
                k = db_commit(s->db);
                if (k < 0)
                        r = k;
        }
        if (r < 0)
                db_rollback(s->db);
        return r;
}

int sync_store_digest(SyncStore *s, uint8_t ret[32])
{
        assert_return(s && ret, -EINVAL);
        return fold_digest(s->journal, ret);
}
