/* The compiled form of a policy, shared by the files of policy/. Nothing
 * outside policy/ includes this. */
#pragma once

#include "policy/policy.h"

typedef struct PolicyRule {
        unsigned line;
        char *section;
        char *key;
        char *value;
} PolicyRule;

typedef struct PolicyRole {
        char name[POLICY_NAME_MAX + 1];
        /* Bitmaps over PolicyOp: the hot path of policy_check(). */
        uint64_t allow;
        uint64_t grant;
        /* Bitmap over scope ids; bit 0 (the appliance) is always set. */
        uint64_t scopes;
        bool scope_home;
        /* Bitmaps over PatronField. */
        uint64_t read;
        uint64_t write;

        PolicyRuleId header_rule;
        PolicyRuleId scope_rule;
        PolicyRuleId op_rule[_POLICY_OP_MAX];
        PolicyRuleId read_rule[_PATRON_FIELD_MAX];
        PolicyRuleId write_rule[_PATRON_FIELD_MAX];
} PolicyRole;

typedef struct PolicyScope {
        char name[POLICY_NAME_MAX + 1];
        bool database; /* a logical database rather than a branch */
        PolicyRuleId rule;
} PolicyScope;

typedef struct PolicyGrantKind {
        char name[POLICY_NAME_MAX + 1];
        uint64_t ops;
        uint64_t request_roles;
        uint64_t approve_roles;
        usec_t max_duration;
        usec_t pending_timeout;
        PolicyRuleId header_rule;
        PolicyRuleId op_rule[_POLICY_OP_MAX];
        PolicyRuleId request_rule[POLICY_ROLES_MAX];
        PolicyRuleId approve_rule[POLICY_ROLES_MAX];
        PolicyRuleId max_duration_rule;
        PolicyRuleId pending_timeout_rule;
} PolicyGrantKind;

struct Policy {
        unsigned n_ref;
        char *file;

        PolicyRule *rules; /* rules[0] is the built-in default */
        size_t n_rules;

        PolicyRole roles[POLICY_ROLES_MAX];
        unsigned n_roles;
        PolicyScope scopes[POLICY_SCOPES_MAX];
        unsigned n_scopes;
        PolicyGrantKind grant_kinds[POLICY_GRANT_KINDS_MAX];
        unsigned n_grant_kinds;
        int8_t op_grant_kind[_POLICY_OP_MAX]; /* -1: none */

        PolicyCollect collect[_PATRON_FIELD_MAX];
        PolicyRuleId collect_rule[_PATRON_FIELD_MAX];

        usec_t retention[_POLICY_RETENTION_MAX];
        PolicyRuleId retention_rule[_POLICY_RETENTION_MAX];

        uint64_t replication_fields;
        uint64_t replication_scopes;
        bool replication_home;
        PolicyRuleId replication_scope_rule;
};

/* Longest durations the file may give, so a typo cannot keep data for ever. */
#define POLICY_RETENTION_LIMIT (10 * USEC_PER_YEAR)
#define POLICY_GRANT_DURATION_LIMIT (90 * USEC_PER_DAY)
#define POLICY_PENDING_TIMEOUT_DEFAULT (24 * USEC_PER_HOUR)

/* The operations of a group ("circulation", "patron", ...): a bitmap. */
uint64_t policy_ops_in_group(const char *group, size_t len);
