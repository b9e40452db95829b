/* The convergence property: every node that holds the same set of entries
 * reaches the same state and the same exception list, whatever the order,
 * grouping and duplication of their arrival.
 *
 * A random multi-desk workload (4 origins, > 2000 entries) is generated so
 * that it hits every conflict rule of the fold and erasures. Its signed
 * runs are then delivered to fresh stores through the real exchange
 * (signature and chain verification, gaps held and released, resends) in
 * CARREL_CONVERGENCE_RUNS random orders and partitions (default 1000; 100 in
 * sanitizer builds, where everything runs ~10x slower). Every tenth run is a
 * two-node partition: each node gets a random part, then the nodes gossip
 * with exchange_batch_build() until their vectors agree, often in small
 * batches and sometimes through a relay. Each resulting state digest and
 * exception list must equal those of a from-scratch fold, and so must the
 * origins' own stores once they hold everything.
 *
 * The workload also carries what the sync-core review found broken: key
 * rotations (patron updates under a new key id), erasures recorded at an
 * earlier HLC than the registration they erase (a desk whose clock runs
 * behind), entries the authorizer refuses (stored refused at the origin),
 * changes of the replicated fold parameters (the renewal limit),
 * deliveries with a forged signature inside a run, and keys imported both
 * before and after the erasure reaches a node. On every node: no key of an
 * erased patron survives, no fold-state row links an erased patron, and
 * every origin's chain verifies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "sync/hlc.h"
#include "sync/keystore.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

#define N_DESKS 4
#define N_ITEMS 256 /* the last 4 are never catalogued before use */
#define N_PATRONS 64
#define PER_DESK 520
#define T0 1700000000000ull
#define MAX_ROTATIONS 8 /* key ids per patron */

static uint64_t rng_state;

static uint64_t rnd(void)
{
        /* xorshift64* */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1Dull;
}

static unsigned below(unsigned n)
{
        return (unsigned)(rnd() % n);
}

/* A run of one origin's chain ending on a signed entry. */
typedef struct Run {
        unsigned origin;
        Batch b;
} Run;

static Run *runs;
static size_t n_runs;
/* The origins' own stores: each folds what it appends (refused entries
 * included) and, at the end, receives everyone else's. */
static SyncStore *gen[N_DESKS];
static uint8_t ref_state[32], ref_exc[32];
static int64_t ref_exc_count;

static void item_name(char *buf, unsigned i)
{
        sprintf(buf, "I%u", i);
}

static void patron_name(char *buf, unsigned i)
{
        sprintf(buf, "P%u", i);
}

/* Patron p's key id number r (0: the registration's; more after rotations). */
static unsigned rot[N_PATRONS];
static bool erased_ref[N_PATRONS];
static uint8_t node_pk[32];
static Secret *node_sk;

static void key_id_of(unsigned p, unsigned r, uint8_t ret[ENTRY_KEY_ID_SIZE])
{
        memset(ret, 0, ENTRY_KEY_ID_SIZE);
        ret[0] = 0xc0;
        ret[1] = (uint8_t)p;
        ret[2] = (uint8_t)r;
}

/* A field entry for patron number p under its key r. */
static Entry field_entry(EntryKind k, const char *pa, unsigned p, uint8_t field, uint64_t base, uint8_t fill,
                         unsigned r)
{
        Entry e = mk_field(k, pa, field, base, fill);
        key_id_of(p, r, e.key_id);
        return e;
}

typedef struct Pair {
        unsigned item, patron;
        bool set;
} Pair;
static Pair recent[4][8];

