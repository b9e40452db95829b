/* Carrel's GDPR policy: one file decides who may do what to which records
 * and fields, what registration collects, how long things are kept, what
 * replicates to desks and which accesses need a dual-control grant.
 *
 * The file (docs/policy.md) is parsed once into a compiled, immutable
 * Policy: roles, operations, scopes and fields become small integer ids and
 * every decision is a couple of bitmap tests, so a check costs a few
 * nanoseconds whatever the size of the file. Every decision can name the
 * rule -- file, line, section, key and value -- that made it, which is what
 * `carrelctl policy explain` prints.
 *
 * A Policy is reference counted and never changes after it is built, so a
 * reload (policy-holder.h) swaps in a new one while requests in flight keep
 * the old one. Decision functions never fail: an id out of range is denied. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf-parser.h"
#include "lib/time-util.h"

/* Where carrelctl and the services look for the policy unless told. */
#define POLICY_DEFAULT_PATH "/etc/carrel/policy.conf"

/* Operations a role can be given. Names are "group.verb" (policy-catalogue.c);
 * the numbering is internal and may change between releases. */
typedef enum PolicyOp {
        POLICY_OP_CIRCULATION_CHECKOUT,
        POLICY_OP_CIRCULATION_CHECKIN,
        POLICY_OP_CIRCULATION_RENEW,
        POLICY_OP_CIRCULATION_HOLD,
        POLICY_OP_CIRCULATION_FINE,
        POLICY_OP_CIRCULATION_PAYMENT,
        POLICY_OP_CIRCULATION_VISIT,
        POLICY_OP_PATRON_REGISTER,
        POLICY_OP_PATRON_VIEW,
        POLICY_OP_PATRON_EDIT,
        POLICY_OP_PATRON_EXPORT,
        POLICY_OP_PATRON_ERASE,
        POLICY_OP_RECORDINGS_LIST,
        POLICY_OP_RECORDINGS_VIEW,
        POLICY_OP_RECORDINGS_EXPORT,
        POLICY_OP_RECORDINGS_ERASE,
        POLICY_OP_GRANT_REQUEST,
        POLICY_OP_GRANT_APPROVE,
        POLICY_OP_GRANT_REVOKE,
        POLICY_OP_KEYS_ENROL,
        POLICY_OP_KEYS_UNSEAL,
        POLICY_OP_KEYS_RESEAL,
        POLICY_OP_KEYS_ROTATE,
        POLICY_OP_KEYS_RECOVER,
        POLICY_OP_KEYS_ERASE,
        POLICY_OP_AUDIT_READ,
        POLICY_OP_POLICY_RELOAD,
        _POLICY_OP_MAX,
} PolicyOp;

/* The fields of a patron record. FORM fields are what registration may
 * collect; STAFF fields are kept by staff; DERIVED fields are computed by
 * the circulation fold and can never be written through an edit. */
typedef enum PatronField {
        PATRON_FIELD_ID,
        PATRON_FIELD_CARD_NUMBER,
        PATRON_FIELD_NAME,
        PATRON_FIELD_ADDRESS,
        PATRON_FIELD_POSTCODE,
        PATRON_FIELD_EMAIL,
        PATRON_FIELD_PHONE,
        PATRON_FIELD_BIRTH_DATE,
        PATRON_FIELD_GENDER,
        PATRON_FIELD_GUARDIAN,
        PATRON_FIELD_PHOTO,
        PATRON_FIELD_CATEGORY,
        PATRON_FIELD_HOME_BRANCH,
        PATRON_FIELD_NOTES,
        PATRON_FIELD_EXPIRY,
        PATRON_FIELD_BLOCKED,
        PATRON_FIELD_LOANS,
        PATRON_FIELD_HOLDS,
        PATRON_FIELD_FINES,
        PATRON_FIELD_LOAN_HISTORY,
        PATRON_FIELD_CREATED,
        _PATRON_FIELD_MAX,
} PatronField;

