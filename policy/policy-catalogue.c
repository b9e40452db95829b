/* The fixed catalogues of the policy language: operations, patron fields,
 * retention kinds and verdicts, with their names in the file. */
#include <errno.h>
#include <string.h>

#include "policy/policy-internal.h"

static const char *const op_names[_POLICY_OP_MAX] = {
        [POLICY_OP_CIRCULATION_CHECKOUT] = "circulation.checkout",
        [POLICY_OP_CIRCULATION_CHECKIN] = "circulation.checkin",
        [POLICY_OP_CIRCULATION_RENEW] = "circulation.renew",
        [POLICY_OP_CIRCULATION_HOLD] = "circulation.hold",
        [POLICY_OP_CIRCULATION_FINE] = "circulation.fine",
        [POLICY_OP_CIRCULATION_PAYMENT] = "circulation.payment",
        [POLICY_OP_CIRCULATION_VISIT] = "circulation.visit",
        [POLICY_OP_PATRON_REGISTER] = "patron.register",
        [POLICY_OP_PATRON_VIEW] = "patron.view",
        [POLICY_OP_PATRON_EDIT] = "patron.edit",
        [POLICY_OP_PATRON_EXPORT] = "patron.export",
        [POLICY_OP_PATRON_ERASE] = "patron.erase",
        [POLICY_OP_RECORDINGS_LIST] = "recordings.list",
        [POLICY_OP_RECORDINGS_VIEW] = "recordings.view",
        [POLICY_OP_RECORDINGS_EXPORT] = "recordings.export",
        [POLICY_OP_RECORDINGS_ERASE] = "recordings.erase",
        [POLICY_OP_GRANT_REQUEST] = "grant.request",
        [POLICY_OP_GRANT_APPROVE] = "grant.approve",
        [POLICY_OP_GRANT_REVOKE] = "grant.revoke",
        [POLICY_OP_KEYS_ENROL] = "keys.enrol",
        [POLICY_OP_KEYS_UNSEAL] = "keys.unseal",
        [POLICY_OP_KEYS_RESEAL] = "keys.reseal",
        [POLICY_OP_KEYS_ROTATE] = "keys.rotate",
        [POLICY_OP_KEYS_RECOVER] = "keys.recover",
        [POLICY_OP_KEYS_ERASE] = "keys.erase",
        [POLICY_OP_AUDIT_READ] = "audit.read",
        [POLICY_OP_POLICY_RELOAD] = "policy.reload",
};

static const struct {
        const char *name;
        PatronFieldClass class;
} fields[_PATRON_FIELD_MAX] = {
        [PATRON_FIELD_ID] = { "id", PATRON_FIELD_DERIVED },
        [PATRON_FIELD_CARD_NUMBER] = { "card_number", PATRON_FIELD_FORM },
        [PATRON_FIELD_NAME] = { "name", PATRON_FIELD_FORM },
        [PATRON_FIELD_ADDRESS] = { "address", PATRON_FIELD_FORM },
        [PATRON_FIELD_POSTCODE] = { "postcode", PATRON_FIELD_FORM },
        [PATRON_FIELD_EMAIL] = { "email", PATRON_FIELD_FORM },
        [PATRON_FIELD_PHONE] = { "phone", PATRON_FIELD_FORM },
        [PATRON_FIELD_BIRTH_DATE] = { "birth_date", PATRON_FIELD_FORM },
        [PATRON_FIELD_GENDER] = { "gender", PATRON_FIELD_FORM },
        [PATRON_FIELD_GUARDIAN] = { "guardian", PATRON_FIELD_FORM },
        [PATRON_FIELD_PHOTO] = { "photo", PATRON_FIELD_FORM },
        [PATRON_FIELD_CATEGORY] = { "category", PATRON_FIELD_FORM },
        [PATRON_FIELD_HOME_BRANCH] = { "home_branch", PATRON_FIELD_FORM },
        [PATRON_FIELD_NOTES] = { "notes", PATRON_FIELD_STAFF },
        [PATRON_FIELD_EXPIRY] = { "expiry", PATRON_FIELD_STAFF },
        [PATRON_FIELD_BLOCKED] = { "blocked", PATRON_FIELD_STAFF },
        [PATRON_FIELD_LOANS] = { "loans", PATRON_FIELD_DERIVED },
        [PATRON_FIELD_HOLDS] = { "holds", PATRON_FIELD_DERIVED },
        [PATRON_FIELD_FINES] = { "fines", PATRON_FIELD_DERIVED },
        [PATRON_FIELD_LOAN_HISTORY] = { "loan_history", PATRON_FIELD_DERIVED },
        [PATRON_FIELD_CREATED] = { "created", PATRON_FIELD_DERIVED },
};

static const char *const retention_names[_POLICY_RETENTION_MAX] = {
        [POLICY_RETENTION_RECORDINGS] = "Recordings",
        [POLICY_RETENTION_OPERATIONS_LOG] = "OperationsLog",
        [POLICY_RETENTION_ACCESS_AUDIT] = "AccessAudit",
        [POLICY_RETENTION_LOAN_HISTORY_ANONYMISE] = "LoanHistoryAnonymiseAfter",
        [POLICY_RETENTION_LOAN_HISTORY_FLOOR] = "LoanHistoryFloor",
};

int policy_op_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        for (int i = 0; i < _POLICY_OP_MAX; i++)
                if (strcmp(op_names[i], s) == 0)
                        return i;
        return -EINVAL;
}

const char *policy_op_to_string(PolicyOp op)
{
        return (unsigned)op < _POLICY_OP_MAX ? op_names[op] : NULL;
}

uint64_t policy_ops_in_group(const char *group, size_t len)
{
        uint64_t m = 0;

        for (int i = 0; i < _POLICY_OP_MAX; i++)
                if (strncmp(op_names[i], group, len) == 0 && op_names[i][len] == '.')
                        m |= UINT64_C(1) << i;
        return m;
}

int patron_field_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        for (int i = 0; i < _PATRON_FIELD_MAX; i++)
                if (strcmp(fields[i].name, s) == 0)
                        return i;
        return -EINVAL;
}

const char *patron_field_to_string(PatronField f)
{
        return (unsigned)f < _PATRON_FIELD_MAX ? fields[f].name : NULL;
}

PatronFieldClass patron_field_class(PatronField f)
{
        return (unsigned)f < _PATRON_FIELD_MAX ? fields[f].class : PATRON_FIELD_DERIVED;
}

int policy_retention_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        for (int i = 0; i < _POLICY_RETENTION_MAX; i++)
                if (strcmp(retention_names[i], s) == 0)
                        return i;
        return -EINVAL;
}

const char *policy_retention_to_string(PolicyRetention kind)
{
        return (unsigned)kind < _POLICY_RETENTION_MAX ? retention_names[kind] : NULL;
}

const char *policy_verdict_to_string(PolicyVerdict v)
{
        switch (v) {
        case POLICY_ALLOW:
                return "allow";
        case POLICY_NEEDS_GRANT:
                return "allow-with-grant";
        default:
                return "deny";
        }
}

const char *policy_collect_to_string(PolicyCollect c)
{
        switch (c) {
        case POLICY_REQUIRED:
                return "required";
        case POLICY_OPTIONAL:
                return "optional";
        default:
                return "not-collected";
        }
}
