/* sync/fold: one test per conflict rule of the design table, each checking
 * the state, the named exception, and that a late arrival (the same entries
 * in another order) folds to the same digest as a full rebuild. */
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "sync/hlc.h"
#include "tests/unit/sync/sync-test.h"
#include "tests/unit/test.h"

#define DAY (24ull * 3600 * 1000)

static SyncStore *j;
static Desk *d1, *d2;

static int setup(void **state)
{
        j = store_open(NULL);
        d1 = desk_get(1);
        d2 = desk_get(2);
        hlc_init(&d1->clock, 0);
        hlc_init(&d2->clock, 0);
        return 0;
}

static int teardown(void **state)
{
        store_close(j);
        desks_free();
        return 0;
}

/* The incremental state must equal a fold of everything from scratch, and
 * the entity index the rebuild writes the one the appends built. */
static void assert_rebuild_equal(void)
{
        _cleanup_free_ char *index_before = index_dump(j), *index_after = NULL;
        uint8_t a[32], b[32];

        digest_of(j, a);
        assert_true(sync_store_rebuild(j) >= 0);
        digest_of(j, b);
        assert_memory_equal(a, b, 32);
        index_after = index_dump(j);
        assert_string_equal(index_before, index_after);
}

static void base_items(void)
{
        put(j, d1, 100, mk(ENTRY_ITEM_ADD, NULL, "X1"));
        put(j, d1, 101, mk_field(ENTRY_PATRON_REGISTER, "P1", PATRON_FIELD_NAME, 0, 1));
        put(j, d1, 102, mk_field(ENTRY_PATRON_REGISTER, "P2", PATRON_FIELD_NAME, 0, 2));
}

static void test_implicit_checkin(void **state)
{
        base_items();
        /* Desk 2's later checkout arrives first; desk 1's earlier one is late. */
        put(j, d2, 2000, mk_due(ENTRY_CHECKOUT, "P2", "X1", 9 * DAY));
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan;"), 2);
        assert_int_equal(q_int(j, "SELECT end_kind FROM loan WHERE patron = 'P1';"), LOAN_END_IMPLICIT);
        assert_int_equal(q_int(j, "SELECT end_hlc FROM loan WHERE patron = 'P1';"),
                         (int64_t)hlc_make(2000, 0));
        assert_int_equal(q_int(j, "SELECT end_hlc IS NULL FROM loan WHERE patron = 'P2';"), 1);
        /* A patron's loans, the way services reach them: through patron_item. */
        assert_int_equal(
                q_int(j, "SELECT count(*) FROM patron_item AS pi JOIN loan"
                         "  ON loan.item = pi.item AND loan.patron = pi.patron WHERE pi.patron = 'P2';"),
                1);
        assert_int_equal(n_exc(j, EXC_IMPLICIT_CHECKIN), 1);
        assert_rebuild_equal();
}

static void test_checkout_same_patron_is_renewal(void **state)
{
        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d2, 2000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 9 * DAY));
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan;"), 1);
        assert_int_equal(q_int(j, "SELECT renewals FROM loan;"), 1);
        assert_int_equal(q_int(j, "SELECT due FROM loan;"), (int64_t)(9 * DAY));
        assert_int_equal(q_int(j, "SELECT count(*) FROM exception;"), 0);
        assert_rebuild_equal();
}

/* Defect: a same-patron checkout renewed past the limit and over another
 * patron's hold. It is a renewal, under the renewal's rules. */
