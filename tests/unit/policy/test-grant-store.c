/* policy/grant-store: dual control (no self-approval, whatever the role),
 * the approve right, maximum and pending durations, expiry driven by the
 * clock parameter, revocation, the audit trail of every step and refusal,
 * the schema's own guard, and consistency under injected write faults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/db.h"
#include "policy/grant-store.h"
#include "tests/helpers/sqlite-fault.h"
#include "tests/unit/test.h"

#define T0 ((usec_t)1700000000 * USEC_PER_SEC)

static Policy *def; /* configs/policy.conf */
static Policy *local; /* a role that may both request and approve */
static char *dir;
static char path[512];
static GrantStore *store;

static const char local_text[] =
        "[Policy]\nVersion = 1\n"
        "[Role:sec]\nAllow = grant.request grant.approve grant.revoke\nScopes = all\n"
        "[Registration]\nNotCollected = card_number name address postcode email phone\n"
        "  birth_date gender guardian photo category home_branch\n"
        "[Grant:rec]\nOperations = recordings.view\nRequestRoles = sec\n"
        "ApproveRoles = sec\nMaxDuration = 1h\nPendingTimeout = 10min\n";

static const GrantActor support1 = { "s1", "support", NULL };
static const GrantActor support2 = { "s2", "support", NULL };
static const GrantActor officer1 = { "o1", "officer", NULL };
static const GrantActor admin1 = { "a1", "admin", NULL };
static const GrantActor librarian_main = { "l1", "librarian", "main" };
static const GrantActor desk1 = { "d1", "desk", "main" };

static int group_setup(void **state)
{
        const char *src = getenv("CARREL_SRCDIR");
        char p[4096];
        ConfigError err;

        snprintf(p, sizeof p, "%s/configs/policy.conf", src ? src : ".");
        if (policy_load_file(p, &def, &err) < 0)
                return -1;
        if (policy_load_text("local.conf", local_text, strlen(local_text), &local, &err) < 0) {
                fprintf(stderr, "%u: %s\n", err.line, err.message);
                return -1;
        }
        return 0;
}

static int group_teardown(void **state)
{
        def = policy_unref(def);
        local = policy_unref(local);
        return 0;
}

static int setup(void **state)
{
        dir = test_tmpdir();
        snprintf(path, sizeof path, "%s/grants.db", dir);
        return grant_store_open(path, &store) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        store = grant_store_close(store);
        test_rmtree(dir);
        free(dir);
        return 0;
}

static GrantState state_of(int64_t id)
{
        Grant g;
        assert_int_equal(grant_get(store, id, &g), 0);
        return g.state;
}

typedef struct AuditCount {
        unsigned n;
        unsigned refused;
        char last_outcome[64];
        char last_event[16];
        bool leaked;
} AuditCount;

static int count_audit(const GrantAuditEntry *e, void *userdata)
{
        AuditCount *c = userdata;

        c->n++;
        c->refused += strcmp(e->outcome, "ok") != 0;
        snprintf(c->last_outcome, sizeof c->last_outcome, "%s", e->outcome);
        snprintf(c->last_event, sizeof c->last_event, "%s", e->event);
        c->leaked |= strstr(e->outcome, "CASE") || strstr(e->actor, "CASE") || strstr(e->role, "CASE");
        return 0;
}

static AuditCount audit(void)
{
        AuditCount c = { 0 };
        assert_int_equal(grant_audit_foreach(store, count_audit, &c), 0);
        assert_false(c.leaked);
        return c;
}

