/* Reading a policy file into its compiled form (policy-internal.h).
 *
 * Three steps, each refusing with the line at fault:
 *   1. lib/conf-parser (inih) collects every key = value as a rule, with its
 *      line; continuation lines arrive as more rules with the same key.
 *   2. A scan of the text finds the section headers, which inih does not
 *      report, so that duplicate, unknown and empty sections are caught and
 *      "denied because nothing allows it" can point at the role's header.
 *   3. The rules are resolved against the fixed catalogues and the names the
 *      file declares, then cross-checked and compiled into bitmaps. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-internal.h"

_Static_assert(_POLICY_OP_MAX <= 64, "operations must fit a 64-bit map");
_Static_assert(_PATRON_FIELD_MAX <= 64, "fields must fit a 64-bit map");
_Static_assert(POLICY_ROLES_MAX <= 64 && POLICY_SCOPES_MAX <= 64, "ids must fit a 64-bit map");
_Static_assert(POLICY_GRANT_KINDS_MAX < 128, "grant kind ids are int8_t");

#define POLICY_VERSION 1
#define TOKEN_MAX 64

typedef enum SectionType {
        SECTION_POLICY,
        SECTION_SCOPES,
        SECTION_ROLE,
        SECTION_REGISTRATION,
        SECTION_RETENTION,
        SECTION_REPLICATION,
        SECTION_GRANT,
} SectionType;

typedef struct Header {
        unsigned line;
        char name[CONFIG_SECTION_MAX + 1];
        SectionType type;
        int index; /* role or grant kind id */
        PolicyRuleId rule;
        uint32_t seen_scalars; /* bit per scalar key, to refuse a second assignment */
} Header;

/* What the file names for one role, before Deny/Allow precedence is applied. */
typedef struct RoleDraft {
        PolicyRuleId allow[_POLICY_OP_MAX], deny[_POLICY_OP_MAX];
        PolicyRuleId read[_PATRON_FIELD_MAX], read_deny[_PATRON_FIELD_MAX];
        PolicyRuleId write[_PATRON_FIELD_MAX], write_deny[_PATRON_FIELD_MAX];
} RoleDraft;

typedef struct Loader {
        Policy *p;
        ConfigError *err;
        size_t rules_allocated;
        Header *headers;
        size_t n_headers;
        RoleDraft drafts[POLICY_ROLES_MAX];
        PolicyRuleId version_rule;
        PolicyRuleId grant_ops_rule[POLICY_GRANT_KINDS_MAX];
        bool grant_has_request[POLICY_GRANT_KINDS_MAX], grant_has_approve[POLICY_GRANT_KINDS_MAX];
        int registration_header;
} Loader;

static Policy *policy_free(Policy *p)
{
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++) {
                free(p->rules[i].section);
                free(p->rules[i].key);
                free(p->rules[i].value);
        }
        free(p->rules);
        free(p->file);
        free(p);
        return NULL;
}

Policy *policy_ref(Policy *p)
{
        if (p)
                __atomic_add_fetch(&p->n_ref, 1, __ATOMIC_RELAXED);
        return p;
}

Policy *policy_unref(Policy *p)
{
        if (p && __atomic_sub_fetch(&p->n_ref, 1, __ATOMIC_ACQ_REL) == 0)
                policy_free(p);
        return NULL;
}

static int rule_add(Loader *l, unsigned line, const char *section, const char *key, const char *value,
                    PolicyRuleId *ret)
{
        Policy *p = l->p;
        PolicyRule *r;

        if (p->n_rules >= UINT32_MAX)
                return -E2BIG;
        if (p->n_rules == l->rules_allocated) {
                size_t n = l->rules_allocated ? l->rules_allocated * 2 : 64;
                PolicyRule *nr = reallocarray(p->rules, n, sizeof *nr);
                if (!nr)
                        return -ENOMEM;
                p->rules = nr;
                l->rules_allocated = n;
        }
        r = &p->rules[p->n_rules];
        *r = (PolicyRule){ .line = line };
        r->section = strdup(section);
        r->key = strdup(key);
        r->value = strdup(value);
        /* Count it even half-built so policy_free() releases what was allocated. */
        p->n_rules++;
        if (!r->section || !r->key || !r->value)
                return -ENOMEM;
        if (ret)
                *ret = (PolicyRuleId)(p->n_rules - 1);
        return 0;
}

static int collect_rule(void *userdata, const char *section, const char *key, const char *value,
                        unsigned line, ConfigError *err)
{
        Loader *l = userdata;
        int r;

        if (section[0] == '\0')
                return config_error_set(err, line, -EINVAL, "'%s' outside any section", key);
        /* inih passes "= value" with an empty key; it would read as a header here. */
        if (key[0] == '\0')
                return config_error_set(err, line, -EINVAL, "empty key");
        r = rule_add(l, line, section, key, value, NULL);
        if (r < 0)
                return config_error_set(err, line, r, "out of memory");
        return 0;
}

