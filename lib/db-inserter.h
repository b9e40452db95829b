/* Bulk inserts through multi-row INSERT statements.
 *
 * One INSERT per row costs a VDBE start and a B-tree descent per row; 64
 * rows per statement cut bulk writes (a fold rebuild's state and index) to
 * about a third. An inserter keeps statements for 64, 32, ..., 1 rows,
 * prepared on first use, and writes n rows as 64-row statements plus the
 * binary decomposition of the rest. */
#pragma once

#include <stddef.h>

#include <sqlite3.h>

#include "lib/macro.h"

#define DB_INSERTER_MAX_ROWS 64

typedef struct DbInserter DbInserter;

/* Binds row `row` of a db_inserter_run() call: its first column is
 * parameter first_param, the next first_param + 1, and so on (through the
 * checked db_bind_* helpers). Values bound with SQLITE_STATIC must stay
 * valid until db_inserter_run() returns. Returns 0 or -errno, which ends
 * the run. */
typedef int (*DbBindRow)(sqlite3_stmt *st, int first_param, size_t row, const void *userdata);

/* insert is the statement up to VALUES: "INSERT INTO t (a, b)",
 * "INSERT OR IGNORE INTO t", ...; each row has cols parameters. Returns 0
 * and the inserter in *ret, or -errno. */
int db_inserter_new(sqlite3 *db, const char *insert, int cols, DbInserter **ret);

/* Insert n rows. Inside the caller's transaction: on failure some rows may
 * be in, and the caller rolls back. Returns 0 or -errno. */
int db_inserter_run(DbInserter *ins, size_t n, DbBindRow bind, const void *userdata);

DbInserter *db_inserter_free(DbInserter *ins);
DEFINE_TRIVIAL_CLEANUP_FUNC(DbInserter *, db_inserter_free);
