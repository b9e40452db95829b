/* Minimisation on the way out: a patron record cut down to what a role may
 * read, or to what the policy lets replicate to desks. */
#pragma once

#include "policy/policy.h"

/* A patron record as a value per field (NUL-terminated strings, NULL when
 * absent). Values are owned by the record. */
typedef struct PatronRecord {
        char *values[_PATRON_FIELD_MAX];
} PatronRecord;

/* Remove every field `role` may not read: each value is wiped, freed and
 * set to NULL. Returns how many values were removed. An unknown role
 * removes everything. */
int policy_redact_patron(const Policy *p, PolicyRoleId role, PatronRecord *rec);

/* The same for replication: keep only the fields [Replication] Fields names. */
int policy_redact_for_desk(const Policy *p, PatronRecord *rec);

/* Wipe and free every value. */
void patron_record_done(PatronRecord *rec);
