/* carrel-sync-demo: a short, self-contained walk through the sync core.
 *
 * Two desks work offline on their own stores and an appliance reconciles
 * with both through the anti-entropy exchange: conflicting checkouts, a
 * duplicate payment, a late block, a tampered batch that is quarantined,
 * an erasure that crypto-shreds the patron while every chain still
 * verifies, and a second replica that converges to the same digest.
 * Everything lives in a temporary directory that is removed at the end.
 * Usage: carrel-sync-demo */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "lib/secmem.h"
#include "sync/exchange.h"
#include "sync/fold.h"
#include "sync/journal.h"
#include "sync/store.h"
#include "sync/keystore.h"

#define T0 1767225600000ull /* 2026-01-01 */
#define MIN_MS 60000ull
#define DAY (24 * 60 * MIN_MS)

typedef struct Node {
        const char *name;
        sqlite3 *db;
        SyncStore *j;
        JournalSigner *signer;
        Hlc clock;
} Node;

static Node desk_a = { .name = "desk-a" }, desk_b = { .name = "desk-b" },
            appliance = { .name = "appliance" }, replica = { .name = "hub" };
static char dir[256];

static void check(int r, const char *what)
{
        if (r < 0) {
                fprintf(stderr, "carrel-sync-demo: %s: %s\n", what, strerror(-r));
                exit(1);
        }
}

static void node_open(Node *n, uint8_t id)
{
        char path[512];
        uint8_t origin[ENTRY_ORIGIN_SIZE] = { 0xca, [15] = id };

        snprintf(path, sizeof path, "%s/%s.db", dir, n->name);
        check(db_open(path, DB_OPEN_CREATE, &n->db), "open store");
        check(sync_store_open(n->db, &n->j), "open journal");
        check(journal_signer_new(origin, NULL, &n->signer), "journal key");
        hlc_init(&n->clock, 0);
}

static int lookup(void *userdata, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint8_t ret_pk[32],
                  uint64_t *ret_revoked)
{
        Node *all[] = { &desk_a, &desk_b, &appliance, &replica };
        for (size_t i = 0; i < 4; i++)
                if (memcmp(all[i]->signer->origin, origin, ENTRY_ORIGIN_SIZE) == 0) {
                        memcpy(ret_pk, all[i]->signer->pk, 32);
                        *ret_revoked = 0;
                        return 0;
                }
        return -ENOENT;
}

static const SyncTrust trust = { .device_lookup = lookup };

static Entry op(EntryKind k, const char *patron, const char *item)
{
        Entry e = { .kind = k };
        strcpy(e.actor, "librarian");
        if (patron)
                (void)entry_set_string(&e, BODY_PATRON, patron);
        if (item)
                (void)entry_set_string(&e, BODY_ITEM, item);
        return e;
}

static void record(Node *n, uint64_t ms, Entry *e, size_t count)
{
        check((int)sync_store_append(n->j, n->signer, &trust, &n->clock, ms, e, count, 0), "append");
}

/* Pull everything `from` has that `to` lacks. */
static void sync_pair(Node *from, Node *to)
{
        for (;;) {
                VersionVector vv;
                Batch b;
                ExchangeResult *res;
                int applied;

                check(version_vector_get(sync_store_journal(to->j), &vv), "version vector");
                check(exchange_batch_build(sync_store_journal(from->j), &vv, 0, 0, &b), "build batch");
                version_vector_done(&vv);
                if (b.n == 0)
                        return;
                res = calloc(b.n, sizeof *res);
                applied = sync_store_apply(to->j, &trust, &to->clock, T0 + DAY, &b, res);
                check(applied, "apply batch");
                printf("  %s -> %s: %zu entries sent, %d applied\n", from->name, to->name, b.n, applied);
                free(res);
                batch_done(&b);
        }
}

static void print_exceptions(Node *n)
{
        sqlite3_stmt *st;

        printf("  exception list on %s:\n", n->name);
        check(db_prepare(n->db, "SELECT entity, code, detail FROM exception ORDER BY hlc, origin, seq;",
                         &st),
              "query");
        while (db_step(st) == 1)
                printf("    %-8s %-24s %s\n", (const char *)sqlite3_column_text(st, 0),
                       fold_exception_to_string(sqlite3_column_int(st, 1)),
                       (const char *)sqlite3_column_text(st, 2));
        sqlite3_finalize(st);
}

static void print_loans(Node *n)
{
        sqlite3_stmt *st;

        printf("  loans on %s:\n", n->name);
        check(db_prepare(
                      n->db,
                      "SELECT item, ifnull(patron, '(anonymised)'), end_kind FROM loan ORDER BY start_hlc;",
                      &st),
              "query");
        while (db_step(st) == 1)
                printf("    %-6s %-14s %s\n", (const char *)sqlite3_column_text(st, 0),
                       (const char *)sqlite3_column_text(st, 1),
                       sqlite3_column_int(st, 2) == LOAN_END_IMPLICIT  ? "ended by implicit checkin"
                       : sqlite3_column_int(st, 2) == LOAN_END_CHECKIN ? "returned"
                                                                       : "open");
        sqlite3_finalize(st);
}

static void digest(Node *n, char hex[65])
{
        uint8_t d[32];
        check(sync_store_digest(n->j, d), "digest");
        sodium_bin2hex(hex, 65, d, 32);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(p);
}

