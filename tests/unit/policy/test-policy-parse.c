/* policy/policy-parse: every malformed policy is refused with the file and
 * line at fault and a message saying what is wrong; nothing is returned. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fileio.h"
#include "policy/policy.h"
#include "tests/unit/test.h"

/* A small valid policy; cases append lines from line 22 on, or replace text. */
static const char base[] = "[Policy]\n" /* 1 */
                           "Version = 1\n" /* 2 */
                           "[Scopes]\n" /* 3 */
                           "Branches = main\n" /* 4 */
                           "[Role:desk]\n" /* 5 */
                           "Allow = circulation.* grant.request\n" /* 6 */
                           "Scopes = home\n" /* 7 */
                           "Read = *\n" /* 8 */
                           "Write = name\n" /* 9 */
                           "[Role:boss]\n" /* 10 */
                           "Allow = grant.approve\n" /* 11 */
                           "Scopes = all\n" /* 12 */
                           "[Registration]\n" /* 13 */
                           "Required = name card_number\n" /* 14 */
                           "Optional = email phone address postcode birth_date\n" /* 15 */
                           "NotCollected = gender guardian photo category home_branch\n" /* 16 */
                           "[Grant:rec]\n" /* 17 */
                           "Operations = recordings.view\n" /* 18 */
                           "RequestRoles = desk\n" /* 19 */
                           "ApproveRoles = boss\n" /* 20 */
                           "MaxDuration = 1h\n"; /* 21 */

typedef struct Case {
        const char *what;
        const char *append; /* added after base */
        const char *replace; /* or: replace this text of base ... */
        const char *with; /* ... with this */
        unsigned line;
        const char *message; /* a substring of the error */
} Case;

