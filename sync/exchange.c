/* See exchange.h. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <cbor.h>
#include <sodium.h>

#include "lib/db.h"
#include "sync/cbor-cursor.h"
#include "sync/exchange.h"
#include "sync/exchange-internal.h"
#include "sync/journal-internal.h"

#define BATCH_VERSION 1
/* How far past our tip a held entry may be: bounds the pending table. */
#define PENDING_WINDOW 100000

static const char *const outcome_names[] = {
        [OUTCOME_APPLIED] = "applied",
        [OUTCOME_DUPLICATE] = "duplicate",
        [OUTCOME_HELD] = "held",
        [OUTCOME_QUARANTINED] = "quarantined",
};

const char *exchange_outcome_to_string(ExchangeOutcome o)
{
        if (o < OUTCOME_APPLIED || o > OUTCOME_QUARANTINED)
                return NULL;
        return outcome_names[o];
}

/* ---- version vectors ---- */

int version_vector_get(Journal *j, VersionVector *ret)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        VersionVector vv = { 0 };
        int r;

        assert_return(j && ret, -EINVAL);
        r = db_prepare(j->db, "SELECT origin, seq FROM vv ORDER BY origin;", &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) == 1) {
                VersionVectorEntry *p;

                if (sqlite3_column_bytes(st, 0) != ENTRY_ORIGIN_SIZE) {
                        r = -EUCLEAN;
                        break;
                }
                p = realloc(vv.v, (vv.n + 1) * sizeof *p);
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                vv.v = p;
                memcpy(vv.v[vv.n].origin, sqlite3_column_blob(st, 0), ENTRY_ORIGIN_SIZE);
                vv.v[vv.n].seq = (uint64_t)sqlite3_column_int64(st, 1);
                vv.n++;
        }
        if (r < 0) {
                free(vv.v);
                return r;
        }
        *ret = vv;
        return 0;
}

void version_vector_done(VersionVector *vv)
{
        free(vv->v);
        *vv = (VersionVector){ 0 };
}

uint64_t version_vector_seq(const VersionVector *vv, const uint8_t origin[ENTRY_ORIGIN_SIZE])
{
        for (size_t i = 0; vv && i < vv->n; i++)
                if (memcmp(vv->v[i].origin, origin, ENTRY_ORIGIN_SIZE) == 0)
                        return vv->v[i].seq;
        return 0;
}

/* ---- batches ---- */

void batch_done(Batch *b)
{
        for (size_t i = 0; i < b->n; i++)
                free(b->e[i].bytes);
        free(b->e);
        *b = (Batch){ 0 };
}

int batch_add(Batch *b, const uint8_t *bytes, size_t size, const uint8_t *sig)
{
        BatchEntry *p;

        assert_return(b && bytes && size > 0 && size <= ENTRY_MAX_SIZE, -EINVAL);
        assert_return(b->n < EXCHANGE_BATCH_MAX_ENTRIES, -E2BIG);
        p = realloc(b->e, (b->n + 1) * sizeof *p);
        if (!p)
                return -ENOMEM;
        b->e = p;
        p = &b->e[b->n];
        *p = (BatchEntry){ .size = size, .has_sig = sig != NULL };
        p->bytes = malloc(size);
        if (!p->bytes)
                return -ENOMEM;
        memcpy(p->bytes, bytes, size);
        if (sig)
                memcpy(p->sig, sig, ENTRY_SIG_SIZE);
        b->n++;
        return 0;
}

typedef struct Collect {
        Batch run;
        size_t limit_entries, limit_bytes, bytes;
        size_t last_signed; /* entries in run up to and including the last signed one */
} Collect;