typedef enum PatronFieldClass {
        PATRON_FIELD_FORM,
        PATRON_FIELD_STAFF,
        PATRON_FIELD_DERIVED,
} PatronFieldClass;

typedef enum PolicyRetention {
        POLICY_RETENTION_RECORDINGS,
        POLICY_RETENTION_OPERATIONS_LOG,
        POLICY_RETENTION_ACCESS_AUDIT,
        POLICY_RETENTION_LOAN_HISTORY_ANONYMISE,
        POLICY_RETENTION_LOAN_HISTORY_FLOOR,
        _POLICY_RETENTION_MAX,
} PolicyRetention;

typedef enum PolicyVerdict {
        POLICY_DENY = 0,
        POLICY_ALLOW = 1,
        POLICY_NEEDS_GRANT = 2, /* allowed while the actor holds an approved grant */
} PolicyVerdict;

typedef enum PolicyCollect {
        POLICY_NOT_COLLECTED = 0,
        POLICY_OPTIONAL = 1,
        POLICY_REQUIRED = 2,
} PolicyCollect;

#define POLICY_ROLES_MAX 64
#define POLICY_SCOPES_MAX 64 /* including the appliance scope */
#define POLICY_GRANT_KINDS_MAX 32
#define POLICY_NAME_MAX 32

/* Scope 0 is the appliance itself: operations not tied to a record (keys,
 * audit, policy reload) are checked in it and every role passes its scope
 * test there. Branches and logical databases get ids 1.. in file order. */
#define POLICY_SCOPE_APPLIANCE 0

typedef uint8_t PolicyRoleId;
typedef uint8_t PolicyScopeId;
typedef uint32_t PolicyRuleId; /* 0: a built-in default, not a line of the file */

/* Who is asking: a role and the scope (branch) the actor works in, which
 * is what "Scopes = home" compares with. */
typedef struct PolicyActor {
        PolicyRoleId role;
        PolicyScopeId home;
} PolicyActor;

/* One line of the file, as explain shows it. */
typedef struct PolicyRuleInfo {
        const char *file;
        unsigned line; /* 0 for the built-in default */
        const char *section;
        const char *key; /* "" for a section header */
        const char *value; /* "" for a section header */
} PolicyRuleInfo;

typedef struct Policy Policy;

/* --- names (policy-catalogue.c) --- */

/* Name <-> id for the fixed catalogues. *_from_string returns the id or
 * -EINVAL; *_to_string returns NULL for an id out of range. */
int policy_op_from_string(const char *s);
const char *policy_op_to_string(PolicyOp op);
int patron_field_from_string(const char *s);
const char *patron_field_to_string(PatronField f);
PatronFieldClass patron_field_class(PatronField f);
int policy_retention_from_string(const char *s);
const char *policy_retention_to_string(PolicyRetention kind);
const char *policy_verdict_to_string(PolicyVerdict v);
const char *policy_collect_to_string(PolicyCollect c);

/* --- loading (policy-parse.c) --- */

/* Parse and compile a policy file or text. Returns 0 and a new Policy (one
 * reference) in *ret, or a negative errno with *err naming the file, line
 * and problem; nothing is returned on failure. `name` is the file name
 * shown by explain and in errors. */
int policy_load_file(const char *path, Policy **ret, ConfigError *err);
int policy_load_text(const char *name, const char *text, size_t size, Policy **ret, ConfigError *err);

/* Reference counting; safe across threads. unref accepts NULL and returns NULL. */
Policy *policy_ref(Policy *p);
Policy *policy_unref(Policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Policy *, policy_unref);
#define _cleanup_policy_ _cleanup_(policy_unrefp)

/* --- lookups (policy-decide.c) --- */

/* Role, scope and grant-kind ids by name; return the id or -ENOENT. The
 * scope names "appliance" and "" give POLICY_SCOPE_APPLIANCE. */