/* Section headers as inih sees them: a '[' line that is not the
 * continuation of a value (an indented line after a key), comments and
 * blank lines skipped, a UTF-8 BOM on the first line ignored. Lines inih
 * refuses never get here: the text has been parsed already. */
static int scan_headers(Loader *l, const char *text, size_t size)
{
        bool after_key = false;
        unsigned line = 0;
        size_t pos = 0;

        while (pos < size) {
                const char *s = text + pos, *nl = memchr(s, '\n', size - pos);
                size_t len = nl ? (size_t)(nl - s) : size - pos;
                const char *start = s, *end = s + len;

                pos += len + 1;
                line++;
                if (line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
                        s = start = s + 3;
                while (start < end && isspace((unsigned char)*start))
                        start++;
                if (start == end || *start == ';' || *start == '#')
                        continue;
                if (start > s && after_key)
                        continue; /* continuation */
                if (*start != '[') {
                        after_key = true;
                        continue;
                }
                after_key = false;

                const char *close = memchr(start, ']', (size_t)(end - start));
                if (!close)
                        return config_error_set(l->err, line, -EBADMSG, "syntax error");
                size_t n = (size_t)(close - start - 1);
                if (n > CONFIG_SECTION_MAX)
                        return config_error_set(l->err, line, -E2BIG, "section name too long");

                if (l->n_headers % 16 == 0) {
                        Header *nh = reallocarray(l->headers, l->n_headers + 16, sizeof *nh);
                        if (!nh)
                                return config_error_set(l->err, line, -ENOMEM, "out of memory");
                        l->headers = nh;
                }
                Header *h = &l->headers[l->n_headers++];
                *h = (Header){ .line = line, .index = -1 };
                memcpy(h->name, start + 1, n);
                h->name[n] = '\0';
        }
        return 0;
}

/* Names of roles, scopes and grant kinds: short, lower case, no spaces, so
 * they are safe in logs, audit rows and command lines. */
static bool name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > POLICY_NAME_MAX || !islower((unsigned char)s[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
                    s[i] != '_')
                        return false;
        return true;
}

static int headers_classify(Loader *l)
{
        static const struct {
                const char *name;
                SectionType type;
        } plain[] = {
                { "Policy", SECTION_POLICY },
                { "Scopes", SECTION_SCOPES },
                { "Registration", SECTION_REGISTRATION },
                { "Retention", SECTION_RETENTION },
                { "Replication", SECTION_REPLICATION },
        };
        Policy *p = l->p;
        int r;

        l->registration_header = -1;
        for (size_t i = 0; i < l->n_headers; i++) {
                Header *h = &l->headers[i];
                const char *arg = NULL;
                size_t j;

                for (j = 0; j < i; j++)
                        if (strcmp(l->headers[j].name, h->name) == 0)
                                return config_error_set(l->err, h->line, -EEXIST,
                                                        "duplicate section [%s] (first at line %u)", h->name,
                                                        l->headers[j].line);

                for (j = 0; j < ELEMENTSOF(plain); j++)
                        if (strcmp(plain[j].name, h->name) == 0)
                                break;
                if (j < ELEMENTSOF(plain))
                        h->type = plain[j].type;
                else if (strncmp(h->name, "Role:", 5) == 0) {
                        h->type = SECTION_ROLE;
                        arg = h->name + 5;
                } else if (strncmp(h->name, "Grant:", 6) == 0) {
                        h->type = SECTION_GRANT;
                        arg = h->name + 6;
                } else
                        return config_error_set(l->err, h->line, -EINVAL,
                                                "unknown section [%s] (expected Policy, Scopes, Role:NAME, "
                                                "Registration, Retention, Replication or Grant:NAME)",
                                                h->name);

                if (arg && !name_valid(arg))
                        return config_error_set(l->err, h->line, -EINVAL,
                                                "bad name in [%s]: 1-%d of a-z, 0-9, '-', '_', starting a-z",
                                                h->name, POLICY_NAME_MAX);

                r = rule_add(l, h->line, h->name, "", "", &h->rule);
                if (r < 0)
                        return config_error_set(l->err, h->line, r, "out of memory");

                if (h->type == SECTION_ROLE) {
                        if (p->n_roles >= POLICY_ROLES_MAX)
                                return config_error_set(l->err, h->line, -E2BIG, "more than %d roles",
                                                        POLICY_ROLES_MAX);
                        h->index = (int)p->n_roles++;
                        PolicyRole *role = &p->roles[h->index];
                        snprintf(role->name, sizeof role->name, "%s", arg);
                        role->header_rule = h->rule;
                        role->scope_rule = h->rule;
                } else if (h->type == SECTION_GRANT) {
                        if (p->n_grant_kinds >= POLICY_GRANT_KINDS_MAX)
                                return config_error_set(l->err, h->line, -E2BIG, "more than %d grant kinds",
                                                        POLICY_GRANT_KINDS_MAX);
                        h->index = (int)p->n_grant_kinds++;
                        PolicyGrantKind *g = &p->grant_kinds[h->index];
                        snprintf(g->name, sizeof g->name, "%s", arg);
                        g->header_rule = h->rule;
                } else if (h->type == SECTION_REGISTRATION)
                        l->registration_header = (int)i;
        }
        return 0;
}

/* --- value helpers --- */

typedef int (*TokenFn)(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                       void *userdata);

/* Call fn for every whitespace-separated token of the rule's value. */
static int tokens_foreach(Loader *l, const PolicyRule *rule, PolicyRuleId id, TokenFn fn, void *userdata)
{
        const char *s = rule->value;
        unsigned count = 0;
        int r;

        for (;;) {
                char token[TOKEN_MAX + 1];
                size_t n;

                s += strspn(s, " \t");
                if (*s == '\0')
                        break;
                n = strcspn(s, " \t");
                if (n > TOKEN_MAX)
                        return config_error_set(l->err, rule->line, -E2BIG,
                                                "name longer than %d bytes in '%s'", TOKEN_MAX, rule->key);
                memcpy(token, s, n);
                token[n] = '\0';
                s += n;
                r = fn(l, rule, id, token, userdata);
                if (r < 0)
                        return r;
                count++;
        }
        if (count == 0)
                return config_error_set(l->err, rule->line, -EINVAL, "empty list for '%s'", rule->key);
        return 0;
}

static int ops_parse(Loader *l, const PolicyRule *rule, const char *token, uint64_t *ret)
{
        const char *star;
        int op;

        if (strcmp(token, "*") == 0) {
                *ret = (_POLICY_OP_MAX == 64) ? UINT64_MAX : (UINT64_C(1) << _POLICY_OP_MAX) - 1;
                return 0;
        }
        star = strstr(token, ".*");
        if (star && star[2] == '\0' && star > token) {
                uint64_t m = policy_ops_in_group(token, (size_t)(star - token));
                if (m == 0)
                        return config_error_set(l->err, rule->line, -EINVAL,
                                                "unknown operation group '%.*s'", (int)(star - token),
                                                token);
                *ret = m;
                return 0;
        }
        op = policy_op_from_string(token);
        if (op < 0)
                return config_error_set(l->err, rule->line, -EINVAL, "unknown operation '%s'", token);
        *ret = UINT64_C(1) << op;
        return 0;
}

/* Field tokens: a name from the catalogue, or "*" when `wildcard`. */
static int fields_parse(Loader *l, const PolicyRule *rule, const char *token, bool wildcard, uint64_t *ret)
{
        int f;

        if (wildcard && strcmp(token, "*") == 0) {
                *ret = (UINT64_C(1) << _PATRON_FIELD_MAX) - 1;
                return 0;
        }
        f = patron_field_from_string(token);
        if (f < 0)
                return config_error_set(l->err, rule->line, -EINVAL, "unknown field '%s'", token);
        *ret = UINT64_C(1) << f;
        return 0;
}

static void rules_mark(PolicyRuleId *rules, uint64_t mask, unsigned n, PolicyRuleId id)
{
        for (unsigned i = 0; i < n; i++)
                if ((mask & (UINT64_C(1) << i)) && rules[i] == 0)
                        rules[i] = id;
}

/* A scalar key may be given once per section. */
static int scalar_once(Loader *l, Header *h, unsigned bit, const PolicyRule *rule)
{
        if (h->seen_scalars & (1u << bit))
                return config_error_set(l->err, rule->line, -EEXIST, "'%s' set twice in [%s]", rule->key,
                                        h->name);
        h->seen_scalars |= 1u << bit;
        return 0;
}

static int duration_parse(Loader *l, const PolicyRule *rule, usec_t limit, usec_t *ret)
{
        char buf[32];
        usec_t v;
        int r;

        r = config_value_duration(rule->value, &v, rule->line, l->err);
        if (r < 0)
                return r;
        if (v == 0)
                return config_error_set(l->err, rule->line, -ERANGE, "'%s' must be longer than zero",
                                        rule->key);
        if (v > limit)
                return config_error_set(l->err, rule->line, -ERANGE, "'%s' longer than the limit of %s",
                                        rule->key, format_duration(buf, sizeof buf, limit));
        *ret = v;
        return 0;
}

/* Scope tokens: "home", "all" or declared scope names, into a bitmap. */
typedef struct ScopeSet {
        uint64_t mask;
        bool home;
} ScopeSet;

static int scope_token(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token, void *userdata)
{
        ScopeSet *set = userdata;
        int s;

        if (strcmp(token, "home") == 0) {
                set->home = true;
                return 0;
        }
        if (strcmp(token, "all") == 0) {
                set->mask = UINT64_MAX;
                return 0;
        }
        s = policy_scope_lookup(l->p, token);
        if (s <= 0)
                return config_error_set(l->err, rule->line, -EINVAL,
                                        "unknown scope '%s' (declare it in [Scopes], or use home or all)",
                                        token);
        set->mask |= UINT64_C(1) << s;
        return 0;
}

/* --- [Policy] and [Scopes]: the first pass --- */

static int scope_declare(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                         void *userdata)
{
        Policy *p = l->p;
        PolicyScope *s;

        if (!name_valid(token))
                return config_error_set(l->err, rule->line, -EINVAL,
                                        "bad scope name '%s': 1-%d of a-z, 0-9, '-', '_', starting a-z",
                                        token, POLICY_NAME_MAX);
        if (strcmp(token, "home") == 0 || strcmp(token, "all") == 0 || strcmp(token, "appliance") == 0)
                return config_error_set(l->err, rule->line, -EINVAL, "scope name '%s' is reserved", token);
        if (policy_scope_lookup(p, token) >= 0)
                return config_error_set(l->err, rule->line, -EEXIST, "scope '%s' declared twice", token);
        if (p->n_scopes >= POLICY_SCOPES_MAX)
                return config_error_set(l->err, rule->line, -E2BIG, "more than %d scopes",
                                        POLICY_SCOPES_MAX - 1);
        s = &p->scopes[p->n_scopes++];
        snprintf(s->name, sizeof s->name, "%s", token);
        s->database = *(const bool *)userdata;
        s->rule = id;
        return 0;
}

static int section_policy(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        uint64_t v;
        int r;

        if (strcmp(rule->key, "Version") == 0) {
                r = scalar_once(l, h, 0, rule);
                if (r < 0)
                        return r;
                r = config_value_uint64(rule->value, &v, rule->line, l->err);
                if (r < 0)
                        return r;
                if (v != POLICY_VERSION)
                        return config_error_set(l->err, rule->line, -EPROTONOSUPPORT,
                                                "unsupported policy Version %s (this Carrel reads %d)",
                                                rule->value, POLICY_VERSION);
                l->version_rule = id;
                return 0;
        }
        if (strcmp(rule->key, "Description") == 0)
                return 0; /* free text; continuation lines allowed */
        return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [Policy]", rule->key);
}

static int section_scopes(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        bool database;

        if (strcmp(rule->key, "Branches") == 0)
                database = false;
        else if (strcmp(rule->key, "Databases") == 0)
                database = true;
        else
                return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [Scopes]",
                                        rule->key);
        return tokens_foreach(l, rule, id, scope_declare, &database);
}

