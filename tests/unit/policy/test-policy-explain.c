/* policy/policy-explain: each step of a decision names its rule, and the
 * printed explanation gives file:line and the rule text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-explain.h"
#include "tests/unit/test.h"

static Policy *policy;
static char path[4096];

static int setup(void **state)
{
        const char *src = getenv("CARREL_SRCDIR");
        ConfigError err;

        snprintf(path, sizeof path, "%s/configs/policy.conf", src ? src : ".");
        return policy_load_file(path, &policy, &err) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        policy = policy_unref(policy);
        return 0;
}

static PolicyQuery query(const char *role, const char *home, PolicyOp op, const char *scope, int field)
{
        return (PolicyQuery){
                .actor = { .role = (PolicyRoleId)policy_role_lookup(policy, role),
                           .home = (PolicyScopeId)policy_scope_lookup(policy, home) },
                .op = op,
                .scope = (PolicyScopeId)policy_scope_lookup(policy, scope),
                .field = field,
        };
}

/* The printed explanation, in a malloc()ed string. */
static char *print(const PolicyQuery *q, const PolicyExplanation *e)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(policy_explanation_print(policy, q, e, f), 0);
        fclose(f);
        return buf;
}

static void expect_rule(PolicyRuleId id, const char *key, const char *value_part)
{
        PolicyRuleInfo info;

        assert_int_equal(policy_rule_get(policy, id, &info), 0);
        assert_true(info.line > 0);
        assert_string_equal(info.key, key);
        if (!strstr(info.value, value_part))
                fail_msg("rule %s = %s does not contain %s", info.key, info.value, value_part);
}

static void test_allowed_field_read(void **state)
{
        PolicyQuery q = query("desk", "main", POLICY_OP_PATRON_VIEW, "main", PATRON_FIELD_EMAIL);
        PolicyExplanation e;
        _cleanup_free_ char *text = NULL;
        char want[4200];

        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_ALLOW);
        assert_false(e.field_write);
        assert_true(e.field_allowed);
        expect_rule(e.op_rule, "Allow", "patron.view");
        expect_rule(e.scope_rule, "Scopes", "home");
        expect_rule(e.field_rule, "Read", "email");

        text = print(&q, &e);
        assert_non_null(strstr(text, "decision:  allow\n"));
        PolicyRuleInfo info;
        assert_int_equal(policy_rule_get(policy, e.op_rule, &info), 0);
        snprintf(want, sizeof want, "%s:%u: [Role:desk] Allow = ", path, info.line);
        assert_non_null(strstr(text, want));
}

static void test_denied_by_scope(void **state)
{
        PolicyQuery q = query("desk", "main", POLICY_OP_CIRCULATION_CHECKOUT, "mobile", -1);
        PolicyExplanation e;

        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_DENY);
        assert_int_equal(e.op_verdict, POLICY_ALLOW);
        assert_false(e.scope_allowed);
        assert_int_equal(e.rule, e.scope_rule);
        expect_rule(e.rule, "Scopes", "home");
}

static void test_denied_by_minimisation(void **state)
{
        PolicyQuery q = query("librarian", "main", POLICY_OP_PATRON_EDIT, "main", PATRON_FIELD_GENDER);
        PolicyExplanation e;

        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_DENY);
        assert_true(e.field_write);
        expect_rule(e.rule, "NotCollected", "gender");
}

static void test_denied_by_deny_rule_and_default(void **state)
{
        PolicyQuery q = query("admin", "main", POLICY_OP_CIRCULATION_CHECKOUT, "main", -1);
        PolicyExplanation e;
        PolicyRuleInfo info;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_DENY);
        expect_rule(e.rule, "Deny", "circulation.*");

        q = query("desk", "main", POLICY_OP_KEYS_ERASE, "appliance", -1);
        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_DENY);
        assert_int_equal(policy_rule_get(policy, e.rule, &info), 0);
        assert_string_equal(info.section, "Role:desk");
        assert_string_equal(info.key, "");
        text = print(&q, &e);
        assert_non_null(strstr(text, "closed by default"));
}

static void test_needs_grant(void **state)
{
        PolicyQuery q = query("support", "appliance", POLICY_OP_RECORDINGS_VIEW, "appliance", -1);
        PolicyExplanation e;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_NEEDS_GRANT);
        assert_int_equal(e.grant_kind, policy_grant_kind_lookup(policy, "recordings"));
        expect_rule(e.rule, "RequestRoles", "support");
        text = print(&q, &e);
        assert_non_null(strstr(text, "decision:  allow-with-grant\n"));
        assert_non_null(strstr(text, "grant of kind 'recordings'"));
}

static void test_derived_field_never_written(void **state)
{
        PolicyQuery q = query("admin", "main", POLICY_OP_PATRON_EDIT, "main", PATRON_FIELD_LOAN_HISTORY);
        PolicyExplanation e;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(policy_explain(policy, &q, &e), 0);
        assert_int_equal(e.verdict, POLICY_DENY);
        assert_int_equal(e.rule, 0);
        text = print(&q, &e);
        assert_non_null(strstr(text, "derived field is never written"));
}

static void test_bad_query(void **state)
{
        PolicyQuery q = query("desk", "main", POLICY_OP_PATRON_VIEW, "main", -1);
        PolicyExplanation e;

        q.field = _PATRON_FIELD_MAX;
        assert_int_equal(policy_explain(policy, &q, &e), -EINVAL);
        q.field = -1;
        q.actor.role = 99;
        assert_int_equal(policy_explain(policy, &q, &e), -EINVAL);
        char buf[64];
        assert_int_equal(policy_rule_format(policy, UINT32_MAX, buf, sizeof buf), -ENOENT);
        assert_int_equal(policy_rule_format(policy, 0, buf, sizeof buf), 0);
        assert_string_equal(buf, "built-in default");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_allowed_field_read),
                cmocka_unit_test(test_denied_by_scope),
                cmocka_unit_test(test_denied_by_minimisation),
                cmocka_unit_test(test_denied_by_deny_rule_and_default),
                cmocka_unit_test(test_needs_grant),
                cmocka_unit_test(test_derived_field_never_written),
                cmocka_unit_test(test_bad_query),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
