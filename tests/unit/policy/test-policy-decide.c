/* policy/policy-decide: the default policy (configs/policy.conf), decision
 * by decision, against tables written here by hand. If the shipped policy
 * changes, these tables must change with it, on purpose. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-explain.h"
#include "policy/policy.h"
#include "tests/unit/test.h"

static Policy *policy;

/* Roles in the order of the tables below. */
static const char *const roles[] = { "desk", "librarian", "admin", "officer", "support", "dpo" };
#define N_ROLES ELEMENTSOF(roles)

/* Y allowed, G allowed with a grant, - denied; one column per role. */
static const struct {
        const char *op;
        const char *cells;
} op_matrix[] = {
        { "circulation.checkout", "YY----" }, { "circulation.checkin", "YY----" },
        { "circulation.renew", "YY----" },    { "circulation.hold", "YY----" },
        { "circulation.fine", "YY----" },     { "circulation.payment", "YY----" },
        { "circulation.visit", "YY----" },    { "patron.register", "YYY---" },
        { "patron.view", "YYY--Y" },          { "patron.edit", "YYY---" },
        { "patron.export", "-YY--Y" },        { "patron.erase", "-YY--Y" },
        { "recordings.list", "-YYYY-" },      { "recordings.view", "-G--GG" },
        { "recordings.export", "-G--GG" },    { "recordings.erase", "--Y---" },
        { "grant.request", "-Y--YY" },        { "grant.approve", "--YY--" },
        { "grant.revoke", "--YY--" },         { "keys.enrol", "---Y--" },
        { "keys.unseal", "---Y--" },          { "keys.reseal", "---Y--" },
        { "keys.rotate", "---Y--" },          { "keys.recover", "---Y--" },
        { "keys.erase", "---Y--" },           { "audit.read", "--YY-Y" },
        { "policy.reload", "--YY--" },
};

/* W read and write, R read only, - neither; then registration (Q required,
 * O optional, N not collected, . not a form field) and desk replication. */
static const struct {
        const char *field;
        const char *cells;
        char collect;
        bool desks;
} field_matrix[] = {
        { "id", "RRRR-R", '.', true },          { "card_number", "WWW--R", 'Q', true },
        { "name", "WWW--R", 'Q', true },        { "address", "WWW--R", 'Q', false },
        { "postcode", "WWW--R", 'Q', false },   { "email", "WWW--R", 'O', false },
        { "phone", "WWW--R", 'O', false },      { "birth_date", "WWW--R", 'O', false },
        { "gender", "-RR--R", 'N', false },     { "guardian", "-RR--R", 'N', false },
        { "photo", "--R---", 'N', false },      { "category", "WWW--R", 'Q', true },
        { "home_branch", "WWWR-R", 'Q', true }, { "notes", "-WW---", '.', false },
        { "expiry", "RWW--R", '.', true },      { "blocked", "RWW--R", '.', true },
        { "loans", "RRR--R", '.', true },       { "holds", "RRR--R", '.', true },
        { "fines", "RRR--R", '.', true },       { "loan_history", "-RR--R", '.', false },
        { "created", "RRRR-R", '.', false },
};

static int setup(void **state)
{
        const char *src = getenv("CARREL_SRCDIR");
        char path[4096];
        ConfigError err;

        snprintf(path, sizeof path, "%s/configs/policy.conf", src ? src : ".");
        if (policy_load_file(path, &policy, &err) < 0) {
                fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.message);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        policy = policy_unref(policy);
        return 0;
}

static PolicyActor actor(const char *role, const char *home)
{
        int r = policy_role_lookup(policy, role), h = policy_scope_lookup(policy, home);

        assert_true(r >= 0);
        assert_true(h >= 0);
        return (PolicyActor){ .role = (PolicyRoleId)r, .home = (PolicyScopeId)h };
}

static void test_tables_cover_catalogue(void **state)
{
        assert_int_equal(policy_n_roles(policy), N_ROLES);
        for (unsigned i = 0; i < N_ROLES; i++)
                assert_string_equal(policy_role_name(policy, i), roles[i]);
        assert_int_equal(ELEMENTSOF(op_matrix), _POLICY_OP_MAX);
        assert_int_equal(ELEMENTSOF(field_matrix), _PATRON_FIELD_MAX);
}

static void test_operation_matrix(void **state)
{
        for (unsigned i = 0; i < ELEMENTSOF(op_matrix); i++) {
                int op = policy_op_from_string(op_matrix[i].op);
                assert_true(op >= 0);
                for (unsigned ri = 0; ri < N_ROLES; ri++) {
                        PolicyRuleId rule = 0;
                        PolicyVerdict want = op_matrix[i].cells[ri] == 'Y'   ? POLICY_ALLOW
                                             : op_matrix[i].cells[ri] == 'G' ? POLICY_NEEDS_GRANT
                                                                             : POLICY_DENY;
                        PolicyVerdict got = policy_check(policy, actor(roles[ri], "main"), op,
                                                         POLICY_SCOPE_APPLIANCE, &rule);
                        if (got != want)
                                fail_msg("%s by %s: got %s, want %s", op_matrix[i].op, roles[ri],
                                         policy_verdict_to_string(got), policy_verdict_to_string(want));
                        /* Every decision names a line of the file. */
                        PolicyRuleInfo info;
                        assert_int_equal(policy_rule_get(policy, rule, &info), 0);
                        assert_true(info.line > 0);
                }
        }
}

