/* See db.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/db.h"
#include "lib/fileio.h"

int errno_from_sqlite(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EUCLEAN;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        case SQLITE_TOOBIG:
        case SQLITE_RANGE:
                return -E2BIG;
        case SQLITE_INTERRUPT:
        case SQLITE_ABORT:
                return -ECANCELED;
        case SQLITE_MISMATCH:
        case SQLITE_MISUSE:
                return -EINVAL;
        default:
                return -EIO;
        }
}

sqlite3 *db_close(sqlite3 *db)
{
        /* v2 defers the close until outstanding statements are finalised. */
        if (db)
                sqlite3_close_v2(db);
        return NULL;
}

int db_exec(sqlite3 *db, const char *sql)
{
        return errno_from_sqlite(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

int db_open(const char *path, DbOpenFlags flags, sqlite3 **ret)
{
        _cleanup_db_ sqlite3 *db = NULL;
        int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
        int r;

        assert_return(path && ret, -EINVAL);

        if (flags & DB_OPEN_READONLY)
                oflags |= SQLITE_OPEN_READONLY;
        else
                oflags |= SQLITE_OPEN_READWRITE | ((flags & DB_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);

        r = sqlite3_open_v2(path, &db, oflags, NULL);
        if (r != SQLITE_OK)
                return errno_from_sqlite(r);

        sqlite3_extended_result_codes(db, 1);
        r = errno_from_sqlite(sqlite3_busy_timeout(db, DB_BUSY_TIMEOUT_MS));
        if (r < 0)
                return r;
        if (!(flags & DB_OPEN_READONLY)) {
                /* WAL + synchronous=FULL: COMMIT returns after the WAL is fsynced. */
                r = db_exec(db, "PRAGMA journal_mode=WAL;");
                if (r < 0)
                        return r;
        }
        r = db_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;");
        if (r < 0)
                return r;

        *ret = TAKE_PTR(db);
        return 0;
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret)
{
        assert_return(db && sql && ret, -EINVAL);
        return errno_from_sqlite(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, ret, NULL));
}

int db_step(sqlite3_stmt *stmt)
{
        int rc = sqlite3_step(stmt);

        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return errno_from_sqlite(rc);
}

int db_begin(sqlite3 *db)
{
        return db_exec(db, "BEGIN IMMEDIATE;");
}

int db_commit(sqlite3 *db)
{
        return db_exec(db, "COMMIT;");
}

void db_rollback(sqlite3 *db)
{
        if (db && !sqlite3_get_autocommit(db))
                (void)sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
}

int db_schema_version(sqlite3 *db)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");
        if (r < 0)
                return r;
        r = errno_from_sqlite(
                sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version;", -1, &st, NULL));
        if (r < 0)
                return r;
        r = db_step(st);
        if (r < 0)
                return r;
        return r == 1 ? sqlite3_column_int(st, 0) : 0;
}

static int migration_apply(sqlite3 *db, const DbMigration *m)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = db_begin(db);
        if (r < 0)
                return r;
        r = db_exec(db, m->sql);
        if (r < 0)
                goto fail;
        r = errno_from_sqlite(
                sqlite3_prepare_v2(db, "INSERT INTO schema_version (version) VALUES (?);", -1, &st, NULL));
        if (r < 0)
                goto fail;
        sqlite3_bind_int(st, 1, m->version);
        r = db_step(st);
        if (r < 0)
                goto fail;
        r = db_commit(db);
        if (r < 0)
                goto fail;
        return 0;
fail:
        db_rollback(db);
        return r;
}

int db_migrate(sqlite3 *db, const DbMigration *migrations, size_t n_migrations)
{
        int current, r;

        assert_return(db && (migrations || n_migrations == 0), -EINVAL);

        current = db_schema_version(db);
        if (current < 0)
                return current;
        if (n_migrations > 0 && current > migrations[n_migrations - 1].version)
                return -EPROTONOSUPPORT;

        for (size_t i = 0; i < n_migrations; i++) {
                if (migrations[i].version <= current)
                        continue;
                r = migration_apply(db, &migrations[i]);
                if (r < 0)
                        return r;
                current = migrations[i].version;
        }
        return current;
}

int db_backup(sqlite3 *db, const char *dest_path)
{
        char tmp[PATH_MAX];
        _cleanup_db_ sqlite3 *dest = NULL;
        sqlite3_backup *b;
        int r, fd;

        assert_return(db && dest_path, -EINVAL);

        r = snprintf(tmp, sizeof tmp, "%s.tmp-backup", dest_path);
        if (r < 0 || (size_t)r >= sizeof tmp)
                return -ENAMETOOLONG;
        (void)unlink(tmp);
        /* Create the file 0600 first: SQLite would create it with the umask. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        safe_close(fd);

        r = errno_from_sqlite(sqlite3_open_v2(tmp, &dest, SQLITE_OPEN_READWRITE, NULL));
        if (r < 0)
                goto fail;
        b = sqlite3_backup_init(dest, "main", db, "main");
        if (!b) {
                r = errno_from_sqlite(sqlite3_errcode(dest));
                goto fail;
        }
        /* Copy in steps so that writers to the live database are not starved. */
        do {
                r = sqlite3_backup_step(b, 256);
                if (r == SQLITE_BUSY || r == SQLITE_LOCKED)
                        sqlite3_sleep(5);
        } while (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED);
        r = errno_from_sqlite(r);
        sqlite3_backup_finish(b);
        if (r < 0)
                goto fail;
        r = db_exec(dest, "PRAGMA synchronous=FULL;");
        if (r < 0)
                goto fail;
        dest = db_close(dest);

        fd = open(tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0) {
                r = negative_errno();
                safe_close(fd);
                goto fail;
        }
        safe_close(fd);
        if (rename(tmp, dest_path) < 0) {
                r = negative_errno();
                goto fail;
        }
        return fsync_parent_dir(dest_path);
fail:
        dest = db_close(dest);
        (void)unlink(tmp);
        return r;
}

int db_bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t size)
{
        assert_return(st && (p || size == 0), -EINVAL);
        if (size > INT_MAX)
                return -E2BIG;
        if (!p)
                return errno_from_sqlite(sqlite3_bind_null(st, idx));
        return errno_from_sqlite(sqlite3_bind_blob(st, idx, p, (int)size, SQLITE_STATIC));
}

int db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
        assert_return(st, -EINVAL);
        if (!s)
                return errno_from_sqlite(sqlite3_bind_null(st, idx));
        return errno_from_sqlite(sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC));
}

int db_bind_int64(sqlite3_stmt *st, int idx, int64_t v)
{
        assert_return(st, -EINVAL);
        return errno_from_sqlite(sqlite3_bind_int64(st, idx, v));
}

int db_bind_null(sqlite3_stmt *st, int idx)
{
        assert_return(st, -EINVAL);
        return errno_from_sqlite(sqlite3_bind_null(st, idx));
}