/* --- [Role:NAME] --- */

typedef struct RoleCtx {
        PolicyRole *role;
        RoleDraft *draft;
} RoleCtx;

static int role_op_token(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                         void *userdata)
{
        RoleCtx *c = userdata;
        uint64_t m = 0;
        int r = ops_parse(l, rule, token, &m);

        if (r < 0)
                return r;
        rules_mark(strcmp(rule->key, "Deny") == 0 ? c->draft->deny : c->draft->allow, m, _POLICY_OP_MAX, id);
        return 0;
}

static int role_field_token(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                            void *userdata)
{
        RoleCtx *c = userdata;
        PolicyRuleId *rules;
        uint64_t m = 0;
        int r;

        r = fields_parse(l, rule, token, true, &m);
        if (r < 0)
                return r;
        if (strcmp(rule->key, "Read") == 0)
                rules = c->draft->read;
        else if (strcmp(rule->key, "ReadDeny") == 0)
                rules = c->draft->read_deny;
        else if (strcmp(rule->key, "WriteDeny") == 0)
                rules = c->draft->write_deny;
        else {
                int f = patron_field_from_string(token);
                if (f >= 0 && patron_field_class(f) == PATRON_FIELD_DERIVED)
                        return config_error_set(l->err, rule->line, -EINVAL,
                                                "field '%s' is derived by circulation and cannot be written",
                                                token);
                rules = c->draft->write;
        }
        rules_mark(rules, m, _PATRON_FIELD_MAX, id);
        return 0;
}