static void test_checkout_same_patron_renewal_rules(void **state)
{
        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        for (unsigned i = 0; i < 3; i++)
                put(j, d1, 1100 + i, mk_due(ENTRY_CHECKOUT, "P1", "X1", (10 + i) * DAY));
        put(j, d2, 1200, mk_due(ENTRY_CHECKOUT, "P1", "X1", 30 * DAY)); /* over the limit */
        assert_int_equal(q_int(j, "SELECT renewals FROM loan;"), 3);
        assert_int_equal(q_int(j, "SELECT due FROM loan;"), (int64_t)(12 * DAY));
        assert_int_equal(n_exc(j, EXC_RENEW_BLOCKED), 1);
        /* Another patron's hold blocks it too. */
        put(j, d1, 1300, mk(ENTRY_ITEM_ADD, NULL, "X2"));
        put(j, d1, 1400, mk_due(ENTRY_CHECKOUT, "P1", "X2", 8 * DAY));
        put(j, d1, 1500, mk(ENTRY_HOLD_PLACE, "P2", "X2"));
        put(j, d2, 1600, mk_due(ENTRY_CHECKOUT, "P1", "X2", 40 * DAY));
        assert_int_equal(q_int(j, "SELECT due FROM loan WHERE item = 'X2';"), (int64_t)(8 * DAY));
        assert_int_equal(n_exc(j, EXC_RENEW_BLOCKED), 2);
        assert_rebuild_equal();
}

/* Defect: the renewal limit was a per-process argument, so two nodes
 * opened with different values diverged silently. It is replicated state:
 * a fold-params entry applies from its HLC on, on every node, and one that
 * arrives late re-folds what it changes. */
static void test_fold_params_replicated(void **state)
{
        SyncStore *rx = store_open(NULL);
        Entry params = mk(ENTRY_FOLD_PARAMS, NULL, NULL);
        ExchangeResult res[16];
        VersionVector vv;
        uint8_t a[32], b[32];
        Batch batch;
        Hlc clock;

        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d1, 1100, mk_due(ENTRY_RENEW, "P1", "X1", 9 * DAY));
        put(j, d1, 1300, mk_due(ENTRY_RENEW, "P1", "X1", 10 * DAY));
        assert_int_equal(q_int(j, "SELECT renewals FROM loan;"), 2); /* the default limit, 3 */
        /* The hub lowered the limit to 1 at 1200; it reaches us late. */
        entry_set_uint(&params, BODY_RENEW_LIMIT, 1);
        put(j, d2, 1200, params);
        assert_int_equal(q_int(j, "SELECT renewals FROM loan;"), 1);
        assert_int_equal(q_int(j, "SELECT due FROM loan;"), (int64_t)(9 * DAY));
        assert_int_equal(n_exc(j, EXC_RENEW_BLOCKED), 1);
        assert_rebuild_equal();
        /* Another node with the same entries folds the same, whatever it
         * was opened with (nothing: there is no parameter to pass). */
        assert_int_equal(version_vector_get(sync_store_journal(rx), &vv), 0);
        assert_int_equal(exchange_batch_build(sync_store_journal(j), &vv, 0, 0, &batch), 0);
        version_vector_done(&vv);
        hlc_init(&clock, 0);
        assert_true(sync_store_apply(rx, &test_trust, &clock, 10000, &batch, res) > 0);
        digest_of(j, a);
        digest_of(rx, b);
        assert_memory_equal(a, b, 32);
        batch_done(&batch);
        store_close(rx);
}

/* The digest is specified byte by byte, so a hub on any machine can
 * compare it with a branch's: tables in a fixed order, each a tag byte,
 * then per column a type byte and, for integers, 8 bytes little-endian, for
 * text and blobs an 8-byte little-endian length and the bytes. Computed
 * here from that description for a one-item state. */
static void test_digest_byte_order(void **state)
{
        crypto_generichash_state h;
        uint8_t want[32], got[32], tag;

        put(j, d1, 100, mk(ENTRY_ITEM_ADD, NULL, "X1"));
        crypto_generichash_init(&h, NULL, 0, 32);
        for (tag = 0; tag < 8; tag++) {
                crypto_generichash_update(&h, &tag, 1);
                if (tag == 4) { /* item: barcode, title, stub, withdrawn, on_loan */
                        static const uint8_t row[] = { SQLITE_TEXT,
                                                       2,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       'X',
                                                       '1',
                                                       SQLITE_NULL,
                                                       SQLITE_INTEGER,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       SQLITE_INTEGER,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       SQLITE_INTEGER,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0,
                                                       0 };
                        crypto_generichash_update(&h, row, sizeof row);
                }
        }
        crypto_generichash_final(&h, want, 32);
        digest_of(j, got);
        assert_memory_equal(got, want, 32);
}