/* One random operation of desk d at wall time t. */
static Entry random_op(unsigned d, uint64_t t, uint64_t *last_field_hlc)
{
        char it[16], pa[16], pay[24];
        /* A hot corner of the catalogue and of the patrons keeps desks
         * colliding; the rest spreads the load over many entities. */
        unsigned p = below(3) == 0 ? below(12) : below(N_PATRONS);
        unsigned i = below(3) == 0 ? below(16) : below(N_ITEMS), w = below(100);
        Entry e;

        item_name(it, i);
        patron_name(pa, p);
        if (w < 22) {
                e = mk_due(ENTRY_CHECKOUT, pa, it, t + 14 * 86400000ull);
                recent[d][below(8)] = (Pair){ i, p, true };
        } else if (w < 38)
                e = mk(ENTRY_CHECKIN, NULL, it);
        else if (w < 48) {
                /* Mostly renew what this desk lent. */
                Pair *r = &recent[d][below(8)];
                if (r->set) {
                        item_name(it, r->item);
                        patron_name(pa, r->patron);
                }
                e = mk_due(ENTRY_RENEW, pa, it, t + 28 * 86400000ull);
        } else if (w < 55)
                e = mk(ENTRY_HOLD_PLACE, pa, it);
        else if (w < 58)
                e = mk(ENTRY_HOLD_CANCEL, pa, it);
        else if (w < 63)
                e = mk_amount(ENTRY_FINE, pa, 50 + below(500), NULL);
        else if (w < 68) {
                sprintf(pay, "T%u-%u", p, below(4)); /* repeated receipts */
                e = mk_amount(ENTRY_PAYMENT, pa, 100, pay);
        } else if (w < 78) {
                /* Base: what this desk last wrote, often stale. A quarter
                 * of the updates rotate the patron's key. */
                if (below(4) == 0 && rot[p] + 1 < MAX_ROTATIONS)
                        rot[p]++;
                e = field_entry(ENTRY_PATRON_UPDATE, pa, p, 1 + below(_PATRON_FIELD_MAX - 1),
                                last_field_hlc[p], (uint8_t)below(256), rot[p]);
        } else if (w < 82)
                e = mk(ENTRY_PATRON_BLOCK, pa, NULL);
        else if (w < 86)
                e = mk(ENTRY_PATRON_UNBLOCK, pa, NULL);
        else if (w < 90)
                e = mk(ENTRY_VISIT, pa, NULL);
        else if (w < 92) {
                e = mk(ENTRY_LOAN_ANONYMISE, pa, NULL);
                entry_set_uint(&e, BODY_CUTOFF, hlc_make(t, 0));
        } else if (w < 95)
                e = mk(ENTRY_ITEM_ADD, NULL, it);
        else if (w < 96)
                e = mk(ENTRY_ITEM_WITHDRAW, NULL, it);
        else if (w < 97) {
                /* Erasures are rare; patrons P0..P3 only. */
                patron_name(pa, p % 4);
                e = mk(ENTRY_PATRON_ERASE, pa, NULL);
        } else if (w == 97 && d == 0) {
                /* Desk 1 stands in for the appliance: now and then it
                 * changes the renewal limit for everyone. */
                e = mk(ENTRY_FOLD_PARAMS, NULL, NULL);
                entry_set_uint(&e, BODY_RENEW_LIMIT, 1 + below(4));
        } else
                e = mk(ENTRY_ITEM_UPDATE, NULL, it);
        if (below(100) == 0)
                strcpy(e.actor, "intruder");
        else
                sprintf(e.actor, "staff%u", d);
        return e;
}

typedef struct RunCollect {
        Batch cur;
} RunCollect;

static int collect_runs(const JournalRow *row, void *userdata)
{
        unsigned *origin = userdata;

        if (n_runs == 0 || runs[n_runs - 1].origin != *origin ||
            runs[n_runs - 1].b.e[runs[n_runs - 1].b.n - 1].has_sig) {
                runs = realloc(runs, (n_runs + 1) * sizeof *runs);
                assert_non_null(runs);
                runs[n_runs++] = (Run){ .origin = *origin };
        }
        assert_int_equal(
                batch_add(&runs[n_runs - 1].b, row->bytes, row->size, row->has_sig ? row->sig : NULL), 0);
        return 0;
}