static int section_role(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        RoleCtx c = { .role = &l->p->roles[h->index], .draft = &l->drafts[h->index] };
        const char *k = rule->key;

        if (strcmp(k, "Description") == 0)
                return 0;
        if (strcmp(k, "Allow") == 0 || strcmp(k, "Deny") == 0)
                return tokens_foreach(l, rule, id, role_op_token, &c);
        if (strcmp(k, "Read") == 0 || strcmp(k, "ReadDeny") == 0 || strcmp(k, "Write") == 0 ||
            strcmp(k, "WriteDeny") == 0)
                return tokens_foreach(l, rule, id, role_field_token, &c);
        if (strcmp(k, "Scopes") == 0) {
                ScopeSet set = { 0 };
                int r = tokens_foreach(l, rule, id, scope_token, &set);
                if (r < 0)
                        return r;
                c.role->scopes |= set.mask;
                c.role->scope_home |= set.home;
                if (c.role->scope_rule == c.role->header_rule)
                        c.role->scope_rule = id;
                return 0;
        }
        return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [%s]", k, h->name);
}

/* --- [Registration] --- */

static int registration_token(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                              void *userdata)
{
        Policy *p = l->p;
        int f = patron_field_from_string(token);

        if (f < 0)
                return config_error_set(l->err, rule->line, -EINVAL, "unknown field '%s'", token);
        if (patron_field_class(f) != PATRON_FIELD_FORM)
                return config_error_set(l->err, rule->line, -EINVAL,
                                        "field '%s' is not a registration field", token);
        if (p->collect_rule[f] != 0)
                return config_error_set(l->err, rule->line, -EEXIST,
                                        "field '%s' already classified at line %u", token,
                                        p->rules[p->collect_rule[f]].line);
        p->collect[f] = *(const PolicyCollect *)userdata;
        p->collect_rule[f] = id;
        return 0;
}