static void test_dual_control(void **state)
{
        int64_t id;

        assert_int_equal(grant_request(store, def, &support1, "recordings", "appliance", 4 * USEC_PER_HOUR,
                                       "CASE-4711", T0, &id),
                         0);
        assert_int_equal(state_of(id), GRANT_PENDING);
        assert_int_equal(grant_active(store, def, "s1", POLICY_OP_RECORDINGS_VIEW, "appliance", T0, NULL),
                         0);

        /* The requester cannot approve, deny... */
        assert_int_equal(grant_approve(store, def, id, &(GrantActor){ "s1", "officer", NULL }, T0), -EPERM);
        assert_int_equal(grant_deny(store, def, id, &(GrantActor){ "s1", "officer", NULL }, T0), -EPERM);
        /* ...nor can a colleague without the approve right. */
        assert_int_equal(grant_approve(store, def, id, &support2, T0), -EACCES);
        assert_int_equal(grant_approve(store, def, id, &librarian_main, T0), -EACCES);
        assert_int_equal(state_of(id), GRANT_PENDING);

        assert_int_equal(grant_approve(store, def, id, &officer1, T0 + 60 * USEC_PER_SEC), 0);
        Grant g;
        assert_int_equal(grant_get(store, id, &g), 0);
        assert_int_equal(g.state, GRANT_APPROVED);
        assert_string_equal(g.decided_by, "o1");
        assert_int_equal(g.expires_at, T0 + 60 * USEC_PER_SEC + 4 * USEC_PER_HOUR);

        int64_t got = 0;
        assert_int_equal(grant_active(store, def, "s1", POLICY_OP_RECORDINGS_VIEW, "appliance",
                                      T0 + USEC_PER_HOUR, &got),
                         1);
        assert_int_equal(got, id);
        assert_int_equal(grant_active(store, def, "s1", POLICY_OP_RECORDINGS_EXPORT, "main",
                                      T0 + USEC_PER_HOUR, NULL),
                         1);
        /* The grant is the requester's, and for its kind's operations only. */
        assert_int_equal(grant_active(store, def, "s2", POLICY_OP_RECORDINGS_VIEW, "appliance",
                                      T0 + USEC_PER_HOUR, NULL),
                         0);
        assert_int_equal(grant_active(store, def, "s1", POLICY_OP_RECORDINGS_ERASE, "appliance",
                                      T0 + USEC_PER_HOUR, NULL),
                         0);

        /* Decided once. */
        assert_int_equal(grant_approve(store, def, id, &admin1, T0 + 120 * USEC_PER_SEC), -EALREADY);
        assert_int_equal(grant_deny(store, def, id, &admin1, T0 + 120 * USEC_PER_SEC), -EALREADY);

        AuditCount c = audit();
        /* request, 4 refusals, approve, 2 refusals */
        assert_int_equal(c.n, 8);
        assert_int_equal(c.refused, 6);
        assert_string_equal(c.last_outcome, "not-pending");
}

/* Holding both rights does not let one person approve their own request. */
static void test_self_approval_with_both_rights(void **state)
{
        GrantActor u1 = { "u1", "sec", NULL }, u2 = { "u2", "sec", NULL };
        int64_t id;

        assert_int_equal(grant_request(store, local, &u1, "rec", "appliance", USEC_PER_HOUR, "T1", T0, &id),
                         0);
        assert_int_equal(grant_approve(store, local, id, &u1, T0), -EPERM);
        assert_int_equal(state_of(id), GRANT_PENDING);
        assert_string_equal(audit().last_outcome, "self-approval");
        assert_int_equal(grant_approve(store, local, id, &u2, T0), 0);
        assert_int_equal(state_of(id), GRANT_APPROVED);
}

static void test_request_refusals(void **state)
{
        int64_t id = 12345;

        assert_int_equal(
                grant_request(store, def, &desk1, "recordings", "main", USEC_PER_HOUR, "T", T0, &id),
                -EACCES);
        assert_int_equal(
                grant_request(store, def, &officer1, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &id),
                -EACCES);
        assert_int_equal(grant_request(store, def, &support1, "recordings", "appliance",
                                       8 * USEC_PER_HOUR + 1, "T", T0, &id),
                         -ERANGE);
        assert_int_equal(
                grant_request(store, def, &support1, "nope", "appliance", USEC_PER_HOUR, "T", T0, &id),
                -ENOENT);
        assert_int_equal(
                grant_request(store, def, &support1, "recordings", "mars", USEC_PER_HOUR, "T", T0, &id),
                -ENOENT);
        /* A librarian works at their own branch only ("Scopes = home"). */
        assert_int_equal(grant_request(store, def, &librarian_main, "recordings", "mobile", USEC_PER_HOUR,
                                       "T", T0, &id),
                         -EACCES);
        assert_int_equal(id, 12345); /* untouched */
        assert_int_equal(audit().refused, 6);

        /* Malformed ids are refused before anything is written. */
        assert_int_equal(grant_request(store, def, &(GrantActor){ "John Smith", "support", NULL },
                                       "recordings", "appliance", USEC_PER_HOUR, "T", T0, &id),
                         -EINVAL);
        assert_int_equal(grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR,
                                       "theft by Jane Doe", T0, &id),
                         -EINVAL);
        assert_int_equal(grant_request(store, def, &support1, "recordings", "appliance", 0, "T", T0, &id),
                         -EINVAL);
        assert_int_equal(grant_request(store, def, &(GrantActor){ "system", "support", NULL }, "recordings",
                                       "appliance", USEC_PER_HOUR, "T", T0, &id),
                         -EINVAL);
        assert_int_equal(audit().n, 6);

        assert_int_equal(grant_request(store, def, &librarian_main, "recordings", "main", USEC_PER_HOUR, "T",
                                       T0, &id),
                         0);
        assert_int_equal(grant_approve(store, def, id, &admin1, T0), 0);
        assert_int_equal(grant_active(store, def, "l1", POLICY_OP_RECORDINGS_VIEW, "main", T0, NULL), 1);
        assert_int_equal(grant_active(store, def, "l1", POLICY_OP_RECORDINGS_VIEW, "mobile", T0, NULL), 0);
}