static void generate(void)
{
        uint64_t last_field[N_DESKS][N_PATRONS] = { 0 };
        unsigned made[N_DESKS] = { 0 };
        uint64_t t = T0;

        rng_state = 0x9e3779b97f4a7c15ull;
        for (unsigned d = 0; d < N_DESKS; d++) {
                gen[d] = store_open(NULL);
                hlc_init(&desk_get(d + 1)->clock, 0);
        }
        /* A desk whose clock runs far behind erases two patrons before
         * (in HLC order) anyone registers them. */
        {
                Entry er[2] = { mk(ENTRY_PATRON_ERASE, "P60", NULL), mk(ENTRY_PATRON_ERASE, "P61", NULL) };
                Desk *dk = desk_get(N_DESKS);
                assert_true(sync_store_append(gen[N_DESKS - 1], dk->signer, &test_trust, &dk->clock,
                                              T0 - 10000, er, 2, 0) > 0);
                made[N_DESKS - 1] += 2;
        }
        /* The catalogue and the patrons, spread over the desks, each desk
         * appending its share in batches of up to 32. */
        for (unsigned d = 0; d < N_DESKS; d++) {
                Entry batch[32];
                unsigned n = 0;
                Desk *dk = desk_get(d + 1);

                for (unsigned k = d; k < N_ITEMS - 4 + N_PATRONS; k += N_DESKS) {
                        char name[16];
                        if (k < N_ITEMS - 4) {
                                item_name(name, k);
                                batch[n] = mk(ENTRY_ITEM_ADD, NULL, name);
                        } else {
                                unsigned p = k - (N_ITEMS - 4);
                                patron_name(name, p);
                                batch[n] = field_entry(ENTRY_PATRON_REGISTER, name, p, PATRON_FIELD_NAME, 0,
                                                       (uint8_t)p, 0);
                                if (p % 5 == 4)
                                        entry_set_uint(&batch[n], BODY_EXPIRY,
                                                       T0 + 60000); /* expires mid-run */
                        }
                        if (++n == ELEMENTSOF(batch) || k + N_DESKS >= N_ITEMS - 4 + N_PATRONS) {
                                assert_true(sync_store_append(gen[d], dk->signer, &test_trust, &dk->clock,
                                                              t + k, batch, n, 0) > 0);
                                made[d] += n;
                                n = 0;
                        }
                }
        }
        /* Desks work concurrently, each with its own clock skew, and append
         * in small signed batches. */
        for (;;) {
                bool more = false;
                t += 1 + below(400);
                for (unsigned d = 0; d < N_DESKS; d++) {
                        Entry batch[64];
                        unsigned n = 1 + below(64);
                        Desk *dk = desk_get(d + 1);
                        uint64_t skew = (uint64_t)below(600);

                        if (made[d] >= PER_DESK)
                                continue;
                        more = true;
                        if (below(3) != 0)
                                continue;
                        n = MIN(n, PER_DESK - made[d]);
                        for (unsigned k = 0; k < n; k++)
                                batch[k] = random_op(d, t, last_field[d]);
                        assert_true(sync_store_append(gen[d], dk->signer, &test_trust, &dk->clock, t + skew,
                                                      batch, n, 0) > 0);
                        for (unsigned k = 0; k < n; k++)
                                if (batch[k].kind == ENTRY_PATRON_UPDATE && below(2) == 0) {
                                        unsigned p = (unsigned)atoi(batch[k].patron + 1);
                                        last_field[d][p] = batch[k].hlc;
                                }
                        made[d] += n;
                }
                if (!more)
                        break;
        }
        for (unsigned d = 0; d < N_DESKS; d++) {
                unsigned o = d;
                assert_true(journal_read_range(sync_store_journal(gen[d]), desk_get(d + 1)->signer->origin,
                                               1, 0, collect_runs, &o) == PER_DESK);
        }
}

static void exc_digest(SyncStore *j, uint8_t out[32], int64_t *ret_count)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        crypto_generichash_state h;

        assert_int_equal(
                sqlite3_prepare_v2(sync_store_db(j),
                                   "SELECT entity, hlc, hex(origin), seq, code, detail, hex(loser_ct) "
                                   "FROM exception ORDER BY entity, hlc, origin, seq, code, detail;",
                                   -1, &st, NULL),
                SQLITE_OK);
        crypto_generichash_init(&h, NULL, 0, 32);
        *ret_count = 0;
        while (db_step(st) == 1) {
                for (int c = 0; c < 7; c++) {
                        const unsigned char *s = sqlite3_column_text(st, c);
                        crypto_generichash_update(&h, s ? s : (const unsigned char *)"",
                                                  s ? strlen((const char *)s) + 1 : 1);
                }
                (*ret_count)++;
        }
        crypto_generichash_final(&h, out, 32);
}