static int section_registration(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        PolicyCollect c;

        if (strcmp(rule->key, "Required") == 0)
                c = POLICY_REQUIRED;
        else if (strcmp(rule->key, "Optional") == 0)
                c = POLICY_OPTIONAL;
        else if (strcmp(rule->key, "NotCollected") == 0)
                c = POLICY_NOT_COLLECTED;
        else
                return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [Registration]",
                                        rule->key);
        return tokens_foreach(l, rule, id, registration_token, &c);
}

/* --- [Retention] --- */

static int section_retention(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        Policy *p = l->p;
        int kind = policy_retention_from_string(rule->key);
        int r;

        if (kind < 0)
                return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [Retention]",
                                        rule->key);
        r = scalar_once(l, h, (unsigned)kind, rule);
        if (r < 0)
                return r;
        r = duration_parse(l, rule, POLICY_RETENTION_LIMIT, &p->retention[kind]);
        if (r < 0)
                return r;
        p->retention_rule[kind] = id;
        return 0;
}

/* --- [Replication] --- */

static int replication_field(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                             void *userdata)
{
        uint64_t m = 0;
        int r = fields_parse(l, rule, token, true, &m);

        if (r < 0)
                return r;
        l->p->replication_fields |= m;
        return 0;
}

static int section_replication(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        Policy *p = l->p;

        if (strcmp(rule->key, "Fields") == 0)
                return tokens_foreach(l, rule, id, replication_field, NULL);
        if (strcmp(rule->key, "Scopes") == 0) {
                ScopeSet set = { 0 };
                int r = tokens_foreach(l, rule, id, scope_token, &set);
                if (r < 0)
                        return r;
                p->replication_scopes |= set.mask;
                p->replication_home |= set.home;
                if (p->replication_scope_rule == 0)
                        p->replication_scope_rule = id;
                return 0;
        }
        return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [Replication]", rule->key);
}

/* --- [Grant:NAME] --- */

static int grant_op_token(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                          void *userdata)
{
        Policy *p = l->p;
        int kind = *(const int *)userdata;
        PolicyGrantKind *g = &p->grant_kinds[kind];
        uint64_t m = 0;
        int r;

        r = ops_parse(l, rule, token, &m);
        if (r < 0)
                return r;
        for (unsigned op = 0; op < _POLICY_OP_MAX; op++) {
                if (!(m & (UINT64_C(1) << op)))
                        continue;
                if (p->op_grant_kind[op] >= 0 && p->op_grant_kind[op] != kind)
                        return config_error_set(
                                l->err, rule->line, -EEXIST, "operation '%s' already needs grant kind '%s'",
                                policy_op_to_string(op), p->grant_kinds[p->op_grant_kind[op]].name);
                p->op_grant_kind[op] = (int8_t)kind;
                if (g->op_rule[op] == 0)
                        g->op_rule[op] = id;
        }
        g->ops |= m;
        return 0;
}

