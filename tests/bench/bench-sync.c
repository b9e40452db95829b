/* Benchmarks of the sync core. One JSON object per line on stdout:
 *   sync.append      append + sign + store (group commit, WAL, synchronous=FULL), entries/s
 *   sync.fold_100k   fold an appended 100k-entry journal into an empty store, end to
 *                    end (state tables + entity index, one transaction), s; median,
 *                    min and max of 5 runs on fresh copies
 *                    (peer: cr-sqlite imports 100k changes in ~0.85 s; ratio = ours / peer)
 *   sync.exchange    verify + store + fold a received stream, entries/s
 *   sync.late_batch  a late 1k-entry batch on a 1M-entry store vs a 10k-entry one, ms
 *                    (ratio = large / small; goal <= 2)
 *   sync.wire_bytes  bytes per entry on the wire (wire.h, zstd), signatures included,
 *                    against the exchange form and published CRDT figures; goal <= 50
 * Stores live in $TMPDIR; CARREL_BENCH_LARGE overrides the 1M size;
 * CARREL_BENCH_ONLY=fold runs only sync.fold_100k, =late only sync.late_batch*,
 * =wire only sync.wire_bytes. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/db.h"
#include "sync/exchange.h"
#include "sync/fold.h"
#include "sync/hlc.h"
#include "sync/journal.h"
#include "sync/store.h"
#include "sync/wire.h"

#define T0 1700000000000ull
#define LATE_PATRONS 415 /* patrons one late batch names: 225 + 100 + 90 */
#define DAY 86400000ull

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int r)
{
        fprintf(stderr, "bench-sync: %s failed: %s\n", what, strerror(-r));
        exit(1);
}

static char tmpdir[256];

static SyncStore *open_store(const char *name, sqlite3 **ret_db)
{
        char path[512];
        SyncStore *j;
        int r;

        snprintf(path, sizeof path, "%s/%s", tmpdir, name);
        r = db_open(path, DB_OPEN_CREATE, ret_db);
        if (r < 0)
                die("db_open", r);
        r = sync_store_open(*ret_db, &j);
        if (r < 0)
                die("sync_store_open", r);
        return j;
}

static void close_store(SyncStore *j, sqlite3 *db)
{
        sync_store_free(j);
        db_close(db);
}

static JournalSigner *signer(uint8_t n)
{
        uint8_t origin[ENTRY_ORIGIN_SIZE] = { 0xbe, [15] = n }, seed[32] = { n };
        JournalSigner *s;
        int r = journal_signer_new(origin, seed, &s);
        if (r < 0)
                die("signer", r);
        return s;
}

static void set_id(Entry *e, int key, const char *prefix, unsigned n)
{
        char buf[32];
        snprintf(buf, sizeof buf, "%s%u", prefix, n);
        (void)entry_set_string(e, key, buf);
}

/* The patron of item i's history: 7919 is prime, so items [0, n_patrons)
 * map one to one onto the patrons, and so does each next n_patrons items
 * (4 items per patron, n_patrons apart). */
static unsigned history_patron(uint64_t item, unsigned n_patrons)
{
        return (unsigned)(item * 7919 % n_patrons);
}

/* The k-th entry of a circulation history over n_items items: per item an
 * add, a checkout, a renewal and a checkin, and a fine for the borrower
 * (5 entries per item). */
static Entry history_entry(uint64_t k, unsigned n_items, unsigned n_patrons)
{
        unsigned item = (unsigned)((k / 5) % n_items), patron = history_patron(item, n_patrons);
        Entry e = { 0 };

        strcpy(e.actor, "staff1");
        switch (k % 5) {
        case 0:
                e.kind = ENTRY_ITEM_ADD;
                set_id(&e, BODY_ITEM, "I", item);
                break;
        case 1:
        case 2:
                e.kind = k % 5 == 1 ? ENTRY_CHECKOUT : ENTRY_RENEW;
                set_id(&e, BODY_ITEM, "I", item);
                set_id(&e, BODY_PATRON, "P", patron);
                entry_set_uint(&e, BODY_DUE, T0 + 30 * DAY);
                break;
        case 3:
                e.kind = ENTRY_CHECKIN;
                set_id(&e, BODY_ITEM, "I", item);
                break;
        default:
                e.kind = ENTRY_FINE;
                set_id(&e, BODY_PATRON, "P", patron);
                entry_set_uint(&e, BODY_AMOUNT, 100);
        }
        return e;
}