static void batch_append(Batch *to, const Batch *from)
{
        for (size_t i = 0; i < from->n; i++)
                assert_int_equal(batch_add(to, from->e[i].bytes, from->e[i].size,
                                           from->e[i].has_sig ? from->e[i].sig : NULL),
                                 0);
}

static void deliver_checked(SyncStore *j, const Batch *b, bool forged)
{
        ExchangeResult *res = calloc(b->n + 1, sizeof *res);
        Hlc clock;

        hlc_init(&clock, 0);
        assert_true(sync_store_apply(j, &test_trust, &clock, T0 + 3600000, b, res) >= 0);
        for (size_t i = 0; i < b->n; i++)
                assert_true(res[i].outcome == OUTCOME_APPLIED || res[i].outcome == OUTCOME_DUPLICATE ||
                            res[i].outcome == OUTCOME_HELD ||
                            (res[i].outcome == OUTCOME_QUARANTINED &&
                             res[i].reason == QUARANTINE_UNAUTHORIZED) ||
                            (forged && res[i].outcome == OUTCOME_QUARANTINED &&
                             res[i].reason == QUARANTINE_BAD_SIGNATURE));
        free(res);
}

static void deliver(SyncStore *j, const Batch *b)
{
        deliver_checked(j, b, false);
}

/* Sometimes a relay forges a signature inside a batch (not on its last
 * entry): deliver that copy first. The run is cut there; the honest copy,
 * delivered next, fills it in. */
static void deliver_maybe_forged(SyncStore *j, const Batch *b)
{
        Batch forged = { 0 };
        size_t n_signed = 0;

        for (size_t i = 0; i + 1 < b->n; i++)
                n_signed += b->e[i].has_sig;
        if (n_signed == 0 || below(8) != 0)
                return;
        batch_append(&forged, b);
        for (size_t i = 0, k = below((unsigned)n_signed);; i++)
                if (forged.e[i].has_sig && k-- == 0) {
                        forged.e[i].sig[below(ENTRY_SIG_SIZE)] ^= 0x20;
                        break;
                }
        deliver_checked(j, &forged, true);
        batch_done(&forged);
}

/* Deliver the runs in idx[0..n) in about that order, grouped into random
 * batches of up to 40 runs, with random resends. Like
 * exchange_batch_build(), a batch holds at most one contiguous stretch per
 * origin: a run that would break its origin's stretch waits for the next
 * batch. */
static void deliver_runs(SyncStore *j, const size_t *idx, size_t n)
{
        bool *sent = calloc(n, sizeof *sent);
        size_t first = 0, n_sent = 0;

        while (n_sent < n) {
                Batch b = { 0 };
                ssize_t last[N_DESKS];
                unsigned g = 1 + below(40), taken = 0;

                for (unsigned d = 0; d < N_DESKS; d++)
                        last[d] = -1;
                while (first < n && sent[first])
                        first++;
                for (size_t i = first; i < n && taken < g; i++) {
                        const Run *run = &runs[idx[i]];
                        if (sent[i] || (last[run->origin] >= 0 && (size_t)last[run->origin] + 1 != idx[i]))
                                continue;
                        if (b.n + run->b.n > EXCHANGE_BATCH_MAX_ENTRIES)
                                break;
                        batch_append(&b, &run->b);
                        last[run->origin] = (ssize_t)idx[i];
                        sent[i] = true;
                        n_sent++;
                        taken++;
                }
                deliver_maybe_forged(j, &b);
                deliver(j, &b);
                batch_done(&b);
                if (below(10) == 0) /* a resend of something already sent */
                        deliver(j, &runs[idx[below((unsigned)first + 1)]].b);
        }
        free(sent);
}

/* Pull from a into b until b holds what a can give, in batches of at most
 * max entries (a run still ends on a signed entry). */
