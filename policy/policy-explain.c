/* See policy-explain.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy-explain.h"

int policy_explain(const Policy *p, const PolicyQuery *q, PolicyExplanation *ret)
{
        PolicyExplanation e = { .grant_kind = -1 };

        assert_return(p && q && ret, -EINVAL);
        if (q->actor.role >= policy_n_roles(p) || q->actor.home >= policy_n_scopes(p) ||
            (unsigned)q->op >= _POLICY_OP_MAX || q->scope >= policy_n_scopes(p) || q->field < -1 ||
            q->field >= _PATRON_FIELD_MAX)
                return -EINVAL;

        e.verdict = policy_check(p, q->actor, q->op, q->scope, &e.rule);
        /* The operation rule alone, whatever the scope says. */
        e.scope_allowed = policy_scope_allowed(p, q->actor, q->scope, &e.scope_rule);
        e.op_verdict = policy_check(p, q->actor, q->op, POLICY_SCOPE_APPLIANCE, &e.op_rule);
        if (e.op_verdict == POLICY_NEEDS_GRANT)
                e.grant_kind = policy_grant_kind_for_op(p, q->op);

        if (q->field >= 0) {
                e.field_checked = true;
                e.field_write = q->op == POLICY_OP_PATRON_EDIT || q->op == POLICY_OP_PATRON_REGISTER;
                e.field_allowed = e.field_write
                                          ? policy_field_writable(p, q->actor.role, q->field, &e.field_rule)
                                          : policy_field_readable(p, q->actor.role, q->field, &e.field_rule);
                if (e.verdict != POLICY_DENY && !e.field_allowed) {
                        e.verdict = POLICY_DENY;
                        e.rule = e.field_rule;
                }
        }
        *ret = e;
        return 0;
}

int policy_rule_format(const Policy *p, PolicyRuleId id, char *buf, size_t size)
{
        PolicyRuleInfo info;
        int r;

        r = policy_rule_get(p, id, &info);
        if (r < 0)
                return r;
        if (info.line == 0)
                r = snprintf(buf, size, "built-in default");
        else if (info.key[0] == '\0')
                r = snprintf(buf, size, "%s:%u: [%s] (no rule in this section names it: closed by default)",
                             info.file, info.line, info.section);
        else
                r = snprintf(buf, size, "%s:%u: [%s] %s = %s", info.file, info.line, info.section, info.key,
                             info.value);
        return r < 0 ? -EIO : 0;
}

int policy_explanation_print(const Policy *p, const PolicyQuery *q, const PolicyExplanation *e, FILE *f)
{
        char rule[512];

        assert_return(p && q && e && f, -EINVAL);

        fprintf(f, "decision:  %s\n", policy_verdict_to_string(e->verdict));
        fprintf(f, "actor:     role %s, home %s\n", policy_role_name(p, q->actor.role),
                policy_scope_name(p, q->actor.home));
        fprintf(f, "request:   %s in scope %s", policy_op_to_string(q->op), policy_scope_name(p, q->scope));
        if (e->field_checked)
                fprintf(f, ", %s field %s", e->field_write ? "writing" : "reading",
                        patron_field_to_string(q->field));
        fputc('\n', f);
        if (e->rule == 0 && e->field_checked && e->field_rule == 0 && e->field_write &&
            patron_field_class(q->field) == PATRON_FIELD_DERIVED)
                snprintf(rule, sizeof rule, "built-in: a derived field is never written by an edit");
        else
                (void)policy_rule_format(p, e->rule, rule, sizeof rule);
        fprintf(f, "rule:      %s\n", rule);

        fprintf(f, "steps:\n");
        (void)policy_rule_format(p, e->op_rule, rule, sizeof rule);
        fprintf(f, "  operation %-17s %s\n", policy_verdict_to_string(e->op_verdict), rule);
        if (e->grant_kind >= 0)
                fprintf(f, "  grant     %-17s an approved grant of kind '%s' is needed\n", "required",
                        policy_grant_kind_name(p, (unsigned)e->grant_kind));
        (void)policy_rule_format(p, e->scope_rule, rule, sizeof rule);
        fprintf(f, "  scope     %-17s %s\n", e->scope_allowed ? "allow" : "deny", rule);
        if (e->field_checked) {
                if (e->field_rule == 0 && patron_field_class(q->field) == PATRON_FIELD_DERIVED &&
                    e->field_write)
                        snprintf(rule, sizeof rule, "built-in: a derived field is never written by an edit");
                else
                        (void)policy_rule_format(p, e->field_rule, rule, sizeof rule);
                fprintf(f, "  field     %-17s %s\n",
                        e->field_write ? (e->field_allowed ? "writable" : "not-writable")
                                       : (e->field_allowed ? "readable" : "not-readable"),
                        rule);
        }
        return ferror(f) ? -EIO : 0;
}