static int collect_cb(const JournalRow *row, void *userdata)
{
        Collect *c = userdata;
        int r;

        /* Past the budget, read on only until a signed entry closes the run. */
        if ((c->run.n >= c->limit_entries || c->bytes + row->size > c->limit_bytes) &&
            (c->last_signed > 0 || c->run.n >= c->limit_entries + JOURNAL_SIGN_INTERVAL))
                return 1;
        r = batch_add(&c->run, row->bytes, row->size, row->has_sig ? row->sig : NULL);
        if (r < 0)
                return r;
        c->bytes += row->size;
        if (row->has_sig) {
                c->last_signed = c->run.n;
                if (c->run.n >= c->limit_entries || c->bytes >= c->limit_bytes)
                        return 1;
        }
        return 0;
}

int exchange_batch_build(Journal *j, const VersionVector *peer, size_t max_entries, size_t max_bytes,
                         Batch *ret)
{
        VersionVector ours = { 0 };
        Batch b = { 0 };
        size_t bytes = 0;
        int r;

        assert_return(j && ret, -EINVAL);
        if (max_entries == 0 || max_entries > EXCHANGE_BATCH_MAX_ENTRIES - JOURNAL_SIGN_INTERVAL)
                max_entries = EXCHANGE_BATCH_MAX_ENTRIES - JOURNAL_SIGN_INTERVAL;
        if (max_bytes == 0 || max_bytes > EXCHANGE_BATCH_MAX_BYTES / 2)
                max_bytes = EXCHANGE_BATCH_MAX_BYTES / 2;

        r = version_vector_get(j, &ours);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ours.n && b.n < max_entries && bytes < max_bytes; i++) {
                uint64_t have = version_vector_seq(peer, ours.v[i].origin);
                Collect c = { .limit_entries = max_entries - b.n, .limit_bytes = max_bytes - bytes };

                if (have >= ours.v[i].seq)
                        continue;
                r = journal_read_range(j, ours.v[i].origin, have + 1, 0, collect_cb, &c);
                if (r >= 0) {
                        /* Only the signed prefix travels. */
                        for (size_t k = 0; k < c.last_signed && r >= 0; k++) {
                                r = batch_add(&b, c.run.e[k].bytes, c.run.e[k].size,
                                              c.run.e[k].has_sig ? c.run.e[k].sig : NULL);
                                bytes += c.run.e[k].size;
                        }
                }
                batch_done(&c.run);
                if (r < 0)
                        break;
        }
        version_vector_done(&ours);
        if (r < 0) {
                batch_done(&b);
                return r;
        }
        *ret = b;
        return 0;
}

int exchange_batch_encode(const Batch *b, uint8_t **ret, size_t *ret_size)
{
        size_t cap = 32, len = 0, n;
        uint8_t *buf;

        assert_return(b && ret && ret_size, -EINVAL);
        assert_return(b->n <= EXCHANGE_BATCH_MAX_ENTRIES, -E2BIG);
        for (size_t i = 0; i < b->n; i++)
                cap += b->e[i].size + ENTRY_SIG_SIZE + 32;
        if (cap > EXCHANGE_BATCH_MAX_BYTES + 64 * (size_t)EXCHANGE_BATCH_MAX_ENTRIES)
                return -E2BIG;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;

#define PUT(expr)                      \
        do {                           \
                n = (expr);            \
                if (n == 0)            \
                        goto overflow; \
                len += n;              \
        } while (0)
        PUT(cbor_encode_array_start(2, buf + len, cap - len));
        PUT(cbor_encode_uint(BATCH_VERSION, buf + len, cap - len));
        PUT(cbor_encode_array_start(b->n, buf + len, cap - len));
        for (size_t i = 0; i < b->n; i++) {
                PUT(cbor_encode_array_start(2, buf + len, cap - len));
                PUT(cbor_encode_bytestring_start(b->e[i].size, buf + len, cap - len));
                memcpy(buf + len, b->e[i].bytes, b->e[i].size);
                len += b->e[i].size;
                if (b->e[i].has_sig) {
                        PUT(cbor_encode_bytestring_start(ENTRY_SIG_SIZE, buf + len, cap - len));
                        memcpy(buf + len, b->e[i].sig, ENTRY_SIG_SIZE);
                        len += ENTRY_SIG_SIZE;
                } else
                        PUT(cbor_encode_null(buf + len, cap - len));
        }
#undef PUT
        *ret = buf;
        *ret_size = len;
        return 0;
overflow:
        free(buf);
        return -E2BIG;
}