static void test_expiry(void **state)
{
        int64_t a, b;

        assert_int_equal(grant_request(store, def, &support1, "recordings", "appliance", 2 * USEC_PER_HOUR,
                                       "T", T0, &a),
                         0);
        assert_int_equal(grant_approve(store, def, a, &officer1, T0), 0);
        assert_int_equal(
                grant_request(store, def, &support2, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &b),
                0);

        assert_int_equal(grant_active(store, def, "s1", POLICY_OP_RECORDINGS_VIEW, "appliance",
                                      T0 + 2 * USEC_PER_HOUR - 1, NULL),
                         1);
        /* Not active from expires_at on, even before any sweep. */
        assert_int_equal(grant_active(store, def, "s1", POLICY_OP_RECORDINGS_VIEW, "appliance",
                                      T0 + 2 * USEC_PER_HOUR, NULL),
                         0);
        assert_int_equal(grant_expire(store, T0 + 2 * USEC_PER_HOUR - 1), 0);
        assert_int_equal(grant_expire(store, T0 + 2 * USEC_PER_HOUR), 1);
        assert_int_equal(state_of(a), GRANT_EXPIRED);
        assert_int_equal(grant_expire(store, T0 + 2 * USEC_PER_HOUR), 0);
        assert_string_equal(audit().last_event, "expire");
        assert_int_equal(grant_revoke(store, def, a, &officer1, T0 + 3 * USEC_PER_HOUR), -EALREADY);

        /* A request nobody decided lapses after PendingTimeout (24h). */
        assert_int_equal(grant_approve(store, def, b, &officer1, T0 + 24 * USEC_PER_HOUR), -ETIME);
        assert_int_equal(state_of(b), GRANT_EXPIRED);
}

/* Approval is capped by the MaxDuration in force when approving. */
static void test_duration_capped_by_current_policy(void **state)
{
        static const char shorter[] =
                "[Policy]\nVersion = 1\n"
                "[Role:sec]\nAllow = grant.request grant.approve grant.revoke\nScopes = all\n"
                "[Registration]\nNotCollected = card_number name address postcode email phone\n"
                "  birth_date gender guardian photo category home_branch\n"
                "[Grant:rec]\nOperations = recordings.view\nRequestRoles = sec\n"
                "ApproveRoles = sec\nMaxDuration = 10min\n";
        _cleanup_policy_ Policy *p2 = NULL;
        ConfigError err;
        int64_t id;
        Grant g;

        assert_int_equal(policy_load_text("short.conf", shorter, strlen(shorter), &p2, &err), 0);
        assert_int_equal(grant_request(store, local, &(GrantActor){ "u1", "sec", NULL }, "rec", "appliance",
                                       USEC_PER_HOUR, "T", T0, &id),
                         0);
        assert_int_equal(grant_approve(store, p2, id, &(GrantActor){ "u2", "sec", NULL }, T0), 0);
        assert_int_equal(grant_get(store, id, &g), 0);
        assert_int_equal(g.expires_at, T0 + 10 * USEC_PER_MINUTE);
}