static int grant_role_token(Loader *l, const PolicyRule *rule, PolicyRuleId id, const char *token,
                            void *userdata)
{
        PolicyGrantKind *g = &l->p->grant_kinds[*(const int *)userdata];
        bool approve = strcmp(rule->key, "ApproveRoles") == 0;
        int role = policy_role_lookup(l->p, token);

        if (role < 0)
                return config_error_set(l->err, rule->line, -EINVAL, "unknown role '%s'", token);
        if (approve) {
                g->approve_roles |= UINT64_C(1) << role;
                if (g->approve_rule[role] == 0)
                        g->approve_rule[role] = id;
        } else {
                g->request_roles |= UINT64_C(1) << role;
                if (g->request_rule[role] == 0)
                        g->request_rule[role] = id;
        }
        return 0;
}

static int section_grant(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id)
{
        PolicyGrantKind *g = &l->p->grant_kinds[h->index];
        const char *k = rule->key;
        int r;

        if (strcmp(k, "Description") == 0)
                return 0;
        if (strcmp(k, "Operations") == 0) {
                if (l->grant_ops_rule[h->index] == 0)
                        l->grant_ops_rule[h->index] = id;
                return tokens_foreach(l, rule, id, grant_op_token, &h->index);
        }
        if (strcmp(k, "RequestRoles") == 0 || strcmp(k, "ApproveRoles") == 0) {
                if (k[0] == 'R')
                        l->grant_has_request[h->index] = true;
                else
                        l->grant_has_approve[h->index] = true;
                return tokens_foreach(l, rule, id, grant_role_token, &h->index);
        }
        if (strcmp(k, "MaxDuration") == 0) {
                r = scalar_once(l, h, 0, rule);
                if (r < 0)
                        return r;
                g->max_duration_rule = id;
                return duration_parse(l, rule, POLICY_GRANT_DURATION_LIMIT, &g->max_duration);
        }
        if (strcmp(k, "PendingTimeout") == 0) {
                r = scalar_once(l, h, 1, rule);
                if (r < 0)
                        return r;
                g->pending_timeout_rule = id;
                return duration_parse(l, rule, POLICY_GRANT_DURATION_LIMIT, &g->pending_timeout);
        }
        if (strcmp(k, "RequireDistinctApprover") == 0) {
                bool b;
                r = scalar_once(l, h, 2, rule);
                if (r < 0)
                        return r;
                r = config_value_bool(rule->value, &b, rule->line, l->err);
                if (r < 0)
                        return r;
                if (!b)
                        return config_error_set(
                                l->err, rule->line, -EINVAL,
                                "dual control cannot be switched off: requester and approver "
                                "are always distinct");
                return 0;
        }
        return config_error_set(l->err, rule->line, -EINVAL, "unknown key '%s' in [%s]", k, h->name);
}

/* --- compile --- */

typedef int (*SectionFn)(Loader *l, Header *h, const PolicyRule *rule, PolicyRuleId id);

static int rules_resolve(Loader *l, bool first_pass)
{
        static const SectionFn fns[] = {
                [SECTION_POLICY] = section_policy,       [SECTION_SCOPES] = section_scopes,
                [SECTION_ROLE] = section_role,           [SECTION_REGISTRATION] = section_registration,
                [SECTION_RETENTION] = section_retention, [SECTION_REPLICATION] = section_replication,
                [SECTION_GRANT] = section_grant,
        };
        Policy *p = l->p;
        size_t hi = 0;
        int r;

        for (PolicyRuleId id = 1; id < p->n_rules; id++) {
                const PolicyRule *rule = &p->rules[id];
                Header *h;

                if (rule->key[0] == '\0')
                        continue; /* a header's own rule */
                while (hi + 1 < l->n_headers && l->headers[hi + 1].line < rule->line)
                        hi++;
                if (l->n_headers == 0 || l->headers[hi].line >= rule->line ||
                    strcmp(l->headers[hi].name, rule->section) != 0)
                        return config_error_set(l->err, rule->line, -EBADMSG,
                                                "cannot tell which section this is in");
                h = &l->headers[hi];
                if (first_pass != (h->type == SECTION_POLICY || h->type == SECTION_SCOPES))
                        continue;
                r = fns[h->type](l, h, rule, id);
                if (r < 0)
                        return config_error_set(l->err, rule->line, r, "invalid value for '%s'", rule->key);
        }
        return 0;
}

static const Header *header_of_type(const Loader *l, SectionType type)
{
        for (size_t i = 0; i < l->n_headers; i++)
                if (l->headers[i].type == type)
                        return &l->headers[i];
        return NULL;
}

