/* The SQLite schema of a sync store: the journal, its indexes, the pending
 * and quarantine tables, the per-patron key store and the materialised fold
 * state. One database file holds all of it so that an append, the fold
 * update and the version vector change commit together. */
#pragma once

#include <sqlite3.h>

/* Create or upgrade the schema. Returns the schema version or -errno
 * (-EPROTONOSUPPORT for a database written by newer code). */
int sync_schema_apply(sqlite3 *db);
