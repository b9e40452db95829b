/* libFuzzer target: the policy parser and compiler (policy/policy-parse.c)
 * and every decision over whatever it accepts. Any input must end in a
 * policy or a refusal whose line is inside the input; never a crash, leak,
 * overread or an id that decisions cannot handle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-explain.h"
#include "policy/policy-redact.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(Policy *p)
{
        char buf[512];

        for (unsigned role = 0; role < policy_n_roles(p); role++) {
                for (unsigned op = 0; op < _POLICY_OP_MAX; op++)
                        for (unsigned s = 0; s < policy_n_scopes(p); s++) {
                                PolicyRuleId rule;
                                PolicyActor a = { .role = (PolicyRoleId)role, .home = (PolicyScopeId)s };
                                (void)policy_check(p, a, op, (PolicyScopeId)s, &rule);
                                if (policy_rule_format(p, rule, buf, sizeof buf) < 0)
                                        abort();
                        }
                for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++) {
                        PolicyRuleId r1, r2;
                        bool w = policy_field_writable(p, role, f, &r1);
                        bool rd = policy_field_readable(p, role, f, &r2);
                        /* The compiler's promise: whatever may be written may be read. */
                        if (w && !rd)
                                abort();
                        if (policy_rule_format(p, r1, buf, sizeof buf) < 0 ||
                            policy_rule_format(p, r2, buf, sizeof buf) < 0)
                                abort();
                }
                PolicyQuery q = { .actor = { .role = (PolicyRoleId)role },
                                  .op = POLICY_OP_PATRON_EDIT,
                                  .field = 1 };
                PolicyExplanation e;
                if (policy_explain(p, &q, &e) < 0)
                        abort();
        }
        for (unsigned k = 0; k < policy_n_grant_kinds(p); k++)
                if (policy_grant_max_duration(p, k, NULL) == 0)
                        abort();
        for (unsigned k = 0; k < _POLICY_RETENTION_MAX; k++)
                if (policy_retention(p, k, NULL) == 0)
                        abort();
        if (policy_retention(p, POLICY_RETENTION_LOAN_HISTORY_ANONYMISE, NULL) <
            policy_retention(p, POLICY_RETENTION_LOAN_HISTORY_FLOOR, NULL))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Policy *p = NULL;
        ConfigError err;
        unsigned lines = 1;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        if (policy_load_text("fuzz", (const char *)data, size, &p, &err) < 0) {
                if (p || err.line > lines || err.message[0] == '\0')
                        abort();
                return 0;
        }
        exercise(p);
        policy_unref(p);
        return 0;
}