/* Append n history entries from s in batches of `batch`. */
static double fill(SyncStore *j, JournalSigner *s, Hlc *clock, uint64_t n, unsigned n_items,
                   unsigned n_patrons, unsigned batch, uint64_t ms)
{
        Entry *e = calloc(batch, sizeof *e);
        double t = now_s();

        for (uint64_t k = 0; k < n; k += batch) {
                unsigned m = (unsigned)(n - k < batch ? n - k : batch);
                int64_t r;
                for (unsigned i = 0; i < m; i++)
                        e[i] = history_entry(k + i, n_items, n_patrons);
                r = sync_store_append(j, s, NULL, clock, ms + k / 100, e, m, SYNC_APPEND_NO_FOLD);
                if (r < 0)
                        die("journal_append", (int)r);
        }
        free(e);
        return now_s() - t;
}

static int trust_lookup(void *userdata, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint8_t ret_pk[32],
                        uint64_t *ret_revoked)
{
        JournalSigner **known = userdata;
        for (; *known; known++)
                if (memcmp((*known)->origin, origin, ENTRY_ORIGIN_SIZE) == 0) {
                        memcpy(ret_pk, (*known)->pk, 32);
                        *ret_revoked = 0;
                        return 0;
                }
        return -ENOENT;
}

static void bench_append(unsigned batch)
{
        sqlite3 *db;
        char name[64];
        SyncStore *j;
        JournalSigner *s = signer(1);
        Hlc clock;
        const uint64_t n = 200000;
        double t;

        snprintf(name, sizeof name, "append-%u.db", batch);
        j = open_store(name, &db);
        hlc_init(&clock, 0);
        t = fill(j, s, &clock, n, 40000, 10000, batch, T0);
        printf("{\"bench\":\"sync.append%s\",\"value\":%.0f,\"unit\":\"entries/s\",\"entries\":%llu,"
               "\"batch\":%u,\"goal\":100000}\n",
               batch == 1000 ? "" : "_large_batch", (double)n / t, (unsigned long long)n, batch);
        journal_signer_free(s);
        close_store(j, db);
}

/* Bytes on the wire per entry, as a desk sends them: every entry its own
 * append (so signed at its origin), the history mix plus, every tenth
 * entry, a patron update with a real encrypted e-mail (random bytes to the
 * compressor, as ciphertext is). Each batch the exchange builds for an
 * empty peer, in the exchange's own form, the wire form (wire.h) and the
 * wire form under zstd. */
