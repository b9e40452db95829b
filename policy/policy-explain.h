/* Explaining a decision: which rules of the file made it. This is what
 * `carrelctl policy explain` prints, and what an auditor reads to see why
 * somebody could (or could not) see a field. */
#pragma once

#include <stdio.h>

#include "policy/policy.h"

typedef struct PolicyQuery {
        PolicyActor actor;
        PolicyOp op;
        PolicyScopeId scope;
        int field; /* a PatronField, or -1 for none */
} PolicyQuery;

typedef struct PolicyExplanation {
        PolicyVerdict verdict; /* the overall answer */
        PolicyRuleId rule; /* the rule that decided it */
        PolicyVerdict op_verdict; /* the operation rules alone */
        PolicyRuleId op_rule;
        bool scope_allowed;
        PolicyRuleId scope_rule;
        bool field_checked;
        bool field_write; /* patron.register and patron.edit write; others read */
        bool field_allowed;
        PolicyRuleId field_rule;
        int grant_kind; /* for POLICY_NEEDS_GRANT, else -1 */
} PolicyExplanation;

/* Decide q step by step: operation, then scope, then (with a field) the
 * field rule for reading or writing. The overall verdict is what
 * policy_check() and the field functions together answer. Returns 0 or
 * -EINVAL for an id out of range. */
int policy_explain(const Policy *p, const PolicyQuery *q, PolicyExplanation *ret);

/* "FILE:LINE: [Section] Key = Value", or a description of a built-in
 * default, into buf. Returns 0 or -ENOENT. */
int policy_rule_format(const Policy *p, PolicyRuleId id, char *buf, size_t size);

/* Print an explanation for people, several lines. Returns 0 or -EIO. */
int policy_explanation_print(const Policy *p, const PolicyQuery *q, const PolicyExplanation *e, FILE *f);