int main(void)
{
        const char *base = getenv("TMPDIR");
        Secret *dbkey;
        KeyStore *ks;
        uint8_t key_id[ENTRY_KEY_ID_SIZE], ct[128];
        Secret *key, *pt;
        char ha[65], hb[65];
        Entry e[4];
        int n;

        check(secmem_init(), "libsodium");
        (void)secmem_harden_process();
        snprintf(dir, sizeof dir, "%s/carrel-sync-demo-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir))
                check(-errno, "temporary directory");
        node_open(&desk_a, 1);
        node_open(&desk_b, 2);
        node_open(&appliance, 3);
        node_open(&replica, 4);

        printf("1. Desk A registers a patron (name encrypted under a per-patron key) and lends B-1.\n");
        check(secret_new(KEYSTORE_DB_KEY_SIZE, &dbkey), "key");
        randombytes_buf(dbkey->bytes, dbkey->size);
        check(keystore_open(appliance.db, dbkey, &ks), "key store");
        check(keystore_create(ks, key_id), "patron key");
        check(keystore_get(ks, key_id, &key), "patron key");
        n = field_seal(key, key_id, "P-1001", PATRON_FIELD_NAME, "A. Reader", 9, ct, sizeof ct);
        check(n, "seal");
        e[0] = op(ENTRY_PATRON_REGISTER, "P-1001", NULL);
        memcpy(e[0].key_id, key_id, sizeof key_id);
        e[0].present |= (1u << BODY_KEY_ID) | (1u << BODY_FIELDS);
        e[0].fields[0] = (EntryField){ .id = PATRON_FIELD_NAME, .ct = ct, .ct_len = (size_t)n };
        e[0].n_fields = 1;
        e[1] = op(ENTRY_ITEM_ADD, NULL, "B-1");
        e[2] = op(ENTRY_CHECKOUT, "P-1001", "B-1");
        entry_set_uint(&e[2], BODY_DUE, T0 + 21 * DAY);
        record(&desk_a, T0, e, 3);

        printf("2. Desk B, offline, lends the same book to P-2002 an hour later and takes a payment "
               "twice.\n");
        e[0] = op(ENTRY_CHECKOUT, "P-2002", "B-1");
        entry_set_uint(&e[0], BODY_DUE, T0 + 21 * DAY);
        e[1] = op(ENTRY_PAYMENT, "P-2002", NULL);
        entry_set_uint(&e[1], BODY_AMOUNT, 250);
        (void)entry_set_string(&e[1], BODY_PAYMENT_ID, "RCPT-77");
        e[2] = e[1];
        record(&desk_b, T0 + 60 * MIN_MS, e, 3);

        printf("3. The links come back: the appliance reconciles with both desks.\n");
        sync_pair(&desk_b, &appliance);
        sync_pair(&desk_a, &appliance);
        print_loans(&appliance);
        print_exceptions(&appliance);

        printf("4. A tampered batch (one byte flipped) is quarantined; nothing is applied.\n");
        {
                VersionVector vv = { 0 };
                Batch b;
                ExchangeResult res[8];
                e[0] = op(ENTRY_VISIT, "P-1001", NULL);
                e[1] = op(ENTRY_VISIT, "P-1001", NULL);
                record(&desk_a, T0 + 90 * MIN_MS, e, 2);
                check(version_vector_get(sync_store_journal(appliance.j), &vv), "version vector");
                check(exchange_batch_build(sync_store_journal(desk_a.j), &vv, 0, 0, &b), "batch");
                version_vector_done(&vv);
                b.e[0].bytes[b.e[0].size - 1] ^= 1;
                check(sync_store_apply(appliance.j, &trust, &appliance.clock, T0 + DAY, &b, res), "apply");
                for (size_t i = 0; i < b.n; i++)
                        printf("  entry seq %llu: %s (%s)\n", (unsigned long long)res[i].seq,
                               exchange_outcome_to_string(res[i].outcome),
                               quarantine_reason_to_string(res[i].reason));
                batch_done(&b);
                sync_pair(&desk_a, &appliance); /* the honest resend goes through */
        }

        printf("5. Erasure: P-1001 is erased at desk B; applying it shreds the key on the appliance.\n");
        check(keystore_read_patron_field(ks, "P-1001", PATRON_FIELD_NAME, &pt), "read name");
        printf("  before: name readable (%zu bytes)\n", pt->size);
        secret_free(pt);
        sync_pair(&appliance, &desk_b);
        e[0] = op(ENTRY_PATRON_ERASE, "P-1001", NULL);
        record(&desk_b, T0 + 120 * MIN_MS, e, 1);
        sync_pair(&desk_b, &appliance);
        printf("  after: reading the name gives %s (the anonymous stub)\n",
               keystore_read_patron_field(ks, "P-1001", PATRON_FIELD_NAME, &pt) == -ENOKEY ? "ENOKEY"
                                                                                           : "?!");
        printf("  desk A's chain still verifies on the appliance: %lld entries\n",
               (long long)journal_verify_chain(sync_store_journal(appliance.j), desk_a.signer->origin,
                                               desk_a.signer->pk, NULL));

        printf("6. A hub replica pulls from the appliance and folds to the same state.\n");
        sync_pair(&appliance, &replica);
        digest(&appliance, ha);
        digest(&replica, hb);
        printf("  appliance digest %.16s...\n  hub digest       %.16s... %s\n", ha, hb,
               strcmp(ha, hb) == 0 ? "(identical)" : "(DIFFERENT)");

        secret_free(key);
        secret_free(dbkey);
        keystore_free(ks);
        Node *all[] = { &desk_a, &desk_b, &appliance, &replica };
        for (size_t i = 0; i < 4; i++) {
                sync_store_free(all[i]->j);
                db_close(all[i]->db);
                journal_signer_free(all[i]->signer);
        }
        nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        return strcmp(ha, hb) == 0 ? 0 : 1;
}
