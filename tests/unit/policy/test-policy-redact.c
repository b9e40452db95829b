/* policy/policy-redact: a patron record cut down to what each role of the
 * default policy may read, and to what desks receive. Planted values of
 * removed fields must not survive anywhere in the record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-redact.h"
#include "tests/unit/test.h"

static Policy *policy;

static int setup(void **state)
{
        const char *src = getenv("CARREL_SRCDIR");
        char path[4096];
        ConfigError err;

        snprintf(path, sizeof path, "%s/configs/policy.conf", src ? src : ".");
        return policy_load_file(path, &policy, &err) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        policy = policy_unref(policy);
        return 0;
}

/* Every field set to "PLANTED-<field>". */
static void record_fill(PatronRecord *rec)
{
        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++)
                assert_true(asprintf(&rec->values[f], "PLANTED-%s", patron_field_to_string(f)) > 0);
}

static void test_redact_each_role(void **state)
{
        for (unsigned role = 0; role < policy_n_roles(policy); role++) {
                PatronRecord rec = { 0 };
                unsigned expect_removed = 0;

                record_fill(&rec);
                for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++)
                        expect_removed += !policy_field_readable(policy, role, f, NULL);
                assert_int_equal(policy_redact_patron(policy, role, &rec), expect_removed);
                for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++) {
                        if (policy_field_readable(policy, role, f, NULL)) {
                                assert_non_null(rec.values[f]);
                                assert_non_null(strstr(rec.values[f], patron_field_to_string(f)));
                        } else
                                assert_null(rec.values[f]);
                }
                /* Idempotent. */
                assert_int_equal(policy_redact_patron(policy, role, &rec), 0);
                patron_record_done(&rec);
        }
}

static void test_support_sees_nothing(void **state)
{
        PatronRecord rec = { 0 };
        int support = policy_role_lookup(policy, "support");

        assert_true(support >= 0);
        record_fill(&rec);
        assert_int_equal(policy_redact_patron(policy, support, &rec), _PATRON_FIELD_MAX);
        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++)
                assert_null(rec.values[f]);
}

static void test_desk_keeps_email_officer_does_not(void **state)
{
        PatronRecord a = { 0 }, b = { 0 };

        record_fill(&a);
        record_fill(&b);
        policy_redact_patron(policy, policy_role_lookup(policy, "desk"), &a);
        policy_redact_patron(policy, policy_role_lookup(policy, "officer"), &b);
        assert_string_equal(a.values[PATRON_FIELD_EMAIL], "PLANTED-email");
        assert_null(a.values[PATRON_FIELD_NOTES]);
        assert_null(a.values[PATRON_FIELD_LOAN_HISTORY]);
        assert_null(b.values[PATRON_FIELD_EMAIL]);
        assert_string_equal(b.values[PATRON_FIELD_ID], "PLANTED-id");
        patron_record_done(&a);
        patron_record_done(&b);
}

static void test_desk_replication(void **state)
{
        PatronRecord rec = { 0 };
        uint64_t keep = policy_replication_fields(policy);

        record_fill(&rec);
        policy_redact_for_desk(policy, &rec);
        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++)
                assert_int_equal(rec.values[f] != NULL, !!(keep & (UINT64_C(1) << f)));
        /* Offline lending needs the card and the loans; never the address or history. */
        assert_non_null(rec.values[PATRON_FIELD_CARD_NUMBER]);
        assert_non_null(rec.values[PATRON_FIELD_LOANS]);
        assert_null(rec.values[PATRON_FIELD_ADDRESS]);
        assert_null(rec.values[PATRON_FIELD_LOAN_HISTORY]);
        patron_record_done(&rec);
}

static void test_unknown_role_removes_all(void **state)
{
        PatronRecord rec = { 0 };

        record_fill(&rec);
        assert_int_equal(policy_redact_patron(policy, 250, &rec), _PATRON_FIELD_MAX);
        assert_int_equal(policy_redact_patron(NULL, 0, &rec), 0);
        assert_int_equal(policy_redact_patron(policy, 0, NULL), 0);
        patron_record_done(&rec);
        patron_record_done(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_redact_each_role),
                cmocka_unit_test(test_support_sees_nothing),
                cmocka_unit_test(test_desk_keeps_email_officer_does_not),
                cmocka_unit_test(test_desk_replication),
                cmocka_unit_test(test_unknown_role_removes_all),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