static int check_registration(Loader *l)
{
        Policy *p = l->p;
        const Header *h = l->registration_header >= 0 ? &l->headers[l->registration_header] : NULL;

        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++) {
                if (patron_field_class(f) != PATRON_FIELD_FORM || p->collect_rule[f] != 0)
                        continue;
                return config_error_set(l->err, h ? h->line : 0, -EINVAL,
                                        "registration field '%s' is not classified: list it under Required, "
                                        "Optional or NotCollected in [Registration]",
                                        patron_field_to_string(f));
        }
        return 0;
}

static int check_retention(Loader *l)
{
        static const usec_t defaults[_POLICY_RETENTION_MAX] = {
                [POLICY_RETENTION_RECORDINGS] = 72 * USEC_PER_HOUR,
                [POLICY_RETENTION_OPERATIONS_LOG] = 30 * USEC_PER_DAY,
                [POLICY_RETENTION_ACCESS_AUDIT] = USEC_PER_YEAR,
                [POLICY_RETENTION_LOAN_HISTORY_ANONYMISE] = 6 * USEC_PER_MONTH,
                [POLICY_RETENTION_LOAN_HISTORY_FLOOR] = USEC_PER_MONTH,
        };
        Policy *p = l->p;

        for (unsigned k = 0; k < _POLICY_RETENTION_MAX; k++)
                if (p->retention_rule[k] == 0)
                        p->retention[k] = defaults[k];

        if (p->retention[POLICY_RETENTION_LOAN_HISTORY_ANONYMISE] <
            p->retention[POLICY_RETENTION_LOAN_HISTORY_FLOOR]) {
                PolicyRuleId id = p->retention_rule[POLICY_RETENTION_LOAN_HISTORY_ANONYMISE]
                                          ?: p->retention_rule[POLICY_RETENTION_LOAN_HISTORY_FLOOR];
                return config_error_set(l->err, p->rules[id].line, -ERANGE,
                                        "LoanHistoryAnonymiseAfter is shorter than LoanHistoryFloor");
        }
        return 0;
}

static void compile_roles(Loader *l)
{
        Policy *p = l->p;

        for (unsigned ri = 0; ri < p->n_roles; ri++) {
                PolicyRole *role = &p->roles[ri];
                const RoleDraft *d = &l->drafts[ri];

                /* The appliance scope is open to every role: its operations
                 * are decided by the operation rules alone. */
                role->scopes |= UINT64_C(1) << POLICY_SCOPE_APPLIANCE;

                for (unsigned op = 0; op < _POLICY_OP_MAX; op++) {
                        uint64_t bit = UINT64_C(1) << op;
                        int kind = p->op_grant_kind[op];

                        if (d->deny[op])
                                role->op_rule[op] = d->deny[op];
                        else if (d->allow[op]) {
                                role->allow |= bit;
                                role->op_rule[op] = d->allow[op];
                        } else if (kind >= 0 && (p->grant_kinds[kind].request_roles & (UINT64_C(1) << ri))) {
                                role->grant |= bit;
                                role->op_rule[op] = p->grant_kinds[kind].request_rule[ri];
                        } else
                                role->op_rule[op] = role->header_rule;
                }

                for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++) {
                        uint64_t bit = UINT64_C(1) << f;

                        if (d->read_deny[f])
                                role->read_rule[f] = d->read_deny[f];
                        else if (d->read[f]) {
                                role->read |= bit;
                                role->read_rule[f] = d->read[f];
                        } else
                                role->read_rule[f] = role->header_rule;

                        if (patron_field_class(f) == PATRON_FIELD_DERIVED)
                                role->write_rule[f] = 0;
                        else if (patron_field_class(f) == PATRON_FIELD_FORM &&
                                 p->collect[f] == POLICY_NOT_COLLECTED)
                                role->write_rule[f] = p->collect_rule[f];
                        else if (d->write_deny[f])
                                role->write_rule[f] = d->write_deny[f];
                        else if (d->write[f]) {
                                role->write |= bit;
                                role->write_rule[f] = d->write[f];
                        } else
                                role->write_rule[f] = role->header_rule;
                }
        }
}