int policy_role_lookup(const Policy *p, const char *name);
int policy_scope_lookup(const Policy *p, const char *name);
int policy_grant_kind_lookup(const Policy *p, const char *name);
/* Names by id, NULL if out of range. */
const char *policy_role_name(const Policy *p, PolicyRoleId role);
const char *policy_scope_name(const Policy *p, PolicyScopeId scope);
const char *policy_grant_kind_name(const Policy *p, unsigned kind);
unsigned policy_n_roles(const Policy *p);
unsigned policy_n_scopes(const Policy *p);
unsigned policy_n_grant_kinds(const Policy *p);
/* The file the policy was read from (as given to policy_load_*). */
const char *policy_file(const Policy *p);

/* --- decisions (policy-decide.c) --- */

/* May `actor` perform `op` on a record in `scope`? The operation rules of
 * the actor's role decide first (Deny beats Allow; an operation named by a
 * grant kind the role may request needs a grant; anything else is denied),
 * then the role's Scopes. ret_rule (may be NULL) gets the rule that made
 * the decision. */
PolicyVerdict policy_check(const Policy *p, PolicyActor actor, PolicyOp op, PolicyScopeId scope,
                           PolicyRuleId *ret_rule);

/* Whether `role` passes its scope test for `scope`; the rule is the role's
 * Scopes line. Part of policy_check, exposed for explain. */
bool policy_scope_allowed(const Policy *p, PolicyActor actor, PolicyScopeId scope, PolicyRuleId *ret_rule);

/* Field-level access: ReadDeny/WriteDeny beat Read/Write; unnamed fields
 * are closed. A field registration does not collect, and a derived field,
 * is never writable. */
bool policy_field_readable(const Policy *p, PolicyRoleId role, PatronField field, PolicyRuleId *ret_rule);
bool policy_field_writable(const Policy *p, PolicyRoleId role, PatronField field, PolicyRuleId *ret_rule);
/* The same as bitmaps over PatronField, bit (1 << field). */
uint64_t policy_readable_fields(const Policy *p, PolicyRoleId role);
uint64_t policy_writable_fields(const Policy *p, PolicyRoleId role);

/* Minimisation: what registration collects for a field (DERIVED and STAFF
 * fields are "not collected" by the form). */
PolicyCollect policy_field_collection(const Policy *p, PatronField field, PolicyRuleId *ret_rule);

/* How long data of `kind` is kept (microseconds); 0 for an unknown kind. */
usec_t policy_retention(const Policy *p, PolicyRetention kind, PolicyRuleId *ret_rule);

/* The grant kind covering op (its id), or -ENOENT. */
int policy_grant_kind_for_op(const Policy *p, PolicyOp op);
/* Grant rules of a kind: may a role request or approve it, the longest
 * duration, how long a request may wait. Out of range: false / 0. */
bool policy_grant_may_request(const Policy *p, unsigned kind, PolicyRoleId role, PolicyRuleId *ret_rule);
bool policy_grant_may_approve(const Policy *p, unsigned kind, PolicyRoleId role, PolicyRuleId *ret_rule);
bool policy_grant_covers(const Policy *p, unsigned kind, PolicyOp op);
usec_t policy_grant_max_duration(const Policy *p, unsigned kind, PolicyRuleId *ret_rule);
usec_t policy_grant_pending_timeout(const Policy *p, unsigned kind, PolicyRuleId *ret_rule);

/* Replication to desks: the fields a desk receives, and whether a record
 * in `scope` goes to a desk whose branch is `desk_home`. */
uint64_t policy_replication_fields(const Policy *p);
bool policy_replicates_scope(const Policy *p, PolicyScopeId desk_home, PolicyScopeId scope,
                             PolicyRuleId *ret_rule);

/* The rule behind a decision. Returns 0, or -ENOENT for an unknown id. */
int policy_rule_get(const Policy *p, PolicyRuleId id, PolicyRuleInfo *ret);