static void bench_wire(void)
{
        const unsigned n = 20000;
        JournalSigner *s = signer(3);
        size_t raw = 0, wire = 0, z = 0, n_sent = 0;
        VersionVector vv = { 0 };
        sqlite3 *db;
        SyncStore *j = open_store("wire.db", &db);
        Hlc clock;
        double t_encode = 0;

        hlc_init(&clock, 0);
        for (unsigned k = 0; k < n; k++) {
                Entry e = history_entry(k, 4000, 1000);
                uint8_t ct[64];
                int64_t r;

                if (k % 10 == 9) {
                        e = (Entry){ .kind = ENTRY_PATRON_UPDATE };
                        strcpy(e.actor, "staff1");
                        set_id(&e, BODY_PATRON, "P", k % 1000);
                        randombytes_buf(e.key_id, sizeof e.key_id);
                        randombytes_buf(ct, sizeof ct); /* a 24-byte e-mail, sealed */
                        e.present |= (1u << BODY_KEY_ID) | (1u << BODY_FIELDS);
                        e.fields[0] =
                                (EntryField){ .id = PATRON_FIELD_EMAIL, .ct = ct, .ct_len = sizeof ct };
                        e.n_fields = 1;
                }
                r = sync_store_append(j, s, NULL, &clock, T0 + k, &e, 1, SYNC_APPEND_NO_FOLD);
                if (r < 0)
                        die("append", (int)r);
        }
        for (;;) {
                uint8_t *a, *b, *c;
                size_t na, nb, nc;
                Batch batch;
                double t0;
                int r;

                r = exchange_batch_build(sync_store_journal(j), &vv, 0, 0, &batch);
                if (r < 0)
                        die("batch", r);
                if (batch.n == 0)
                        break;
                t0 = now_s();
                if (exchange_batch_encode(&batch, &a, &na) < 0 || wire_batch_encode(&batch, &b, &nb) < 0 ||
                    wire_compress(b, nb, &c, &nc) < 0)
                        die("encode", -EIO);
                t_encode += now_s() - t0;
                raw += na;
                wire += nb;
                z += nc;
                n_sent += batch.n;
                /* The peer now holds this much. */
                {
                        Entry last;
                        if (entry_decode(batch.e[batch.n - 1].bytes, batch.e[batch.n - 1].size, &last) < 0)
                                die("decode", -EIO);
                        free(vv.v);
                        vv.v = calloc(1, sizeof *vv.v);
                        memcpy(vv.v[0].origin, last.origin, ENTRY_ORIGIN_SIZE);
                        vv.v[0].seq = last.seq;
                        vv.n = 1;
                }
                free(a);
                free(b);
                free(c);
                batch_done(&batch);
        }
        printf("{\"bench\":\"sync.wire_bytes\",\"value\":%.1f,\"unit\":\"B/entry\",\"entries\":%zu,"
               "\"uncompressed\":%.1f,\"exchange_form\":%.1f,\"encode_entries_per_s\":%.0f,\"goal\":50,"
               "\"peer\":\"Yjs ~29, Automerge ~125 B/op (published)\",\"note\":\"signatures included; "
               "one entry per append; 10%% carry a sealed field\"}\n",
               (double)z / n_sent, n_sent, (double)wire / n_sent, (double)raw / n_sent, n_sent / t_encode);
        version_vector_done(&vv);
        journal_signer_free(s);
        close_store(j, db);
}

#define FOLD_RUNS 5

static int double_cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Sorts v. */
static double median(double *v, size_t n)
{
        qsort(v, n, sizeof *v, double_cmp);
        return v[n / 2];
}

static void bench_fold_and_exchange(bool fold_only)
{
        sqlite3 *db, *db2;
        SyncStore *j = open_store("fold.db", &db), *j2;
        JournalSigner *s = signer(2), *known[2] = { s, NULL };
        SyncTrust trust = { .device_lookup = trust_lookup, .userdata = known };
        ExchangeResult *res = calloc(EXCHANGE_BATCH_MAX_ENTRIES, sizeof *res);
        Hlc clock, rclock;
        const uint64_t n = 100000;
        uint64_t moved = 0;
        double t, t_fold[FOLD_RUNS];
        int64_t r;

        hlc_init(&clock, 0);
        hlc_init(&rclock, 0);
        fill(j, s, &clock, n, 20000, 5000, 5000, T0);
        /* Each run folds a fresh copy of the appended journal into an empty
         * store, end to end: state tables and entity index, one transaction.
         * The median of FOLD_RUNS, since one run on a shared VM is noise. */
        for (unsigned k = 0; k < FOLD_RUNS; k++) {
                char path[512];
                sqlite3 *cdb;
                SyncStore *cj;

                snprintf(path, sizeof path, "%s/fold-copy.db", tmpdir);
                if ((r = db_backup(db, path)) < 0)
                        die("db_backup", (int)r);
                cj = open_store("fold-copy.db", &cdb);
                t = now_s();
                r = sync_store_rebuild(cj);
                t_fold[k] = now_s() - t;
                if (r < 0)
                        die("fold_rebuild", (int)r);
                close_store(cj, cdb);
        }
        t = median(t_fold, FOLD_RUNS);
        printf("{\"bench\":\"sync.fold_100k\",\"value\":%.3f,\"unit\":\"s\",\"entries\":%lld,\"goal\":0.5,"
               "\"peer\":\"cr-sqlite (100k changes, published)\",\"peer_value\":0.85,\"ratio\":%.3f,"
               "\"note\":\"median of %d: fold + entity index of an appended journal, one transaction\","
               "\"min\":%.3f,\"max\":%.3f}\n",
               t, (long long)r, t / 0.85, FOLD_RUNS, t_fold[0], t_fold[FOLD_RUNS - 1]);
        fflush(stdout);

        if (fold_only) {
                free(res);
                journal_signer_free(s);
                close_store(j, db);
                return;
        }
        /* The same journal streamed to a fresh node through the exchange. */
        j2 = open_store("exchange.db", &db2);
        t = now_s();
        for (;;) {
                VersionVector vv;
                Batch b;
                int k;
                if ((k = version_vector_get(sync_store_journal(j2), &vv)) < 0 ||
                    (k = exchange_batch_build(sync_store_journal(j), &vv, 0, 0, &b)) < 0)
                        die("batch_build", k);
                version_vector_done(&vv);
                if (b.n == 0)
                        break;
                k = sync_store_apply(j2, &trust, &rclock, T0 + DAY, &b, res);
                if (k < 0)
                        die("exchange_apply", k);
                moved += b.n;
                batch_done(&b);
        }
        t = now_s() - t;
        printf("{\"bench\":\"sync.exchange\",\"value\":%.0f,\"unit\":\"entries/s\",\"entries\":%llu,"
               "\"note\":\"build+verify+store+incremental fold, batches of %d\"}\n",
               (double)moved / t, (unsigned long long)moved,
               EXCHANGE_BATCH_MAX_ENTRIES - JOURNAL_SIGN_INTERVAL);
        free(res);
        journal_signer_free(s);
        close_store(j, db);
        close_store(j2, db2);
}