int exchange_batch_decode(const uint8_t *data, size_t size, Batch *ret)
{
        CborCursor c;
        Batch b = { 0 };
        uint64_t n;
        int r = -EBADMSG;

        assert_return(ret, -EINVAL);
        if (!data || size == 0 || size > EXCHANGE_BATCH_MAX_BYTES + 64 * (size_t)EXCHANGE_BATCH_MAX_ENTRIES)
                return -EBADMSG;
        cbor_cursor_init(&c, data, size);
        if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u != 2)
                return -EBADMSG;
        if (cbor_cursor_next(&c) != CBOR_T_UINT)
                return -EBADMSG;
        if (c.u != BATCH_VERSION)
                return -EPROTONOSUPPORT;
        if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u > EXCHANGE_BATCH_MAX_ENTRIES)
                return -EBADMSG;
        n = c.u;
        for (uint64_t i = 0; i < n; i++) {
                const uint8_t *bytes, *sig = NULL;
                size_t len;

                if (cbor_cursor_next(&c) != CBOR_T_ARRAY || c.u != 2)
                        goto fail;
                if (cbor_cursor_next(&c) != CBOR_T_BSTR || c.slen == 0 || c.slen > ENTRY_MAX_SIZE)
                        goto fail;
                bytes = c.s;
                len = c.slen;
                switch (cbor_cursor_next(&c)) {
                case CBOR_T_NULL:
                        break;
                case CBOR_T_BSTR:
                        if (c.slen != ENTRY_SIG_SIZE)
                                goto fail;
                        sig = c.s;
                        break;
                default:
                        goto fail;
                }
                r = batch_add(&b, bytes, len, sig);
                if (r < 0)
                        goto fail;
                r = -EBADMSG;
        }
        if (c.left != 0)
                goto fail;
        *ret = b;
        return 0;
fail:
        batch_done(&b);
        return r;
}

/* ---- applying ---- */

typedef struct Item {
        Entry e;
        uint8_t hash[ENTRY_HASH_SIZE];
        int decoded; /* 0 or the decode error */
} Item;

typedef struct Apply {
        Journal *j;
        const SyncTrust *trust;
        Hlc *clock;
        uint64_t now_ms;
        JournalIds *ids;
        /* The exchange's own statements, on the pending table. */
        sqlite3_stmt *pend_put, *pend_get, *pend_del;
} Apply;

static void result_set(ExchangeResult *res, const Entry *e, ExchangeOutcome o, QuarantineReason reason)
{
        if (e) {
                memcpy(res->origin, e->origin, ENTRY_ORIGIN_SIZE);
                res->seq = e->seq;
        }
        res->outcome = o;
        res->reason = reason;
}

static int quarantine(Apply *a, const Item *it, const BatchEntry *be, QuarantineReason reason,
                      ExchangeResult *res)
{
        result_set(res, it->decoded == 0 ? &it->e : NULL, OUTCOME_QUARANTINED, reason);
        return journal_quarantine(a->j, it->decoded == 0 ? it->e.origin : NULL, it->e.seq, it->e.hlc,
                                  it->hash, reason, be->bytes, be->size);
}

/* Store one authenticated entry that continues the chain. Returns 1 if it
 * was refused by the authorizer (stored, not folded), 0 if accepted. */
static int store(Apply *a, const Entry *e, const uint8_t *bytes, size_t size, const uint8_t *hash,
                 const uint8_t *sig)
{
        bool refused = false;
        int64_t id;
        int r;

        if (a->trust->authorize) {
                r = a->trust->authorize(a->trust->userdata, e->actor, e->kind, e->hlc);
                if (r < 0)
                        return r;
                refused = r == 0;
        }
        r = journal_insert_locked(a->j, e, bytes, size, hash, sig, refused, &id);
        if (r < 0)
                return r;
        r = journal_ids_push(a->ids, id);
        if (r < 0)
                return r;
        if (refused) {
                r = journal_quarantine(a->j, e->origin, e->seq, e->hlc, hash, QUARANTINE_UNAUTHORIZED, NULL,
                                       0);
                if (r < 0)
                        return r;
        }
        (void)hlc_recv(a->clock, e->hlc, a->now_ms);
        return refused;
}

