/* Decisions over a compiled policy. Every function here is a bounds check
 * and a few bitmap tests: no allocation, no string work on the hot path. */
#include <errno.h>
#include <string.h>

#include "policy/policy-internal.h"

#define BIT(n) (UINT64_C(1) << (n))

static inline void rule_set(PolicyRuleId *ret, PolicyRuleId id)
{
        if (ret)
                *ret = id;
}

int policy_role_lookup(const Policy *p, const char *name)
{
        if (!p || !name)
                return -ENOENT;
        for (unsigned i = 0; i < p->n_roles; i++)
                if (strcmp(p->roles[i].name, name) == 0)
                        return (int)i;
        return -ENOENT;
}

int policy_scope_lookup(const Policy *p, const char *name)
{
        if (!p || !name)
                return -ENOENT;
        if (name[0] == '\0' || strcmp(name, "appliance") == 0)
                return POLICY_SCOPE_APPLIANCE;
        for (unsigned i = 1; i < p->n_scopes; i++)
                if (strcmp(p->scopes[i].name, name) == 0)
                        return (int)i;
        return -ENOENT;
}

int policy_grant_kind_lookup(const Policy *p, const char *name)
{
        if (!p || !name)
                return -ENOENT;
        for (unsigned i = 0; i < p->n_grant_kinds; i++)
                if (strcmp(p->grant_kinds[i].name, name) == 0)
                        return (int)i;
        return -ENOENT;
}

const char *policy_role_name(const Policy *p, PolicyRoleId role)
{
        return p && role < p->n_roles ? p->roles[role].name : NULL;
}

const char *policy_scope_name(const Policy *p, PolicyScopeId scope)
{
        if (!p || scope >= p->n_scopes)
                return NULL;
        return scope == POLICY_SCOPE_APPLIANCE ? "appliance" : p->scopes[scope].name;
}

const char *policy_grant_kind_name(const Policy *p, unsigned kind)
{
        return p && kind < p->n_grant_kinds ? p->grant_kinds[kind].name : NULL;
}

unsigned policy_n_roles(const Policy *p)
{
        return p ? p->n_roles : 0;
}

unsigned policy_n_scopes(const Policy *p)
{
        return p ? p->n_scopes : 0;
}

unsigned policy_n_grant_kinds(const Policy *p)
{
        return p ? p->n_grant_kinds : 0;
}

const char *policy_file(const Policy *p)
{
        return p ? p->file : NULL;
}

bool policy_scope_allowed(const Policy *p, PolicyActor actor, PolicyScopeId scope, PolicyRuleId *ret_rule)
{
        const PolicyRole *r;

        if (_unlikely_(!p || actor.role >= p->n_roles || scope >= p->n_scopes)) {
                rule_set(ret_rule, 0);
                return false;
        }
        r = &p->roles[actor.role];
        rule_set(ret_rule, r->scope_rule);
        return (r->scopes & BIT(scope)) || (r->scope_home && scope == actor.home);
}

PolicyVerdict policy_check(const Policy *p, PolicyActor actor, PolicyOp op, PolicyScopeId scope,
                           PolicyRuleId *ret_rule)
{
        const PolicyRole *r;
        PolicyVerdict v;

        if (_unlikely_(!p || actor.role >= p->n_roles || (unsigned)op >= _POLICY_OP_MAX ||
                       scope >= p->n_scopes)) {
                rule_set(ret_rule, 0);
                return POLICY_DENY;
        }
        r = &p->roles[actor.role];
        if (r->allow & BIT(op))
                v = POLICY_ALLOW;
        else if (r->grant & BIT(op))
                v = POLICY_NEEDS_GRANT;
        else {
                rule_set(ret_rule, r->op_rule[op]);
                return POLICY_DENY;
        }
        if (!(r->scopes & BIT(scope)) && !(r->scope_home && scope == actor.home)) {
                rule_set(ret_rule, r->scope_rule);
                return POLICY_DENY;
        }
        rule_set(ret_rule, r->op_rule[op]);
        return v;
}

bool policy_field_readable(const Policy *p, PolicyRoleId role, PatronField field, PolicyRuleId *ret_rule)
{
        if (_unlikely_(!p || role >= p->n_roles || (unsigned)field >= _PATRON_FIELD_MAX)) {
                rule_set(ret_rule, 0);
                return false;
        }
        rule_set(ret_rule, p->roles[role].read_rule[field]);
        return p->roles[role].read & BIT(field);
}