static void gossip_max(SyncStore *a, SyncStore *b, size_t max)
{
        for (;;) {
                VersionVector vv;
                Batch batch;
                assert_int_equal(version_vector_get(sync_store_journal(b), &vv), 0);
                assert_int_equal(exchange_batch_build(sync_store_journal(a), &vv, max, 0, &batch), 0);
                version_vector_done(&vv);
                if (batch.n == 0)
                        break;
                deliver(b, &batch);
                batch_done(&batch);
        }
}

/* Usually in batches of 300; often in small ones (a slow link). */
static void gossip(SyncStore *a, SyncStore *b)
{
        gossip_max(a, b, below(2) == 0 ? 300 : 1 + below(20));
}

static void fill_from_origins(SyncStore *j)
{
        VersionVector vv;
        size_t *want = calloc(n_runs, sizeof *want), n = 0;

        assert_int_equal(version_vector_get(sync_store_journal(j), &vv), 0);
        for (size_t r = 0; r < n_runs; r++) {
                Entry e;
                const BatchEntry *last = &runs[r].b.e[runs[r].b.n - 1];
                assert_int_equal(entry_decode(last->bytes, last->size, &e), 0);
                if (version_vector_seq(&vv, e.origin) < e.seq)
                        want[n++] = r;
        }
        version_vector_done(&vv);
        for (size_t r = n; r > 1; r--) {
                size_t k = below((unsigned)r), t = want[r - 1];
                want[r - 1] = want[k];
                want[k] = t;
        }
        deliver_runs(j, want, n);
        free(want);
}

static void assert_reference(SyncStore *j)
{
        uint8_t s[32], x[32];
        int64_t n;

        digest_of(j, s);
        exc_digest(j, x, &n);
        if (n != ref_exc_count)
                print_message("journal %lld pending %lld quarantine %lld\n",
                              (long long)q_int(j, "SELECT count(*) FROM journal;"),
                              (long long)q_int(j, "SELECT count(*) FROM pending;"),
                              (long long)q_int(j, "SELECT count(*) FROM quarantine;"));
        assert_int_equal(n, ref_exc_count);
        assert_memory_equal(x, ref_exc, 32);
        assert_memory_equal(s, ref_state, 32);
        /* It stored only signatures it verified: every chain verifies. */
        for (unsigned d = 1; d <= N_DESKS; d++)
                assert_int_equal(journal_verify_chain(sync_store_journal(j), desk_get(d)->signer->origin,
                                                      desk_get(d)->signer->pk, NULL),
                                 PER_DESK);
                /* No fold-state row links an erased patron. */
#define ERASED "(SELECT id FROM patron WHERE erased = 1)"
        assert_int_equal(q_int(j, "SELECT (SELECT count(*) FROM loan WHERE patron IN " ERASED ")"
                                  " + (SELECT count(*) FROM hold WHERE patron IN " ERASED ")"
                                  " + (SELECT count(*) FROM account WHERE patron IN " ERASED ")"
                                  " + (SELECT count(*) FROM payment WHERE patron IN " ERASED ")"
                                  " + (SELECT count(*) FROM patron_field WHERE patron IN " ERASED ")"
                                  " + (SELECT count(*) FROM exception WHERE loser_ct IS NOT NULL"
                                  "    AND substr(entity, 3) IN " ERASED ")"
                                  " + (SELECT count(*) FROM patron WHERE erased = 1"
                                  "    AND (key_id IS NOT NULL OR visits != 0 OR last_visit IS NOT NULL));"),
                         0);
#undef ERASED
}

/* Patron keys as an officer would hand them to a node: sealed for the node's
 * X25519 key (every test node shares one). */
static uint8_t sealed_keys[N_PATRONS][MAX_ROTATIONS][KEYSTORE_SEALED_SIZE];

static void seal_keys(void)
{
        assert_int_equal(secret_new(32, &node_sk), 0);
        crypto_box_keypair(node_pk, node_sk->bytes);
        for (unsigned p = 0; p < N_PATRONS; p++)
                for (unsigned r = 0; r <= rot[p]; r++) {
                        uint8_t key[KEYSTORE_KEY_SIZE], tag[2] = { (uint8_t)p, (uint8_t)r };
                        crypto_generichash(key, sizeof key, tag, sizeof tag, NULL, 0);
                        assert_int_equal(crypto_box_seal(sealed_keys[p][r], key, sizeof key, node_pk), 0);
                }
}