static void test_duplicate_checkin(void **state)
{
        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d1, 2000, mk(ENTRY_CHECKIN, NULL, "X1"));
        put(j, d2, 2001, mk(ENTRY_CHECKIN, NULL, "X1")); /* the same book, scanned twice */
        assert_int_equal(q_int(j, "SELECT end_kind FROM loan;"), LOAN_END_CHECKIN);
        assert_int_equal(n_exc(j, EXC_CHECKIN_NOT_ON_LOAN), 0);
        /* A checkin that no checkin explains is reported. */
        put(j, d1, 3000, mk(ENTRY_ITEM_ADD, NULL, "X2"));
        put(j, d2, 3001, mk(ENTRY_CHECKIN, NULL, "X2"));
        assert_int_equal(n_exc(j, EXC_CHECKIN_NOT_ON_LOAN), 1);
        assert_rebuild_equal();
}

static void test_renew_after_return(void **state)
{
        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d1, 3000, mk_due(ENTRY_RENEW, "P1", "X1", 20 * DAY));
        /* The checkin at 2000 arrives late from desk 2. */
        put(j, d2, 2000, mk(ENTRY_CHECKIN, NULL, "X1"));
        assert_int_equal(n_exc(j, EXC_RENEW_AFTER_RETURN), 1);
        assert_int_equal(q_int(j, "SELECT due FROM loan;"), (int64_t)(8 * DAY));
        assert_int_equal(q_int(j, "SELECT renewals FROM loan;"), 0);
        assert_rebuild_equal();
}

static void test_renew_blocked(void **state)
{
        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        for (unsigned i = 0; i < 3; i++)
                put(j, d1, 1100 + i, mk_due(ENTRY_RENEW, "P1", "X1", (10 + i) * DAY));
        put(j, d1, 1200, mk_due(ENTRY_RENEW, "P1", "X1", 30 * DAY)); /* over the limit */
        assert_int_equal(q_int(j, "SELECT renewals FROM loan;"), 3);
        assert_int_equal(q_int(j, "SELECT due FROM loan;"), (int64_t)(12 * DAY));
        assert_int_equal(n_exc(j, EXC_RENEW_BLOCKED), 1);

        /* Another patron's hold blocks renewal. */
        put(j, d1, 1300, mk(ENTRY_ITEM_ADD, NULL, "X2"));
        put(j, d1, 1400, mk_due(ENTRY_CHECKOUT, "P1", "X2", 8 * DAY));
        put(j, d1, 1600, mk_due(ENTRY_RENEW, "P1", "X2", 40 * DAY));
        put(j, d2, 1500, mk(ENTRY_HOLD_PLACE, "P2", "X2")); /* late, but earlier */
        assert_int_equal(n_exc(j, EXC_RENEW_BLOCKED), 2);
        assert_int_equal(q_int(j, "SELECT due FROM loan WHERE item = 'X2';"), (int64_t)(8 * DAY));
        assert_rebuild_equal();
}