bool policy_field_writable(const Policy *p, PolicyRoleId role, PatronField field, PolicyRuleId *ret_rule)
{
        if (_unlikely_(!p || role >= p->n_roles || (unsigned)field >= _PATRON_FIELD_MAX)) {
                rule_set(ret_rule, 0);
                return false;
        }
        rule_set(ret_rule, p->roles[role].write_rule[field]);
        return p->roles[role].write & BIT(field);
}

uint64_t policy_readable_fields(const Policy *p, PolicyRoleId role)
{
        return p && role < p->n_roles ? p->roles[role].read : 0;
}

uint64_t policy_writable_fields(const Policy *p, PolicyRoleId role)
{
        return p && role < p->n_roles ? p->roles[role].write : 0;
}

PolicyCollect policy_field_collection(const Policy *p, PatronField field, PolicyRuleId *ret_rule)
{
        if (!p || (unsigned)field >= _PATRON_FIELD_MAX) {
                rule_set(ret_rule, 0);
                return POLICY_NOT_COLLECTED;
        }
        rule_set(ret_rule, p->collect_rule[field]);
        return p->collect[field];
}

usec_t policy_retention(const Policy *p, PolicyRetention kind, PolicyRuleId *ret_rule)
{
        if (!p || (unsigned)kind >= _POLICY_RETENTION_MAX) {
                rule_set(ret_rule, 0);
                return 0;
        }
        rule_set(ret_rule, p->retention_rule[kind]);
        return p->retention[kind];
}

int policy_grant_kind_for_op(const Policy *p, PolicyOp op)
{
        if (!p || (unsigned)op >= _POLICY_OP_MAX || p->op_grant_kind[op] < 0)
                return -ENOENT;
        return p->op_grant_kind[op];
}

bool policy_grant_may_request(const Policy *p, unsigned kind, PolicyRoleId role, PolicyRuleId *ret_rule)
{
        const PolicyGrantKind *g;

        if (!p || kind >= p->n_grant_kinds || role >= p->n_roles) {
                rule_set(ret_rule, 0);
                return false;
        }
        g = &p->grant_kinds[kind];
        if (g->request_roles & BIT(role)) {
                rule_set(ret_rule, g->request_rule[role]);
                return true;
        }
        rule_set(ret_rule, g->header_rule);
        return false;
}

bool policy_grant_may_approve(const Policy *p, unsigned kind, PolicyRoleId role, PolicyRuleId *ret_rule)
{
        const PolicyGrantKind *g;

        if (!p || kind >= p->n_grant_kinds || role >= p->n_roles) {
                rule_set(ret_rule, 0);
                return false;
        }
        g = &p->grant_kinds[kind];
        if (g->approve_roles & BIT(role)) {
                rule_set(ret_rule, g->approve_rule[role]);
                return true;
        }
        rule_set(ret_rule, g->header_rule);
        return false;
}

bool policy_grant_covers(const Policy *p, unsigned kind, PolicyOp op)
{
        return p && kind < p->n_grant_kinds && (unsigned)op < _POLICY_OP_MAX &&
               (p->grant_kinds[kind].ops & BIT(op));
}

usec_t policy_grant_max_duration(const Policy *p, unsigned kind, PolicyRuleId *ret_rule)
{
        if (!p || kind >= p->n_grant_kinds) {
                rule_set(ret_rule, 0);
                return 0;
        }
        rule_set(ret_rule, p->grant_kinds[kind].max_duration_rule);
        return p->grant_kinds[kind].max_duration;
}

usec_t policy_grant_pending_timeout(const Policy *p, unsigned kind, PolicyRuleId *ret_rule)
{
        if (!p || kind >= p->n_grant_kinds) {
                rule_set(ret_rule, 0);
                return 0;
        }
        rule_set(ret_rule, p->grant_kinds[kind].pending_timeout_rule);
        return p->grant_kinds[kind].pending_timeout;
}

uint64_t policy_replication_fields(const Policy *p)
{
        return p ? p->replication_fields : 0;
}

bool policy_replicates_scope(const Policy *p, PolicyScopeId desk_home, PolicyScopeId scope,
                             PolicyRuleId *ret_rule)
{
        if (!p || scope >= p->n_scopes) {
                rule_set(ret_rule, 0);
                return false;
        }
        rule_set(ret_rule, p->replication_scope_rule);
        return (p->replication_scopes & BIT(scope)) || (p->replication_home && scope == desk_home);
}

int policy_rule_get(const Policy *p, PolicyRuleId id, PolicyRuleInfo *ret)
{
        if (!p || id >= p->n_rules || !ret)
                return -ENOENT;
        *ret = (PolicyRuleInfo){
                .file = p->file,
                .line = p->rules[id].line,
                .section = p->rules[id].section,
                .key = p->rules[id].key,
                .value = p->rules[id].value,
        };
        return 0;
}