/* A late batch: 1k entries made earlier than everything on another desk:
 * 900 checkouts of existing items and 100 blocks of existing patrons. */
static double late_batch(SyncStore *j, JournalSigner *store_signer, unsigned n_patrons, unsigned rep)
{
        JournalSigner *late = signer((uint8_t)(9 + rep)), *known[3] = { store_signer, late, NULL };
        SyncTrust trust = { .device_lookup = trust_lookup, .userdata = known };
        ExchangeResult *res = calloc(1000, sizeof *res);
        sqlite3 *sdb;
        SyncStore *scratch;
        Entry *e = calloc(1000, sizeof *e);
        Hlc clock, rclock;
        VersionVector vv = { 0 };
        unsigned *item_of, first;
        Batch b;
        double t;
        int r;

        if (sqlite3_open(":memory:", &sdb) != SQLITE_OK || sync_store_open(sdb, &scratch) < 0)
                die("scratch", -EIO);
        /* The same work in every store: 100 blocks of patrons B, and 900
         * checkouts of the items of patrons A, by patrons C (10 each). A, B
         * and C are disjoint and each item has one history patron, so the
         * blocks re-fold 400 other items than the checkouts, whatever the
         * store size. Rep r takes the next patrons (the small store is
         * fresh for every batch and starts over). */
        item_of = calloc(n_patrons, sizeof *item_of);
        first = (rep * LATE_PATRONS) % (n_patrons - LATE_PATRONS + 1);
        for (unsigned i = 0; i < n_patrons; i++)
                item_of[history_patron(i, n_patrons)] = i; /* the patron's first item */
        for (unsigned i = 0; i < 1000; i++) {
                strcpy(e[i].actor, "staff9");
                if (i < 100) {
                        e[i].kind = ENTRY_PATRON_BLOCK;
                        set_id(&e[i], BODY_PATRON, "P", first + 225 + i);
                } else {
                        unsigned k = i - 100; /* the patron's items are n_patrons apart */
                        e[i].kind = ENTRY_CHECKOUT;
                        set_id(&e[i], BODY_ITEM, "I", item_of[first + k / 4] + k % 4 * n_patrons);
                        set_id(&e[i], BODY_PATRON, "P", first + 325 + k / 10);
                        entry_set_uint(&e[i], BODY_DUE, T0 + 20 * DAY);
                }
        }
        free(item_of);
        hlc_init(&clock, 0);
        hlc_init(&rclock, 0);
        if (sync_store_append(scratch, late, NULL, &clock, T0 - DAY + rep, e, 1000, SYNC_APPEND_NO_FOLD) < 0)
                die("late append", -EIO);
        if ((r = exchange_batch_build(sync_store_journal(scratch), &vv, 1000, 0, &b)) < 0 || b.n != 1000)
                die("late batch", r < 0 ? r : -EIO);
        /* As a service does between sessions. */
        (void)journal_checkpoint(sync_store_journal(j));
        t = now_s();
        r = sync_store_apply(j, &trust, &rclock, T0 + DAY, &b, res);
        t = now_s() - t;
        if (r != 1000)
                die("late apply", r < 0 ? r : -EIO);
        batch_done(&b);
        free(e);
        free(res);
        sync_store_free(scratch);
        sqlite3_close(sdb);
        journal_signer_free(late);
        return t;
}

