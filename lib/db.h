/* SQLite helpers shared by every store (journal, fold, grants, circulation).
 *
 * Databases are opened in WAL mode with synchronous=FULL, so a committed
 * transaction is on disk before COMMIT returns: Carrel acknowledges nothing
 * that is not yet durable. Foreign keys are enforced and a busy timeout lets
 * a reader and a writer share a file. Every function returns 0 (or a
 * positive count) on success and a negative errno on failure; SQLite's own
 * result codes are translated once, in errno_from_sqlite(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "lib/macro.h"

#define DB_BUSY_TIMEOUT_MS 5000

typedef enum DbOpenFlags {
        DB_OPEN_READONLY = 1 << 0,
        DB_OPEN_CREATE = 1 << 1,
} DbOpenFlags;

/* Map an SQLite result code (primary or extended) to a negative errno:
 * SQLITE_OK/ROW/DONE -> 0; BUSY/LOCKED -> -EBUSY; NOMEM -> -ENOMEM;
 * CONSTRAINT -> -EEXIST; READONLY/PERM/AUTH -> -EACCES; FULL -> -ENOSPC;
 * CORRUPT/NOTADB -> -EUCLEAN; CANTOPEN -> -ENOENT; TOOBIG/RANGE -> -E2BIG;
 * INTERRUPT/ABORT -> -ECANCELED; MISMATCH/MISUSE -> -EINVAL; else -EIO. */
int errno_from_sqlite(int rc);

/* Open (and with DB_OPEN_CREATE, create) the database at path with Carrel's
 * pragmas applied. Returns 0 and the handle in *ret, or -errno. */
int db_open(const char *path, DbOpenFlags flags, sqlite3 **ret);

/* Close a handle; NULL is fine. Returns NULL. */
sqlite3 *db_close(sqlite3 *db);
DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3 *, db_close);
#define _cleanup_db_ _cleanup_(db_closep)

static inline void db_finalizep(sqlite3_stmt **s)
{
        if (*s)
                sqlite3_finalize(*s);
}
#define _cleanup_stmt_ _cleanup_(db_finalizep)

/* Run one or more statements that return no rows. */
int db_exec(sqlite3 *db, const char *sql);

/* Prepare one statement (persistent, for reuse). */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret);

/* Step a statement: 1 for a row, 0 when done, -errno on error. */
int db_step(sqlite3_stmt *stmt);

/* Bind parameter idx (1-based), checked: a bind can fail (out of memory for
 * a copied value, an index out of range), and an unchecked failure leaves
 * NULL bound, which silently matches no row. Values are bound
 * SQLITE_STATIC: they must stay valid until the statement is reset. A NULL
 * blob or text binds SQL NULL (a non-NULL blob of size 0 is an empty blob).
 * Return 0 or -errno (errno_from_sqlite). */
int db_bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t size);
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
int db_bind_int64(sqlite3_stmt *st, int idx, int64_t v);
int db_bind_null(sqlite3_stmt *st, int idx);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. db_rollback() is safe to call when no
 * transaction is open and never fails visibly: it is the unwinding path. */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

typedef struct DbMigration {
        int version; /* 1, 2, 3, ... in order */
        const char *sql;
} DbMigration;

/* Bring the schema up to the last migration's version. Each migration runs
 * in its own transaction together with the bump of the version table, so a
 * crash leaves the schema at some whole version. A database newer than the
 * code (version above the last migration) is refused with -EPROTONOSUPPORT.
 * Returns the resulting version. */
int db_migrate(sqlite3 *db, const DbMigration *migrations, size_t n_migrations);

/* The schema version recorded in the database, 0 if none. */
int db_schema_version(sqlite3 *db);

/* Copy a live database to dest_path with SQLite's online backup API, into a
 * 0600 temporary file that is fsynced and renamed over dest_path, so a backup
 * is either complete or absent. Returns 0 or -errno. */
int db_backup(sqlite3 *db, const char *dest_path);