static const Case cases[] = {
        { "unknown key in a role", "[Role:x]\nAllow = patron.view\nColour = blue\n", NULL, NULL, 24,
          "unknown key 'Colour'" },
        { "unknown key in [Retention]", "[Retention]\nRecording = 72h\n", NULL, NULL, 23,
          "unknown key 'Recording'" },
        { "unknown key in a grant", NULL, "MaxDuration = 1h\n", "MaxDuration = 1h\nApprovers = boss\n", 22,
          "unknown key 'Approvers'" },
        { "empty key", "[Role:x]\n= patron.view\n", NULL, NULL, 23, "empty key" },
        { "unknown section", "[Roles]\nAllow = x\n", NULL, NULL, 22, "unknown section [Roles]" },
        { "bad duration", "[Retention]\nRecordings = 72 hourz\n", NULL, NULL, 23, "bad duration" },
        { "bad grant duration", NULL, "MaxDuration = 1h", "MaxDuration = forever", 21, "bad duration" },
        { "zero duration", "[Retention]\nOperationsLog = 0\n", NULL, NULL, 23, "longer than zero" },
        { "duration over the limit", "[Retention]\nAccessAudit = 11y\n", NULL, NULL, 23,
          "longer than the limit" },
        { "duration overflow", "[Retention]\nAccessAudit = 99999999999999999999d\n", NULL, NULL, 23,
          "out of range" },
        { "duplicate role", "[Role:desk]\nAllow = patron.view\n", NULL, NULL, 22,
          "duplicate section [Role:desk] (first at line 5)" },
        { "duplicate role, adjacent", NULL, "[Role:boss]\n", "[Role:desk]\n", 10,
          "duplicate section [Role:desk]" },
        { "duplicate [Policy]", "[Policy]\nDescription = again\n", NULL, NULL, 22,
          "duplicate section [Policy]" },
        { "huge line",
          "[Role:x]\nDescription = "
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "a"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "a\n",
          NULL, NULL, 23, "line longer than" },
        { "control byte", "[Role:x]\nDescription = a\033b\n", NULL, NULL, 23, "control or NUL byte" },
        { "NUL byte", NULL, "Version = 1", "Version = \0001", 2, "NUL byte" },
        { "syntax error", "[Role:x]\nAllow patron.view\n", NULL, NULL, 23, "syntax error" },
        { "key outside a section", NULL, "[Policy]\n", "Version = 1\n[Policy]\n", 1, "outside any section" },
        { "unknown operation", "[Role:x]\nAllow = patron.vieww\n", NULL, NULL, 23,
          "unknown operation 'patron.vieww'" },
        { "unknown operation group", "[Role:x]\nAllow = patrons.*\n", NULL, NULL, 23,
          "unknown operation group 'patrons'" },
        { "unknown field", "[Role:x]\nRead = name shoe_size\n", NULL, NULL, 23,
          "unknown field 'shoe_size'" },
        { "unknown field, continuation line", "[Role:x]\nRead = name\n  email shoe_size\n", NULL, NULL, 24,
          "unknown field 'shoe_size'" },
        { "empty list", "[Role:x]\nAllow =\n", NULL, NULL, 23, "empty list" },
        { "unknown scope", "[Role:x]\nScopes = mars\n", NULL, NULL, 23, "unknown scope 'mars'" },
        { "reserved scope name", NULL, "Branches = main", "Branches = main home", 4, "reserved" },
        { "scope declared twice", NULL, "Branches = main", "Branches = main\nDatabases = main", 5,
          "declared twice" },
        { "bad role name", "[Role:Desk!]\nAllow = patron.view\n", NULL, NULL, 22,
          "bad name in [Role:Desk!]" },
        { "empty role name", "[Role:]\nAllow = patron.view\n", NULL, NULL, 22, "bad name" },
        { "scalar set twice", NULL, "MaxDuration = 1h\n", "MaxDuration = 1h\nMaxDuration = 2h\n", 22,
          "'MaxDuration' set twice" },
        { "version twice", NULL, "Version = 1\n", "Version = 1\nVersion = 1\n", 3, "set twice" },
        { "dual control off", NULL, "MaxDuration = 1h\n", "MaxDuration = 1h\nRequireDistinctApprover = no\n",
          22, "dual control cannot be switched off" },
        { "dual control not a boolean", NULL, "MaxDuration = 1h\n",
          "MaxDuration = 1h\nRequireDistinctApprover = maybe\n", 22, "not a boolean" },
        { "derived field written", NULL, "Write = name", "Write = name loans", 9, "'loans' is derived" },
        { "write without read", NULL, "Read = *", "Read = id", 9, "may write field 'name' but not read it" },
        { "field classified twice", NULL, "Optional = email", "Optional = name email", 15,
          "'name' already classified at line 14" },
        { "non-form field in registration", NULL, "Required = name", "Required = name loans", 14,
          "not a registration field" },
        { "field not classified", NULL, "NotCollected = gender guardian photo category home_branch",
          "NotCollected = gender guardian photo category", 13, "'home_branch' is not classified" },
        { "floor above anonymisation",
          "[Retention]\nLoanHistoryAnonymiseAfter = 1month\nLoanHistoryFloor = 2months\n", NULL, NULL, 23,
          "shorter than LoanHistoryFloor" },
        { "wrong version", NULL, "Version = 1", "Version = 2", 2, "unsupported policy Version" },
        { "no version", NULL, "Version = 1\n", "Description = x\n", 0, "missing [Policy]" },
        { "requester without grant.request", NULL, "RequestRoles = desk", "RequestRoles = desk boss", 19,
          "role 'boss' may not request" },
        { "approver without grant.approve", NULL, "ApproveRoles = boss", "ApproveRoles = boss desk", 20,
          "role 'desk' may not approve" },
        { "unknown role in a grant", NULL, "ApproveRoles = boss", "ApproveRoles = bosss", 20,
          "unknown role 'bosss'" },
        { "operation in two grant kinds",
          "[Grant:two]\nOperations = recordings.*\nRequestRoles = desk\nApproveRoles = boss\nMaxDuration = "
          "1h\n",
          NULL, NULL, 23, "already needs grant kind 'rec'" },
        { "grant without MaxDuration", NULL, "MaxDuration = 1h\n", "", 17, "needs MaxDuration" },
        { "grant without approvers", NULL, "ApproveRoles = boss\n", "", 17, "needs ApproveRoles" },
        { "grant duration over the limit", NULL, "MaxDuration = 1h", "MaxDuration = 91d", 21,
          "longer than the limit" },
        { "no roles", NULL, NULL, NULL, 0, "no [Role:NAME]" },
        { "section name too long", "[Role:abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij]\n", NULL, NULL,
          22, "section name longer" },
        { "role name too long", "[Role:abcdefghijabcdefghijabcdefghijabc]\nAllow = patron.view\n", NULL,
          NULL, 22, "bad name" },
        /* inih reads an indented line after a key as more of its value, so an
         * indented header is not a header: here MaxDuration gets a second value. */
        { "indented header continues a value", "  [Role:y]\nAllow = audit.read\n", NULL, NULL, 22,
          "'MaxDuration' set twice" },
        { "unterminated section", "[Role:x\nAllow = patron.view\n", NULL, NULL, 22, "syntax error" },
};