/* Release held entries of origin that now continue the chain. */
static int drain_pending(Apply *a, const uint8_t *origin, uint64_t *tip_seq, uint8_t *tip_hash, int *applied)
{
        int r;

        for (;;) {
                Entry e;
                const uint8_t *bytes, *sig;
                size_t size;
                uint8_t hash[ENTRY_HASH_SIZE];

                r = db_bind_blob(a->pend_get, 1, origin, ENTRY_ORIGIN_SIZE);
                if (r >= 0)
                        r = db_bind_int64(a->pend_get, 2, (int64_t)*tip_seq + 1);
                if (r >= 0)
                        r = db_step(a->pend_get);
                if (r <= 0)
                        break;
                bytes = sqlite3_column_blob(a->pend_get, 0);
                size = (size_t)sqlite3_column_bytes(a->pend_get, 0);
                sig = sqlite3_column_type(a->pend_get, 1) == SQLITE_NULL
                              ? NULL
                              : sqlite3_column_blob(a->pend_get, 1);
                if (sig && sqlite3_column_bytes(a->pend_get, 1) != ENTRY_SIG_SIZE)
                        sig = NULL;
                entry_hash(bytes, size, hash);
                if (entry_decode_stored(bytes, size, &e) < 0 ||
                    memcmp(e.prev, tip_hash, ENTRY_HASH_SIZE) != 0) {
                        /* Authenticated, but of another chain than ours. */
                        r = journal_quarantine(a->j, origin, *tip_seq + 1, 0, hash, QUARANTINE_BROKEN_CHAIN,
                                               bytes, size);
                        sqlite3_reset(a->pend_get);
                        if (r < 0)
                                return r;
                        break;
                }
                r = store(a, &e, bytes, size, hash, sig);
                sqlite3_reset(a->pend_get);
                if (r < 0)
                        return r;
                if (r == 0)
                        (*applied)++;
                *tip_seq = e.seq;
                memcpy(tip_hash, hash, ENTRY_HASH_SIZE);
        }
        sqlite3_reset(a->pend_get);
        if (r < 0)
                return r;
        r = db_bind_blob(a->pend_del, 1, origin, ENTRY_ORIGIN_SIZE);
        if (r >= 0)
                r = db_bind_int64(a->pend_del, 2, (int64_t)*tip_seq + 1);
        if (r >= 0)
                r = db_step(a->pend_del);
        sqlite3_reset(a->pend_del);
        return r < 0 ? r : 0;
}