static void test_field_matrix(void **state)
{
        for (unsigned i = 0; i < ELEMENTSOF(field_matrix); i++) {
                int f = patron_field_from_string(field_matrix[i].field);
                assert_true(f >= 0);
                for (unsigned ri = 0; ri < N_ROLES; ri++) {
                        char c = field_matrix[i].cells[ri];
                        bool rd = policy_field_readable(policy, (PolicyRoleId)ri, f, NULL);
                        bool wr = policy_field_writable(policy, (PolicyRoleId)ri, f, NULL);
                        if (rd != (c != '-') || wr != (c == 'W'))
                                fail_msg("field %s for %s: got %s%s, want %c", field_matrix[i].field,
                                         roles[ri], rd ? "r" : "-", wr ? "w" : "-", c);
                        assert_int_equal(!!(policy_readable_fields(policy, ri) & (UINT64_C(1) << f)), rd);
                        assert_int_equal(!!(policy_writable_fields(policy, ri) & (UINT64_C(1) << f)), wr);
                }
                PolicyCollect want = field_matrix[i].collect == 'Q'   ? POLICY_REQUIRED
                                     : field_matrix[i].collect == 'O' ? POLICY_OPTIONAL
                                                                      : POLICY_NOT_COLLECTED;
                assert_int_equal(policy_field_collection(policy, f, NULL), want);
                assert_int_equal(field_matrix[i].collect == '.', patron_field_class(f) != PATRON_FIELD_FORM);
                assert_int_equal(!!(policy_replication_fields(policy) & (UINT64_C(1) << f)),
                                 field_matrix[i].desks);
        }
}

/* The product: every role x operation x field, through policy_explain(), as
 * a service deciding "may this actor do op to this field of a record at
 * home" would. Expected: the operation cell, then the field cell for writing
 * (patron.edit, patron.register) or reading (every other operation). */
static void test_role_op_field_matrix(void **state)
{
        unsigned n = 0;

        for (unsigned i = 0; i < ELEMENTSOF(op_matrix); i++) {
                int op = policy_op_from_string(op_matrix[i].op);
                bool write = op == POLICY_OP_PATRON_EDIT || op == POLICY_OP_PATRON_REGISTER;

                for (unsigned ri = 0; ri < N_ROLES; ri++) {
                        for (unsigned j = 0; j < ELEMENTSOF(field_matrix); j++) {
                                char oc = op_matrix[i].cells[ri], fc = field_matrix[j].cells[ri];
                                bool field_ok = write ? fc == 'W' : fc != '-';
                                PolicyVerdict want = !field_ok   ? POLICY_DENY
                                                     : oc == 'Y' ? POLICY_ALLOW
                                                     : oc == 'G' ? POLICY_NEEDS_GRANT
                                                                 : POLICY_DENY;
                                PolicyQuery q = {
                                        .actor = actor(roles[ri], "main"),
                                        .op = op,
                                        .scope = (PolicyScopeId)policy_scope_lookup(policy, "main"),
                                        .field = patron_field_from_string(field_matrix[j].field),
                                };
                                PolicyExplanation e;

                                assert_int_equal(policy_explain(policy, &q, &e), 0);
                                if (e.verdict != want)
                                        fail_msg("%s %s field %s: got %s, want %s", roles[ri],
                                                 op_matrix[i].op, field_matrix[j].field,
                                                 policy_verdict_to_string(e.verdict),
                                                 policy_verdict_to_string(want));
                                n++;
                        }
                }
        }
        assert_int_equal(n, _POLICY_OP_MAX * N_ROLES * _PATRON_FIELD_MAX);
}