static void test_patron_blocked_override(void **state)
{
        Entry reg;

        base_items();
        put(j, d1, 1000, mk(ENTRY_PATRON_BLOCK, "P1", NULL));
        put(j, d2, 2000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        assert_int_equal(n_exc(j, EXC_PATRON_BLOCKED_OVERRIDE), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan;"), 1); /* accepted: the item left */
        /* Expired at event time. */
        reg = mk_field(ENTRY_PATRON_REGISTER, "P3", PATRON_FIELD_NAME, 0, 3);
        entry_set_uint(&reg, BODY_EXPIRY, 2500);
        put(j, d1, 2100, reg);
        put(j, d1, 2200, mk(ENTRY_ITEM_ADD, NULL, "X2"));
        put(j, d2, 2400, mk_due(ENTRY_CHECKOUT, "P3", "X2", 8 * DAY)); /* not yet expired */
        put(j, d2, 2600, mk(ENTRY_CHECKIN, NULL, "X2"));
        put(j, d2, 2700, mk_due(ENTRY_CHECKOUT, "P3", "X2", 8 * DAY)); /* expired */
        assert_int_equal(n_exc(j, EXC_PATRON_BLOCKED_OVERRIDE), 2);
        /* A late unblock before the checkout removes the first exception. */
        put(j, desk_get(3), 1500, mk(ENTRY_PATRON_UNBLOCK, "P1", NULL));
        assert_int_equal(n_exc(j, EXC_PATRON_BLOCKED_OVERRIDE), 1);
        assert_rebuild_equal();
}

static void test_hold_retargeted(void **state)
{
        base_items();
        put(j, d1, 1000, mk(ENTRY_HOLD_PLACE, "P2", "X1"));
        put(j, d2, 2000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        assert_int_equal(n_exc(j, EXC_HOLD_RETARGETED), 1);
        assert_int_equal(q_int(j, "SELECT state FROM hold;"), HOLD_ACTIVE);
        assert_int_equal(q_int(j, "SELECT retargets FROM hold;"), 1);
        /* The holder's own checkout fills the hold. */
        put(j, d2, 3000, mk(ENTRY_CHECKIN, NULL, "X1"));
        put(j, d2, 3100, mk_due(ENTRY_CHECKOUT, "P2", "X1", 8 * DAY));
        assert_int_equal(q_int(j, "SELECT state FROM hold;"), HOLD_FILLED);
        assert_rebuild_equal();
}

static void test_item_unknown(void **state)
{
        base_items();
        put(j, d2, 2000, mk_due(ENTRY_CHECKOUT, "P1", "NEW1", 8 * DAY));
        assert_int_equal(n_exc(j, EXC_ITEM_UNKNOWN), 1);
        assert_int_equal(q_int(j, "SELECT stub FROM item WHERE barcode = 'NEW1';"), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE item = 'NEW1';"), 1);
        /* The catalogue entry, made earlier at another desk, arrives late. */
        put(j, d1, 1000, mk(ENTRY_ITEM_ADD, NULL, "NEW1"));
        assert_int_equal(n_exc(j, EXC_ITEM_UNKNOWN), 0);
        assert_int_equal(q_int(j, "SELECT stub FROM item WHERE barcode = 'NEW1';"), 0);
        assert_rebuild_equal();
}

static void test_subject_erased(void **state)
{
        base_items();
        put(j, d1, 2000, mk(ENTRY_PATRON_ERASE, "P1", NULL));
        /* Desk 2, offline, edits and lends after the erasure. */
        put(j, d2, 3000, mk_field(ENTRY_PATRON_UPDATE, "P1", PATRON_FIELD_EMAIL, 0, 9));
        put(j, d2, 3100, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        assert_int_equal(n_exc(j, EXC_SUBJECT_ERASED), 2);
        assert_int_equal(q_int(j, "SELECT erased FROM patron WHERE id = 'P1';"), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_field WHERE patron = 'P1';"), 0);
        /* On the stub, which no loan row names. */
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE item = 'X1' AND patron IS NULL;"), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE patron = 'P1';"), 0);
        /* An edit from before the erasure, arriving late, does not return. */
        put(j, d2, 1500, mk_field(ENTRY_PATRON_UPDATE, "P1", PATRON_FIELD_PHONE, 0, 8));
        assert_int_equal(q_int(j, "SELECT count(*) FROM patron_field WHERE patron = 'P1';"), 0);
        assert_rebuild_equal();
}

static void test_concurrent_edit(void **state)
{
        uint64_t reg_hlc;

        base_items();
        reg_hlc = hlc_make(101, 0); /* P1's register */
        put(j, d2, 2001, mk_field(ENTRY_PATRON_UPDATE, "P1", PATRON_FIELD_NAME, reg_hlc, 0x22));
        put(j, d1, 2000, mk_field(ENTRY_PATRON_UPDATE, "P1", PATRON_FIELD_NAME, reg_hlc, 0x21));
        assert_int_equal(n_exc(j, EXC_CONCURRENT_EDIT), 1);
        /* The later (hlc, origin) wins; the loser's ciphertext is kept. */
        assert_int_equal(q_int(j, "SELECT hlc FROM patron_field WHERE patron = 'P1' AND field = 1;"),
                         (int64_t)hlc_make(2001, 0));
        assert_int_equal(
                q_int(j, "SELECT hex(substr(loser_ct, 1, 1)) = '21' FROM exception WHERE code = 9;"), 1);
        /* An edit that saw the current version is no conflict. */
        put(j, d1, 3000, mk_field(ENTRY_PATRON_UPDATE, "P1", PATRON_FIELD_NAME, hlc_make(2001, 0), 0x23));
        assert_int_equal(n_exc(j, EXC_CONCURRENT_EDIT), 1);
        assert_rebuild_equal();
}

static void test_fines_and_payments(void **state)
{
        base_items();
        put(j, d1, 1000, mk_amount(ENTRY_FINE, "P1", 500, NULL));
        put(j, d2, 1001, mk_amount(ENTRY_FINE, "P1", 300, NULL));
        put(j, d1, 1002, mk_amount(ENTRY_PAYMENT, "P1", 200, "T-1"));
        put(j, d2, 1003, mk_amount(ENTRY_PAYMENT, "P1", 200, "T-1")); /* the same receipt twice */
        assert_int_equal(q_int(j, "SELECT fines FROM account WHERE patron = 'P1';"), 800);
        assert_int_equal(q_int(j, "SELECT payments FROM account WHERE patron = 'P1';"), 200);
        assert_int_equal(q_int(j, "SELECT balance FROM account WHERE patron = 'P1';"), 600);
        assert_int_equal(n_exc(j, EXC_DUPLICATE_PAYMENT), 1);
        assert_rebuild_equal();
}

static void test_loan_anonymise_and_visits(void **state)
{
        Entry an;

        base_items();
        put(j, d1, 1000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d1, 2000, mk(ENTRY_CHECKIN, NULL, "X1"));
        put(j, d1, 2100, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d1, 2200, mk(ENTRY_VISIT, "P1", NULL));
        an = mk(ENTRY_LOAN_ANONYMISE, "P1", NULL);
        entry_set_uint(&an, BODY_CUTOFF, hlc_make(2050, 0));
        put(j, d2, 5000, an);
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE anonymised = 1 AND patron IS NULL;"), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM loan WHERE patron = 'P1';"), 1); /* still open */
        assert_int_equal(q_int(j, "SELECT visits FROM patron WHERE id = 'P1';"), 1);
        assert_rebuild_equal();
}

/* The rule as docs/protocols.md states it: a loan-anonymise after the
 * erasure removes data and adds none, so it raises no SUBJECT_ERASED;
 * every other entry after the erasure does. */
static void test_anonymise_after_erasure(void **state)
{
        Entry an = mk(ENTRY_LOAN_ANONYMISE, "P1", NULL);

        base_items();
        put(j, d1, 1000, mk(ENTRY_PATRON_ERASE, "P1", NULL));
        entry_set_uint(&an, BODY_CUTOFF, hlc_make(900, 0));
        put(j, d1, 2000, an);
        assert_int_equal(n_exc(j, EXC_SUBJECT_ERASED), 0);
        put(j, d1, 2100, mk(ENTRY_VISIT, "P1", NULL));
        assert_int_equal(n_exc(j, EXC_SUBJECT_ERASED), 1);
        assert_rebuild_equal();
}

/* Defect: the origin folded its own entries even where every receiver
 * quarantines them (an actor without the right). The origin now decides as
 * the receivers do: stored as refused and folded as QUARANTINED, or, on
 * request, refused up front with nothing stored. */
static void test_origin_decides_as_receivers(void **state)
{
        SyncStore *rx = store_open(NULL);
        Entry e[2] = { mk(ENTRY_ITEM_WITHDRAW, NULL, "X1"), mk(ENTRY_ITEM_UPDATE, NULL, "X1") };
        ExchangeResult res[8];
        VersionVector vv;
        uint8_t a[32], b[32];
        Batch batch;
        Hlc clock;

        base_items();
        strcpy(e[0].actor, "intruder");
        assert_int_equal(sync_store_append(j, d1->signer, &test_trust, &d1->clock, 3000, e, 2,
                                           SYNC_APPEND_REFUSE_UNAUTHORIZED),
                         -EACCES);
        assert_int_equal(q_int(j, "SELECT count(*) FROM journal;"), 3);
        assert_int_equal(sync_store_append(j, d1->signer, &test_trust, &d1->clock, 3000, e, 2, 0), 5);
        assert_int_equal(q_int(j, "SELECT withdrawn FROM item WHERE barcode = 'X1';"), 0);
        assert_int_equal(n_exc(j, EXC_QUARANTINED), 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM quarantine WHERE reason = 8;"), 1);
        /* A receiver reaches the same state. */
        assert_int_equal(version_vector_get(sync_store_journal(rx), &vv), 0);
        assert_int_equal(exchange_batch_build(sync_store_journal(j), &vv, 0, 0, &batch), 0);
        version_vector_done(&vv);
        hlc_init(&clock, 0);
        assert_int_equal(sync_store_apply(rx, &test_trust, &clock, 10000, &batch, res), 4);
        digest_of(j, a);
        digest_of(rx, b);
        assert_memory_equal(a, b, 32);
        batch_done(&batch);
        store_close(rx);
        assert_rebuild_equal();
}

static void test_late_block_refolds_items(void **state)
{
        base_items();
        put(j, d1, 1000, mk(ENTRY_ITEM_ADD, NULL, "X2"));
        put(j, d1, 2000, mk_due(ENTRY_CHECKOUT, "P1", "X1", 8 * DAY));
        put(j, d1, 2100, mk_due(ENTRY_CHECKOUT, "P1", "X2", 8 * DAY));
        assert_int_equal(n_exc(j, EXC_PATRON_BLOCKED_OVERRIDE), 0);
        assert_int_equal(db_exec(sync_store_db(j),
                                 "CREATE TEMP TABLE rewrites (tbl TEXT NOT NULL);"
                                 "CREATE TEMP TRIGGER item_rewritten AFTER DELETE ON main.item"
                                 "  BEGIN INSERT INTO rewrites VALUES ('item'); END;"
                                 "CREATE TEMP TRIGGER loan_rewritten AFTER DELETE ON main.loan"
                                 "  BEGIN INSERT INTO rewrites VALUES ('loan'); END;"),
                         0);
        /* A block made at 1500 on desk 2 reaches us now: both items re-fold.
         * Their item and loan rows come out the same and stay untouched;
         * only their exception lists are rewritten. */
        put(j, d2, 1500, mk(ENTRY_PATRON_BLOCK, "P1", NULL));
        assert_int_equal(n_exc(j, EXC_PATRON_BLOCKED_OVERRIDE), 2);
        assert_int_equal(q_int(j, "SELECT count(*) FROM temp.rewrites;"), 0);
        /* A late checkin does change X1's loan: that is rewritten. */
        put(j, d2, 2050, mk(ENTRY_CHECKIN, NULL, "X1"));
        assert_int_equal(q_int(j, "SELECT end_hlc FROM loan WHERE item = 'X1';"),
                         (int64_t)hlc_make(2050, 0));
        assert_true(q_int(j, "SELECT count(*) FROM temp.rewrites WHERE tbl = 'loan';") >= 1);
        assert_int_equal(q_int(j, "SELECT count(*) FROM temp.rewrites WHERE tbl = 'item';"), 1);
        assert_rebuild_equal();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_implicit_checkin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_checkout_same_patron_is_renewal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_checkout_same_patron_renewal_rules, setup, teardown),
                cmocka_unit_test_setup_teardown(test_anonymise_after_erasure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fold_params_replicated, setup, teardown),
                cmocka_unit_test_setup_teardown(test_digest_byte_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_origin_decides_as_receivers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_duplicate_checkin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_renew_after_return, setup, teardown),
                cmocka_unit_test_setup_teardown(test_renew_blocked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_patron_blocked_override, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hold_retargeted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_item_unknown, setup, teardown),
                cmocka_unit_test_setup_teardown(test_subject_erased, setup, teardown),
                cmocka_unit_test_setup_teardown(test_concurrent_edit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fines_and_payments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_loan_anonymise_and_visits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_late_block_refolds_items, setup, teardown),
        };
        return cmocka_run_group_tests_name("sync/fold", tests, NULL, NULL);
}