/* Consistency a reader of the file would assume. */
static int check_roles_and_grants(Loader *l)
{
        Policy *p = l->p;

        if (p->n_roles == 0)
                return config_error_set(l->err, 0, -EINVAL,
                                        "no [Role:NAME] section: nobody could do anything");

        for (unsigned ri = 0; ri < p->n_roles; ri++) {
                const PolicyRole *role = &p->roles[ri];
                uint64_t blind = role->write & ~role->read;

                if (blind) {
                        unsigned f = (unsigned)__builtin_ctzll(blind);
                        return config_error_set(l->err, p->rules[role->write_rule[f]].line, -EINVAL,
                                                "role '%s' may write field '%s' but not read it", role->name,
                                                patron_field_to_string(f));
                }
        }

        for (unsigned k = 0; k < p->n_grant_kinds; k++) {
                PolicyGrantKind *g = &p->grant_kinds[k];
                unsigned line = p->rules[g->header_rule].line;

                if (l->grant_ops_rule[k] == 0)
                        return config_error_set(l->err, line, -EINVAL, "[Grant:%s] needs Operations",
                                                g->name);
                if (!l->grant_has_request[k])
                        return config_error_set(l->err, line, -EINVAL, "[Grant:%s] needs RequestRoles",
                                                g->name);
                if (!l->grant_has_approve[k])
                        return config_error_set(l->err, line, -EINVAL, "[Grant:%s] needs ApproveRoles",
                                                g->name);
                if (g->max_duration_rule == 0)
                        return config_error_set(l->err, line, -EINVAL, "[Grant:%s] needs MaxDuration",
                                                g->name);
                if (g->pending_timeout_rule == 0)
                        g->pending_timeout = POLICY_PENDING_TIMEOUT_DEFAULT;

                for (unsigned ri = 0; ri < p->n_roles; ri++) {
                        const PolicyRole *role = &p->roles[ri];
                        uint64_t bit = UINT64_C(1) << ri;

                        if ((g->request_roles & bit) &&
                            !(role->allow & (UINT64_C(1) << POLICY_OP_GRANT_REQUEST)))
                                return config_error_set(
                                        l->err, p->rules[g->request_rule[ri]].line, -EINVAL,
                                        "role '%s' may not request grants (no grant.request)", role->name);
                        if ((g->approve_roles & bit) &&
                            !(role->allow & (UINT64_C(1) << POLICY_OP_GRANT_APPROVE)))
                                return config_error_set(
                                        l->err, p->rules[g->approve_rule[ri]].line, -EINVAL,
                                        "role '%s' may not approve grants (no grant.approve)", role->name);
                }
        }
        return 0;
}

static int policy_compile(Loader *l, const char *text, size_t size)
{
        int r;

        r = scan_headers(l, text, size);
        if (r < 0)
                return r;
        r = headers_classify(l);
        if (r < 0)
                return r;
        r = rules_resolve(l, true);
        if (r < 0)
                return r;
        r = rules_resolve(l, false);
        if (r < 0)
                return r;

        if (!header_of_type(l, SECTION_POLICY) || l->version_rule == 0)
                return config_error_set(l->err, 0, -EINVAL, "missing [Policy] section with Version = %d",
                                        POLICY_VERSION);
        r = check_registration(l);
        if (r < 0)
                return r;
        r = check_retention(l);
        if (r < 0)
                return r;
        compile_roles(l);
        return check_roles_and_grants(l);
}

int policy_load_text(const char *name, const char *text, size_t size, Policy **ret, ConfigError *err)
{
        Policy *p;
        Loader l = { .err = err };
        int r;

        assert_return(ret && err, -EINVAL);
        assert_return(text || size == 0, -EINVAL);
        if (!name)
                name = "<text>";
        memset(err, 0, sizeof *err);
        snprintf(err->file, sizeof err->file, "%s", name);

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->n_ref = 1;
        memset(p->op_grant_kind, -1, sizeof p->op_grant_kind);
        p->n_scopes = 1; /* POLICY_SCOPE_APPLIANCE */
        snprintf(p->scopes[0].name, sizeof p->scopes[0].name, "appliance");
        l.p = p;

        p->file = strdup(name);
        if (!p->file) {
                r = -ENOMEM;
                goto fail;
        }
        r = rule_add(&l, 0, "", "", "", NULL); /* rule 0: built-in default */
        if (r < 0)
                goto fail;

        r = config_parse_text(name, text, size, collect_rule, &l, err);
        if (r < 0)
                goto fail;
        r = policy_compile(&l, text, size);
        if (r < 0)
                goto fail;

        free(l.headers);
        *ret = p;
        return 0;
fail:
        if (err->message[0] == '\0')
                (void)config_error_set(err, 0, r, "%s", r == -ENOMEM ? "out of memory" : "invalid policy");
        free(l.headers);
        policy_free(p);
        return r;
}

int policy_load_file(const char *path, Policy **ret, ConfigError *err)
{
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        assert_return(path && ret && err, -EINVAL);
        r = config_read_file(path, &text, &size, err);
        if (r < 0)
                return r;
        return policy_load_text(path, text, size, ret, err);
}