static void test_scopes(void **state)
{
        int main_ = policy_scope_lookup(policy, "main"), mobile = policy_scope_lookup(policy, "mobile");
        int archive = policy_scope_lookup(policy, "archive");

        assert_true(main_ > 0 && mobile > 0 && archive > 0);
        assert_int_equal(policy_scope_lookup(policy, "nowhere"), -ENOENT);
        assert_int_equal(policy_scope_lookup(policy, "appliance"), POLICY_SCOPE_APPLIANCE);

        /* "Scopes = home": a desk works on its own branch's records only. */
        assert_int_equal(
                policy_check(policy, actor("desk", "main"), POLICY_OP_CIRCULATION_CHECKOUT, main_, NULL),
                POLICY_ALLOW);
        assert_int_equal(
                policy_check(policy, actor("desk", "main"), POLICY_OP_CIRCULATION_CHECKOUT, mobile, NULL),
                POLICY_DENY);
        assert_int_equal(
                policy_check(policy, actor("desk", "mobile"), POLICY_OP_CIRCULATION_CHECKOUT, mobile, NULL),
                POLICY_ALLOW);
        assert_int_equal(
                policy_check(policy, actor("librarian", "main"), POLICY_OP_PATRON_ERASE, archive, NULL),
                POLICY_DENY);
        /* "Scopes = all". */
        for (int s = 0; s < (int)policy_n_scopes(policy); s++) {
                assert_int_equal(
                        policy_check(policy, actor("admin", "main"), POLICY_OP_PATRON_VIEW, s, NULL),
                        POLICY_ALLOW);
                assert_int_equal(
                        policy_check(policy, actor("dpo", "main"), POLICY_OP_PATRON_EXPORT, s, NULL),
                        POLICY_ALLOW);
        }
        /* A scope test never turns a denied operation into an allowed one. */
        assert_int_equal(
                policy_check(policy, actor("admin", "main"), POLICY_OP_CIRCULATION_CHECKOUT, main_, NULL),
                POLICY_DENY);

        /* Replication: a desk receives its own branch's patrons only. */
        assert_true(policy_replicates_scope(policy, main_, main_, NULL));
        assert_false(policy_replicates_scope(policy, main_, mobile, NULL));
        assert_false(policy_replicates_scope(policy, main_, archive, NULL));
}

static void test_retention(void **state)
{
        assert_int_equal(policy_retention(policy, POLICY_RETENTION_RECORDINGS, NULL), 72 * USEC_PER_HOUR);
        assert_int_equal(policy_retention(policy, POLICY_RETENTION_OPERATIONS_LOG, NULL), 30 * USEC_PER_DAY);
        assert_int_equal(policy_retention(policy, POLICY_RETENTION_ACCESS_AUDIT, NULL), USEC_PER_YEAR);
        assert_int_equal(policy_retention(policy, POLICY_RETENTION_LOAN_HISTORY_ANONYMISE, NULL),
                         6 * USEC_PER_MONTH);
        assert_int_equal(policy_retention(policy, POLICY_RETENTION_LOAN_HISTORY_FLOOR, NULL),
                         USEC_PER_MONTH);
        assert_int_equal(policy_retention(policy, _POLICY_RETENTION_MAX, NULL), 0);
}

static void test_grant_rules(void **state)
{
        int k = policy_grant_kind_lookup(policy, "recordings");

        assert_true(k >= 0);
        assert_int_equal(policy_grant_kind_for_op(policy, POLICY_OP_RECORDINGS_VIEW), k);
        assert_int_equal(policy_grant_kind_for_op(policy, POLICY_OP_RECORDINGS_EXPORT), k);
        assert_int_equal(policy_grant_kind_for_op(policy, POLICY_OP_RECORDINGS_LIST), -ENOENT);
        assert_int_equal(policy_grant_max_duration(policy, k, NULL), 8 * USEC_PER_HOUR);
        assert_int_equal(policy_grant_pending_timeout(policy, k, NULL), 24 * USEC_PER_HOUR);
        for (unsigned ri = 0; ri < N_ROLES; ri++) {
                bool req = strcmp(roles[ri], "support") == 0 || strcmp(roles[ri], "librarian") == 0 ||
                           strcmp(roles[ri], "dpo") == 0;
                bool app = strcmp(roles[ri], "admin") == 0 || strcmp(roles[ri], "officer") == 0;
                assert_int_equal(policy_grant_may_request(policy, k, ri, NULL), req);
                assert_int_equal(policy_grant_may_approve(policy, k, ri, NULL), app);
        }
}

/* Ids out of range are denied, never read past an array. */
static void test_out_of_range(void **state)
{
        PolicyRuleId rule = 99;

        assert_int_equal(policy_check(policy, (PolicyActor){ .role = 200 }, 0, 0, &rule), POLICY_DENY);
        assert_int_equal(rule, 0);
        assert_int_equal(policy_check(policy, (PolicyActor){ 0 }, _POLICY_OP_MAX, 0, NULL), POLICY_DENY);
        assert_int_equal(policy_check(policy, (PolicyActor){ 0 }, 0, 200, NULL), POLICY_DENY);
        assert_int_equal(policy_check(NULL, (PolicyActor){ 0 }, 0, 0, NULL), POLICY_DENY);
        assert_false(policy_field_readable(policy, 200, 0, NULL));
        assert_false(policy_field_writable(policy, 0, _PATRON_FIELD_MAX, NULL));
        assert_null(policy_role_name(policy, 200));
        assert_int_equal(policy_rule_get(policy, UINT32_MAX, &(PolicyRuleInfo){ 0 }), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tables_cover_catalogue),
                cmocka_unit_test(test_operation_matrix),
                cmocka_unit_test(test_field_matrix),
                cmocka_unit_test(test_role_op_field_matrix),
                cmocka_unit_test(test_scopes),
                cmocka_unit_test(test_retention),
                cmocka_unit_test(test_grant_rules),
                cmocka_unit_test(test_out_of_range),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