static KeyStore *node_keystore(SyncStore *j)
{
        Secret *dbkey;
        KeyStore *ks;

        assert_int_equal(secret_new(KEYSTORE_DB_KEY_SIZE, &dbkey), 0);
        randombytes_buf(dbkey->bytes, dbkey->size);
        assert_int_equal(keystore_open(sync_store_db(j), dbkey, &ks), 0);
        secret_free(dbkey);
        return ks;
}

/* Import the keys whose bit in `early` equals `phase` (0: before any
 * delivery, 1: after all of them). After: an erased patron's key is refused
 * (its tombstone came with the entries), any other imports. */
static void import_keys(KeyStore *ks, const uint8_t early[N_PATRONS][MAX_ROTATIONS], unsigned phase)
{
        for (unsigned p = 0; p < N_PATRONS; p++)
                for (unsigned r = 0; r <= rot[p]; r++) {
                        uint8_t id[ENTRY_KEY_ID_SIZE];
                        if (early[p][r] != phase)
                                continue;
                        key_id_of(p, r, id);
                        assert_int_equal(keystore_import(ks, id, sealed_keys[p][r], node_pk, node_sk),
                                         phase == 1 && erased_ref[p] ? -ENOKEY : 0);
                }
}

/* No key of an erased patron survives; every other key is usable. */
static void assert_keys(KeyStore *ks)
{
        for (unsigned p = 0; p < N_PATRONS; p++)
                for (unsigned r = 0; r <= rot[p]; r++) {
                        uint8_t id[ENTRY_KEY_ID_SIZE];
                        Secret *k = NULL;
                        key_id_of(p, r, id);
                        assert_int_equal(keystore_get(ks, id, &k), erased_ref[p] ? -ENOKEY : 0);
                        secret_free(k);
                }
}