/* Verify and store the entries of one origin (batch positions pos[0..m)). */
static int apply_origin(Apply *a, const Batch *b, Item *items, const size_t *pos, size_t m,
                        ExchangeResult *results, int *applied)
{
        const uint8_t *origin = items[pos[0]].e.origin;
        uint8_t pk[32], tip_hash[ENTRY_HASH_SIZE];
        uint64_t revoked = 0, tip, tip0;
        size_t good, auth = 0, bad_sig_from;
        bool broken = false;
        int r;

        r = a->trust->device_lookup(a->trust->userdata, origin, pk, &revoked);
        if (r == -ENOENT) {
                for (size_t k = 0; k < m; k++) {
                        r = quarantine(a, &items[pos[k]], &b->e[pos[k]], QUARANTINE_UNKNOWN_DEVICE,
                                       &results[pos[k]]);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (r < 0)
                return r;

        /* The run must be contiguous and linked. */
        for (good = 1; good < m; good++) {
                const Item *p = &items[pos[good - 1]], *q = &items[pos[good]];
                if (q->e.seq != p->e.seq + 1 || memcmp(q->e.prev, p->hash, ENTRY_HASH_SIZE) != 0)
                        break;
        }
        /* A valid signature authenticates the prefix it closes. Every
         * signature is checked, not only the last: a node stores only
         * signatures it verified, so its chain always verifies and it can
         * serve any peer runs that end on the origin's own signatures. The
         * run is cut before the first bad one (an honest copy of the rest
         * comes in a later batch). */
        bad_sig_from = good;
        for (size_t k = 0; k < good; k++) {
                const BatchEntry *be = &b->e[pos[k]];
                if (!be->has_sig)
                        continue;
                if (crypto_sign_verify_detached(be->sig, be->bytes, be->size, pk) != 0) {
                        bad_sig_from = k;
                        break;
                }
                auth = k + 1;
        }
        assert(auth <= bad_sig_from && bad_sig_from <= good && good <= m);
        for (size_t k = auth; k < m; k++) {
                QuarantineReason why = k >= good             ? QUARANTINE_BROKEN_CHAIN
                                       : bad_sig_from < good ? QUARANTINE_BAD_SIGNATURE
                                                             : QUARANTINE_UNSIGNED;
                r = quarantine(a, &items[pos[k]], &b->e[pos[k]], why, &results[pos[k]]);
                if (r < 0)
                        return r;
        }

        r = journal_tip(a->j, origin, &tip, tip_hash);
        if (r < 0)
                return r;
        tip0 = tip;
        for (size_t k = 0; k < auth; k++) {
                const Item *it = &items[pos[k]];
                const BatchEntry *be = &b->e[pos[k]];
                ExchangeResult *res = &results[pos[k]];
                QuarantineReason why = QUARANTINE_NONE;

                if (broken)
                        why = QUARANTINE_BROKEN_CHAIN;
                else if (revoked != 0 && it->e.hlc >= revoked)
                        why = QUARANTINE_REVOKED_DEVICE;
                else if (it->e.seq <= tip) {
                        uint8_t have[ENTRY_HASH_SIZE];
                        r = journal_hash_at(a->j, origin, it->e.seq, have);
                        if (r < 0)
                                return r;
                        if (r == 1 && memcmp(have, it->hash, ENTRY_HASH_SIZE) == 0) {
                                result_set(res, &it->e, OUTCOME_DUPLICATE, QUARANTINE_NONE);
                                continue;
                        }
                        why = QUARANTINE_FORK;
                } else if (hlc_check_skew(a->clock, it->e.hlc, a->now_ms) < 0)
                        why = QUARANTINE_CLOCK_SKEW;
                else if (it->e.seq == tip + 1 && memcmp(it->e.prev, tip_hash, ENTRY_HASH_SIZE) != 0) {
                        why = QUARANTINE_BROKEN_CHAIN;
                        broken = true;
                } else if (it->e.seq > tip + PENDING_WINDOW)
                        why = QUARANTINE_BROKEN_CHAIN;
                if (why != QUARANTINE_NONE) {
                        r = quarantine(a, it, be, why, res);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (it->e.seq == tip + 1) {
                        r = store(a, &it->e, be->bytes, be->size, it->hash, be->has_sig ? be->sig : NULL);
                        if (r < 0)
                                return r;
                        if (r == 0) {
                                result_set(res, &it->e, OUTCOME_APPLIED, QUARANTINE_NONE);
                                (*applied)++;
                        } else
                                result_set(res, &it->e, OUTCOME_QUARANTINED, QUARANTINE_UNAUTHORIZED);
                        tip = it->e.seq;
                        memcpy(tip_hash, it->hash, ENTRY_HASH_SIZE);
                        continue;
                }
                /* A gap before it: hold it, authenticated, until filled. */
                r = db_bind_blob(a->pend_put, 1, origin, ENTRY_ORIGIN_SIZE);
                if (r >= 0)
                        r = db_bind_int64(a->pend_put, 2, (int64_t)it->e.seq);
                if (r >= 0)
                        r = db_bind_blob(a->pend_put, 3, it->hash, ENTRY_HASH_SIZE);
                if (r >= 0)
                        r = db_bind_blob(a->pend_put, 4, be->bytes, be->size);
                if (r >= 0)
                        r = db_bind_blob(a->pend_put, 5, be->has_sig ? be->sig : NULL,
                                         be->has_sig ? ENTRY_SIG_SIZE : 0);
                if (r >= 0)
                        r = db_step(a->pend_put);
                sqlite3_reset(a->pend_put);
                sqlite3_clear_bindings(a->pend_put);
                if (r < 0)
                        return r;
                result_set(res, &it->e, OUTCOME_HELD, QUARANTINE_NONE);
        }
        r = drain_pending(a, origin, &tip, tip_hash, applied);
        if (r < 0)
                return r;
        if (tip == tip0)
                return 0;
        return journal_set_tip(a->j, origin, tip, tip_hash);
}

int exchange_apply_locked(Journal *j, const SyncTrust *trust, Hlc *clock, uint64_t now_ms, const Batch *b,
                          ExchangeResult *results, JournalIds *ids)
{
        _cleanup_free_ Item *items = NULL;
        _cleanup_free_ size_t *pos = NULL;
        _cleanup_free_ bool *done = NULL;
        _cleanup_stmt_ sqlite3_stmt *pend_put = NULL, *pend_get = NULL, *pend_del = NULL;
        Apply a = { .j = j, .trust = trust, .clock = clock, .now_ms = now_ms, .ids = ids };
        int r, applied = 0;

        assert_return(j && trust && trust->device_lookup && clock && b && (results || b->n == 0) && ids,
                      -EINVAL);
        assert_return(b->n <= EXCHANGE_BATCH_MAX_ENTRIES, -E2BIG);
        assert_return(!sqlite3_get_autocommit(journal_db(j)), -EINVAL); /* inside the caller's transaction */
        if (b->n == 0)
                return 0;
        items = calloc(b->n, sizeof *items);
        pos = calloc(b->n, sizeof *pos);
        done = calloc(b->n, sizeof *done);
        if (!items || !pos || !done)
                return -ENOMEM;
        memset(results, 0, b->n * sizeof *results);
        for (size_t i = 0; i < b->n; i++) {
                items[i].decoded = entry_decode(b->e[i].bytes, b->e[i].size, &items[i].e);
                entry_hash(b->e[i].bytes, b->e[i].size, items[i].hash);
        }

        r = db_prepare(
                j->db,
                "INSERT OR IGNORE INTO pending (origin, seq, hash, bytes, sig) VALUES (?, ?, ?, ?, ?);",
                &pend_put);
        if (r >= 0)
                r = db_prepare(j->db, "SELECT bytes, sig FROM pending WHERE origin = ? AND seq = ?;",
                               &pend_get);
        if (r >= 0)
                r = db_prepare(j->db, "DELETE FROM pending WHERE origin = ? AND seq < ?;", &pend_del);
        if (r < 0)
                return r;
        a.pend_put = pend_put;
        a.pend_get = pend_get;
        a.pend_del = pend_del;

        for (size_t i = 0; i < b->n; i++) {
                size_t m = 0;

                if (done[i])
                        continue;
                if (items[i].decoded < 0) {
                        done[i] = true;
                        r = quarantine(&a, &items[i], &b->e[i], QUARANTINE_MALFORMED, &results[i]);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* All of this origin's entries, in batch order. */
                for (size_t k = i; k < b->n; k++)
                        if (!done[k] && items[k].decoded == 0 &&
                            memcmp(items[k].e.origin, items[i].e.origin, ENTRY_ORIGIN_SIZE) == 0) {
                                pos[m++] = k;
                                done[k] = true;
                        }
                r = apply_origin(&a, b, items, pos, m, results, &applied);
                if (r < 0)
                        return r;
        }
        return applied;
}