static void test_deny_and_revoke(void **state)
{
        int64_t a, b, c;

        assert_int_equal(
                grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &a),
                0);
        assert_int_equal(grant_deny(store, def, a, &admin1, T0), 0);
        assert_int_equal(state_of(a), GRANT_DENIED);
        assert_int_equal(grant_approve(store, def, a, &officer1, T0), -EALREADY);

        /* The requester may withdraw their own request... */
        assert_int_equal(
                grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &b),
                0);
        assert_int_equal(grant_revoke(store, def, b, &support1, T0), 0);
        assert_int_equal(state_of(b), GRANT_REVOKED);

        /* ...an approver ends an approved grant at once; a colleague cannot. */
        assert_int_equal(
                grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &c),
                0);
        assert_int_equal(grant_approve(store, def, c, &officer1, T0), 0);
        assert_int_equal(grant_revoke(store, def, c, &support2, T0 + 1), -EACCES);
        assert_int_equal(
                grant_active(store, def, "s1", POLICY_OP_RECORDINGS_VIEW, "appliance", T0 + 1, NULL), 1);
        assert_int_equal(grant_revoke(store, def, c, &admin1, T0 + 2), 0);
        assert_int_equal(state_of(c), GRANT_REVOKED);
        assert_int_equal(
                grant_active(store, def, "s1", POLICY_OP_RECORDINGS_VIEW, "appliance", T0 + 3, NULL), 0);
        assert_int_equal(grant_revoke(store, def, c, &admin1, T0 + 4), -EALREADY);
        assert_int_equal(grant_revoke(store, def, 999, &admin1, T0 + 4), -ENOENT);
}

/* The schema refuses what the code refuses, and the audit is append-only. */
static void test_schema_guards(void **state)
{
        _cleanup_db_ sqlite3 *db = NULL;
        int64_t id;

        assert_int_equal(
                grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &id),
                0);
        assert_int_equal(db_open(path, 0, &db), 0);
        assert_int_equal(
                db_exec(db, "UPDATE grants SET state = 'approved', decided_by = requester, expires_at = 1;"),
                -EEXIST);
        assert_int_equal(db_exec(db, "UPDATE grants SET state = 'approved';"), -EEXIST);
        assert_int_equal(db_exec(db, "UPDATE grant_audit SET outcome = 'ok';"), -EEXIST);
        assert_int_equal(db_schema_version(db), 1);
        assert_int_equal(state_of(id), GRANT_PENDING);

        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_reopen_and_purge(void **state)
{
        int64_t id;

        assert_int_equal(
                grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR, "T", T0, &id),
                0);
        assert_int_equal(grant_deny(store, def, id, &officer1, T0), 0);
        store = grant_store_close(store);
        assert_int_equal(grant_store_open(path, &store), 0);
        assert_int_equal(state_of(id), GRANT_DENIED);
        assert_int_equal(audit().n, 2);

        assert_int_equal(grant_purge(store, T0), 0);
        assert_int_equal(grant_purge(store, T0 + 1), 3); /* the grant and its two audit rows */
        Grant g;
        assert_int_equal(grant_get(store, id, &g), -ENOENT);
}

typedef struct Counts {
        unsigned grants, audit;
} Counts;

static int count_grant(const Grant *g, void *userdata)
{
        ((Counts *)userdata)->grants++;
        return 0;
}

/* Each step is one transaction: whichever write fails, the grant and its
 * audit row are both there or both absent. */
static void test_write_faults(void **state)
{
        bool done = false;

        unsigned rounds = 0;

        for (unsigned n = 1; !done && n < 200; n++, rounds++) {
                int64_t id = 0;
                int r;

                sqlite_fault_arm(SQLITE_FAULT_WRITE, n);
                r = grant_request(store, def, &support1, "recordings", "appliance", USEC_PER_HOUR, "T", T0,
                                  &id);
                done = !sqlite_fault_disarm();

                Counts c = { 0 };
                assert_int_equal(grant_foreach(store, count_grant, &c), 0);
                c.audit = audit().n;
                assert_int_equal(c.grants, c.audit);
                if (r == 0) {
                        assert_int_equal(state_of(id), GRANT_PENDING);
                        /* The next approve must be all-or-nothing too. */
                        sqlite_fault_arm(SQLITE_FAULT_WRITE, n);
                        r = grant_approve(store, def, id, &officer1, T0);
                        (void)sqlite_fault_disarm();
                        GrantState s = state_of(id);
                        assert_true(r == 0 ? s == GRANT_APPROVED : s == GRANT_PENDING);
                }
                /* Start the next round from a clean store. */
                store = grant_store_close(store);
                test_rmtree(dir);
                free(dir);
                assert_int_equal(setup(NULL), 0);
        }
        print_message("write-fault rounds: %u\n", rounds);
        assert_true(done);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_dual_control, setup, teardown),
                cmocka_unit_test_setup_teardown(test_self_approval_with_both_rights, setup, teardown),
                cmocka_unit_test_setup_teardown(test_request_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_duration_capped_by_current_policy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deny_and_revoke, setup, teardown),
                cmocka_unit_test_setup_teardown(test_schema_guards, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reopen_and_purge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_faults, setup, teardown),
        };

        if (sqlite_fault_install() < 0)
                return 1;
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