static void test_convergence(void **state)
{
        const char *env = getenv("CARREL_CONVERGENCE_RUNS");
#ifdef __SANITIZE_ADDRESS__
        unsigned n_orders = 100;
#else
        unsigned n_orders = 1000;
#endif
        char *index_incremental, *index_rebuilt;
        size_t *idx;
        SyncStore *ref;
        size_t total = 0;

        if (env && *env)
                n_orders = (unsigned)strtoul(env, NULL, 10);
        generate();
        for (size_t r = 0; r < n_runs; r++)
                total += runs[r].b.n;
        assert_true(total >= 2000);

        /* The reference: everything in chain order, then a full re-fold. */
        idx = calloc(n_runs, sizeof *idx);
        for (size_t r = 0; r < n_runs; r++)
                idx[r] = r;
        ref = store_open(NULL);
        for (size_t r = 0; r < n_runs; r++)
                deliver(ref, &runs[r].b);
        assert_int_equal(q_int(ref, "SELECT count(*) FROM journal;"), (int64_t)total);
        /* The index a rebuild writes from what it folds equals the one the
         * deliveries built: entries arrived out of clock order, refused
         * entries and links included. */
        index_incremental = index_dump(ref);
        assert_int_equal(sync_store_rebuild(ref), (int64_t)total);
        index_rebuilt = index_dump(ref);
        assert_string_equal(index_incremental, index_rebuilt);
        free(index_incremental);
        free(index_rebuilt);
        digest_of(ref, ref_state);
        exc_digest(ref, ref_exc, &ref_exc_count);
        /* The workload covers every fold rule and erasures. */
        for (int code = EXC_IMPLICIT_CHECKIN; code <= EXC_QUARANTINED; code++) {
                if (n_exc(ref, code) == 0)
                        fail_msg("workload never raises %s", fold_exception_to_string(code));
        }
        assert_true(q_int(ref, "SELECT count(*) FROM patron WHERE erased = 1;") >= 2);
        assert_true(q_int(ref, "SELECT count(*) FROM loan WHERE anonymised = 1;") >= 1);
        /* ...and what the review found: an erasure that sorts before the
         * registration it erases, and erased patrons whose key rotated. */
        assert_int_equal(q_int(ref, "SELECT erased_hlc < (SELECT hlc FROM journal WHERE kind = 1 AND"
                                    "  entity = 'p:P60') FROM patron WHERE id = 'P60';"),
                         1);
        {
                unsigned rotated_erased = 0;
                for (unsigned p = 0; p < N_PATRONS; p++) {
                        char sql[96];
                        snprintf(sql, sizeof sql,
                                 "SELECT count(*) FROM patron WHERE id = 'P%u' AND erased = 1;", p);
                        erased_ref[p] = q_int(ref, sql) == 1;
                        rotated_erased += erased_ref[p] && rot[p] > 0;
                }
                assert_true(rotated_erased >= 1);
        }
        assert_true(q_int(ref, "SELECT count(*) FROM quarantine WHERE reason = 8;") >= 1);
        assert_true(q_int(ref, "SELECT count(*) FROM journal WHERE kind = 18;") >= 1); /* fold-params */
        seal_keys();
        /* The origins' own stores, once they hold everyone's entries, agree
         * with every receiver (their refused entries folded as refused). */
        for (unsigned d = 0; d < N_DESKS; d++) {
                deliver_runs(gen[d], idx, n_runs);
                assert_reference(gen[d]);
                store_close(gen[d]);
                gen[d] = NULL;
        }
        print_message("workload: %zu entries in %zu signed runs, %lld exceptions; %u orders\n", total,
                      n_runs, (long long)ref_exc_count, n_orders);
        store_close(ref);

        for (unsigned o = 0; o < n_orders; o++) {
                /* A random order of runs (so chains arrive with gaps). */
                for (size_t r = n_runs - 1; r > 0; r--) {
                        size_t k = below((unsigned)r + 1), t = idx[r];
                        idx[r] = idx[k];
                        idx[k] = t;
                }
                if (o % 10 == 9) {
                        /* Partition: two nodes see different parts, then gossip. */
                        SyncStore *a = store_open(NULL), *b = store_open(NULL);
                        KeyStore *ka = node_keystore(a), *kb = node_keystore(b);
                        uint8_t early[N_PATRONS][MAX_ROTATIONS];
                        size_t cut = below((unsigned)n_runs);

                        /* Some keys reach the nodes before any entry,
                         * the rest after everything. */
                        for (unsigned p = 0; p < N_PATRONS; p++)
                                for (unsigned r = 0; r < MAX_ROTATIONS; r++)
                                        early[p][r] = (uint8_t)below(2);
                        import_keys(ka, early, 0);
                        import_keys(kb, early, 0);
                        deliver_runs(a, idx, cut);
                        deliver_runs(b, idx + cut, n_runs - cut);
                        if (o % 20 == 19) {
                                /* Through a relay that pulls in small batches. */
                                SyncStore *relay = store_open(NULL);
                                gossip_max(a, relay, 1 + below(8));
                                gossip_max(relay, b, 1 + below(8));
                                store_close(relay);
                        }
                        gossip(a, b);
                        gossip(b, a);
                        /* Gaps that neither node can fill for the other
                         * (each holds the other's missing runs only as held
                         * entries) are filled from the origins, in a new
                         * random order; then the nodes gossip again. */
                        fill_from_origins(a);
                        gossip(a, b);
                        fill_from_origins(b);
                        gossip(b, a);
                        assert_reference(a);
                        assert_reference(b);
                        import_keys(ka, early, 1);
                        import_keys(kb, early, 1);
                        assert_keys(ka);
                        assert_keys(kb);
                        keystore_free(ka);
                        keystore_free(kb);
                        store_close(a);
                        store_close(b);
                } else {
                        SyncStore *j = store_open(NULL);
                        deliver_runs(j, idx, n_runs);
                        assert_int_equal(q_int(j, "SELECT count(*) FROM pending;"), 0);
                        assert_reference(j);
                        store_close(j);
                }
        }
        free(idx);
        for (size_t r = 0; r < n_runs; r++)
                batch_done(&runs[r].b);
        free(runs);
        secret_free(node_sk);
        desks_free();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_convergence),
        };
        return cmocka_run_group_tests_name("sync/convergence", tests, NULL, NULL);
}