static char *case_text(const Case *c, size_t *ret_size)
{
        const char *at;
        char *t;

        if (strcmp(c->what, "no roles") == 0) {
                t = strdup("[Policy]\nVersion = 1\n[Registration]\nRequired = name card_number\n"
                           "Optional = email phone address postcode birth_date\n"
                           "NotCollected = gender guardian photo category home_branch\n");
                *ret_size = strlen(t);
                return t;
        }
        if (c->append) {
                assert_true(asprintf(&t, "%s%s", base, c->append) > 0);
                *ret_size = strlen(t);
                return t;
        }
        at = strstr(base, c->replace);
        assert_non_null(at);
        /* "with" may hold a NUL byte: take its length from the literal. */
        size_t with_len = strcmp(c->what, "NUL byte") == 0 ? 11 : strlen(c->with);
        size_t pre = (size_t)(at - base), rest = strlen(at + strlen(c->replace));
        t = malloc(pre + with_len + rest + 1);
        assert_non_null(t);
        memcpy(t, base, pre);
        memcpy(t + pre, c->with, with_len);
        memcpy(t + pre + with_len, at + strlen(c->replace), rest + 1);
        *ret_size = pre + with_len + rest;
        return t;
}

static void test_base_is_valid(void **state)
{
        _cleanup_policy_ Policy *p = NULL;
        ConfigError err;

        assert_int_equal(policy_load_text("base.conf", base, strlen(base), &p, &err), 0);
        assert_int_equal(policy_n_roles(p), 2);
        assert_int_equal(policy_n_grant_kinds(p), 1);
}

static void test_malformed(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *c = &cases[i];
                _cleanup_free_ char *text = NULL;
                Policy *p = (Policy *)0x1;
                ConfigError err;
                size_t size;
                int r;

                text = case_text(c, &size);
                r = policy_load_text("bad.conf", text, size, &p, &err);
                if (r >= 0)
                        fail_msg("%s: accepted", c->what);
                assert_ptr_equal(p, (Policy *)0x1); /* untouched on failure */
                if (err.line != c->line || !strstr(err.message, c->message))
                        fail_msg("%s: got line %u \"%s\", want line %u \"%s\"", c->what, err.line,
                                 err.message, c->line, c->message);
                assert_string_equal(err.file, "bad.conf");
        }
}

/* The same through a real file: the error names the path. */
static void test_file_errors(void **state)
{
        _cleanup_free_ char *dir = test_tmpdir();
        char path[512];
        Policy *p = NULL;
        ConfigError err;
        FILE *f;

        snprintf(path, sizeof path, "%s/policy.conf", dir);
        assert_int_equal(policy_load_file(path, &p, &err), -ENOENT);
        assert_int_equal(err.line, 0);
        assert_string_equal(err.file, path);

        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "%s[Role:desk]\n", base);
        fclose(f);
        assert_true(policy_load_file(path, &p, &err) < 0);
        assert_null(p);
        assert_string_equal(err.file, path);
        assert_int_equal(err.line, 22);
        test_rmtree(dir);
}

/* Lists: continuation lines and repeated keys add up; Deny beats Allow
 * whatever the order; the rule of a decision is the line naming it. */
static void test_lists_and_precedence(void **state)
{
        static const char extra[] = "[Role:x]\n" /* 22 */
                                    "Deny = patron.erase\n" /* 23 */
                                    "Allow = patron.*\n" /* 24 */
                                    "  audit.read\n" /* 25 */
                                    "Allow = policy.reload\n" /* 26 */
                                    "Scopes = all\n"; /* 27 */
        _cleanup_free_ char *text = NULL;
        _cleanup_policy_ Policy *p = NULL;
        PolicyRuleInfo info;
        PolicyRuleId rule;
        ConfigError err;
        PolicyActor x;

        assert_true(asprintf(&text, "%s%s", base, extra) > 0);
        assert_int_equal(policy_load_text("x.conf", text, strlen(text), &p, &err), 0);
        x = (PolicyActor){ .role = (PolicyRoleId)policy_role_lookup(p, "x") };

        assert_int_equal(policy_check(p, x, POLICY_OP_PATRON_ERASE, 0, &rule), POLICY_DENY);
        assert_int_equal(policy_rule_get(p, rule, &info), 0);
        assert_int_equal(info.line, 23);
        assert_string_equal(info.key, "Deny");
        assert_string_equal(info.file, "x.conf");

        assert_int_equal(policy_check(p, x, POLICY_OP_PATRON_VIEW, 1, &rule), POLICY_ALLOW);
        assert_int_equal(policy_rule_get(p, rule, &info), 0);
        assert_int_equal(info.line, 24);
        assert_int_equal(policy_check(p, x, POLICY_OP_AUDIT_READ, 0, &rule), POLICY_ALLOW);
        assert_int_equal(policy_rule_get(p, rule, &info), 0);
        assert_int_equal(info.line, 25);
        assert_string_equal(info.value, "audit.read");
        assert_int_equal(policy_check(p, x, POLICY_OP_POLICY_RELOAD, 0, &rule), POLICY_ALLOW);
        assert_int_equal(policy_rule_get(p, rule, &info), 0);
        assert_int_equal(info.line, 26);

        /* Nothing names keys.erase: denied by the role's header line. */
        assert_int_equal(policy_check(p, x, POLICY_OP_KEYS_ERASE, 0, &rule), POLICY_DENY);
        assert_int_equal(policy_rule_get(p, rule, &info), 0);
        assert_int_equal(info.line, 22);
        assert_string_equal(info.key, "");

        /* No Read line: every field closed. */
        assert_int_equal(policy_readable_fields(p, x.role), 0);
        /* Retention not given: the documented defaults. */
        assert_int_equal(policy_retention(p, POLICY_RETENTION_OPERATIONS_LOG, &rule), 30 * USEC_PER_DAY);
        assert_int_equal(rule, 0);
}

