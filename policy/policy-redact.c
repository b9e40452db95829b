/* See policy-redact.h. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy-redact.h"

static void value_drop(char **v)
{
        if (*v) {
                explicit_bzero(*v, strlen(*v));
                free(*v);
                *v = NULL;
        }
}

static int redact_mask(uint64_t keep, PatronRecord *rec)
{
        int removed = 0;

        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++) {
                if (!rec->values[f] || (keep & (UINT64_C(1) << f)))
                        continue;
                value_drop(&rec->values[f]);
                removed++;
        }
        return removed;
}

int policy_redact_patron(const Policy *p, PolicyRoleId role, PatronRecord *rec)
{
        if (!rec)
                return 0;
        /* policy_readable_fields() is 0 for an unknown role: nothing survives. */
        return redact_mask(policy_readable_fields(p, role), rec);
}

int policy_redact_for_desk(const Policy *p, PatronRecord *rec)
{
        if (!rec)
                return 0;
        return redact_mask(policy_replication_fields(p), rec);
}

void patron_record_done(PatronRecord *rec)
{
        if (!rec)
                return;
        for (unsigned f = 0; f < _PATRON_FIELD_MAX; f++)
                value_drop(&rec->values[f]);
}