#define LATE_RUNS 7

/* A store of n history entries (5 per item, 4 items per patron), folded. */
typedef struct LateStore {
        uint64_t n;
        sqlite3 *db;
        SyncStore *j;
        JournalSigner *s;
        double build_s, fold_s;
} LateStore;

static void late_store_open(LateStore *ls, const char *name, uint64_t n)
{
        Hlc clock;
        double t;

        *ls = (LateStore){ .n = n, .s = signer(3) };
        hlc_init(&clock, 0);
        ls->j = open_store(name, &ls->db);
        ls->build_s = fill(ls->j, ls->s, &clock, n, (unsigned)(n / 5), (unsigned)(n / 20), 20000, T0);
        t = now_s();
        if (sync_store_rebuild(ls->j) < 0)
                die("fold_rebuild", -EIO);
        ls->fold_s = now_s() - t;
}

static void bench_late_batch(void)
{
        const char *env = getenv("CARREL_BENCH_LARGE");
        uint64_t large = env && *env ? strtoull(env, NULL, 10) : 1000000;
        LateStore st[3];
        double t[3][LATE_RUNS];
        size_t n = 0;
        double small;

        /* Same history length per entity in every store; only the store
         * size differs. Each batch touches entities no earlier batch did:
         * the large stores have room for that, the small one (2000 items)
         * is built afresh for every batch. The stores take turns, batch by
         * batch, so that a noisy neighbour on a shared machine weighs on
         * each alike. */
        late_store_open(&st[n++], "late-small.db", 10000);
        if (large > 100000)
                late_store_open(&st[n++], "late-100k.db", 100000);
        late_store_open(&st[n++], "late-large.db", large);
        for (unsigned rep = 0; rep < LATE_RUNS; rep++)
                for (size_t i = 0; i < n; i++) {
                        if (i == 0 && rep > 0) {
                                char name[32];

                                close_store(st[0].j, st[0].db);
                                journal_signer_free(st[0].s);
                                snprintf(name, sizeof name, "late-small-%u.db", rep);
                                late_store_open(&st[0], name, 10000);
                        }
                        t[i][rep] = late_batch(st[i].j, st[i].s, (unsigned)(st[i].n / 20), rep);
                }
        small = median(t[0], LATE_RUNS);
        for (size_t i = 1; i < n; i++) {
                double m = median(t[i], LATE_RUNS);

                printf("{\"bench\":\"sync.late_batch%s\",\"value\":%.1f,\"unit\":\"ms\",\"store_entries\":%"
                       "llu,\"small_value\":%.1f,\"small_entries\":10000,\"ratio\":%.2f,\"goal_ratio\":2,"
                       "\"note\":\"median of %d, stores interleaved\",\"build_s\":%.1f,\"fold_s\":%.1f}\n",
                       i + 1 < n ? "_100k" : "", m * 1000, (unsigned long long)st[i].n, small * 1000,
                       m / small, LATE_RUNS, st[i].build_s, st[i].fold_s);
        }
        fflush(stdout);
        for (size_t i = 0; i < n; i++) {
                close_store(st[i].j, st[i].db);
                journal_signer_free(st[i].s);
        }
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(p);
}

int main(void)
{
        const char *base = getenv("TMPDIR"), *only = getenv("CARREL_BENCH_ONLY");
        bool all = !only || !*only, fold = all || strcmp(only, "fold") == 0,
             late = all || strcmp(only, "late") == 0, wire = all || strcmp(only, "wire") == 0;

        snprintf(tmpdir, sizeof tmpdir, "%s/carrel-bench-sync-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir) || sodium_init() < 0)
                return 1;
        if (all) {
                bench_append(1000);
                bench_append(10000);
        }
        if (wire)
                bench_wire();
        if (fold)
                bench_fold_and_exchange(!all);
        if (late)
                bench_late_batch();
        nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}