/* Comments, blank lines, a BOM and indentation are what an operator writes. */
static void test_layout(void **state)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_policy_ Policy *p = NULL;
        ConfigError err;

        assert_true(
                asprintf(&text,
                         "\xEF\xBB\xBF# comment\n; another\n\n%s\n[Role:y]  \nAllow = audit.read ; why\n",
                         base) > 0);
        assert_int_equal(policy_load_text("y.conf", text, strlen(text), &p, &err), 0);
        assert_int_equal(policy_role_lookup(p, "y"), 2);
        assert_int_equal(policy_check(p, (PolicyActor){ .role = 2 }, POLICY_OP_AUDIT_READ, 0, NULL),
                         POLICY_ALLOW);
}

/* References are counted: the last unref frees. */
static void test_refcount(void **state)
{
        Policy *p = NULL, *q;
        ConfigError err;

        assert_int_equal(policy_load_text(NULL, base, strlen(base), &p, &err), 0);
        assert_string_equal(policy_file(p), "<text>");
        q = policy_ref(p);
        assert_ptr_equal(p, q);
        assert_null(policy_unref(p));
        assert_int_equal(policy_n_roles(q), 2);
        assert_null(policy_unref(q));
        assert_null(policy_unref(NULL));
}

/* Allocation failures (link-time wraps of calloc, strdup and reallocarray):
 * whichever allocation fails, loading ends in -ENOMEM with nothing returned
 * and nothing leaked (the sanitizer build checks leaks), until it succeeds. */
static unsigned alloc_countdown;
static bool alloc_fired;

static bool alloc_fail(void)
{
        if (alloc_countdown == 0)
                return false;
        if (--alloc_countdown > 0)
                return false;
        alloc_fired = true;
        return true;
}

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
        return alloc_fail() ? NULL : __real_calloc(n, size);
}

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
        return alloc_fail() ? NULL : __real_strdup(s);
}

void *__real_reallocarray(void *p, size_t n, size_t size);
void *__wrap_reallocarray(void *p, size_t n, size_t size);
void *__wrap_reallocarray(void *p, size_t n, size_t size)
{
        return alloc_fail() ? NULL : __real_reallocarray(p, n, size);
}

static void test_allocation_failures(void **state)
{
        const char *src = getenv("CARREL_SRCDIR");
        _cleanup_free_ char *text = NULL;
        char path[4096];
        size_t size;
        unsigned n;

        snprintf(path, sizeof path, "%s/configs/policy.conf", src ? src : ".");
        assert_int_equal(read_file_bounded(path, CONFIG_FILE_MAX, &text, &size), 0);
        for (n = 1; n < 100000; n++) {
                Policy *p = NULL;
                ConfigError err;
                int r;

                alloc_countdown = n;
                alloc_fired = false;
                r = policy_load_text("policy.conf", text, size, &p, &err);
                alloc_countdown = 0;
                if (!alloc_fired) {
                        assert_int_equal(r, 0);
                        policy_unref(p);
                        break;
                }
                if (r != -ENOMEM)
                        fail_msg("allocation %u: got %d (%s)", n, r, err.message);
                assert_null(p);
        }
        /* The default policy takes a few hundred allocations. */
        assert_true(n > 100);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_base_is_valid),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_file_errors),
                cmocka_unit_test(test_lists_and_precedence),
                cmocka_unit_test(test_layout),
                cmocka_unit_test(test_refcount),
                cmocka_unit_test(test_allocation_failures),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
