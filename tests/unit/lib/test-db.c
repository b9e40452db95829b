/* lib/db: pragmas, migrations (including under injected faults), backup,
 * and the SQLite -> errno mapping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/db.h"
#include "tests/helpers/sqlite-fault.h"
#include "tests/unit/test.h"

static char *dir;
static char path[512];

static const DbMigration migrations[] = {
        { 1, "CREATE TABLE item (id INTEGER PRIMARY KEY, barcode TEXT UNIQUE NOT NULL);" },
        { 2, "CREATE TABLE loan (id INTEGER PRIMARY KEY, item INTEGER NOT NULL REFERENCES item(id));"
             "CREATE INDEX loan_item ON loan(item);" },
        { 3, "ALTER TABLE item ADD COLUMN title TEXT;" },
};

static int setup(void **state)
{
        dir = test_tmpdir();
        snprintf(path, sizeof path, "%s/test.db", dir);
        return dir ? 0 : -1;
}

static int teardown(void **state)
{
        test_rmtree(dir);
        free(dir);
        return 0;
}

static int query_int(sqlite3 *db, const char *sql)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(db_step(st), 1);
        return sqlite3_column_int(st, 0);
}

static void test_open_pragmas(void **state)
{
        _cleanup_db_ sqlite3 *db = NULL;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;

        assert_int_equal(db_open(path, 0, &db), -ENOENT);
        assert_int_equal(db_open(path, DB_OPEN_CREATE, &db), 0);
        assert_int_equal(query_int(db, "PRAGMA foreign_keys;"), 1);
        assert_int_equal(query_int(db, "PRAGMA synchronous;"), 2); /* FULL */
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode;", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(db_step(st), 1);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
}

static void test_migrate_and_refuse_newer(void **state)
{
        _cleanup_db_ sqlite3 *db = NULL;

        assert_int_equal(db_open(path, DB_OPEN_CREATE, &db), 0);
        assert_int_equal(db_migrate(db, migrations, 2), 2);
        assert_int_equal(db_migrate(db, migrations, 3), 3);
        assert_int_equal(db_migrate(db, migrations, 3), 3); /* idempotent */
        assert_int_equal(db_schema_version(db), 3);
        /* Code that knows only version 2 must not touch a version-3 database. */
        assert_int_equal(db_migrate(db, migrations, 2), -EPROTONOSUPPORT);

        assert_int_equal(db_exec(db, "INSERT INTO item (id, barcode) VALUES (1, 'B1');"), 0);
        assert_int_equal(db_exec(db, "INSERT INTO item (id, barcode) VALUES (2, 'B1');"), -EEXIST);
        assert_int_equal(db_exec(db, "INSERT INTO loan (item) VALUES (99);"), -EEXIST); /* FK */
}

static void test_bad_migration_rolls_back(void **state)
{
        _cleanup_db_ sqlite3 *db = NULL;
        const DbMigration bad[] = {
                { 1, "CREATE TABLE a (x);" },
                { 2, "CREATE TABLE b (y); THIS IS NOT SQL;" },
        };

        assert_int_equal(db_open(path, DB_OPEN_CREATE, &db), 0);
        assert_true(db_migrate(db, bad, 2) < 0);
        assert_int_equal(db_schema_version(db), 1);
        /* Table b of the failed migration must not exist. */
        assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b';"), 0);
}

/* Fail the Nth write (then the Nth allocation) during migration, for every N
 * until the migration completes untouched; after each failure the database
 * reopens at a whole schema version whose tables all exist. */
static void fault_loop(SqliteFaultKind kind)
{
        unsigned n;

        for (n = 1; n < 2000; n++) {
                sqlite3 *db = NULL;
                int r, v;
                bool fired;

                (void)remove(path);
                sqlite_fault_arm(kind, n);
                r = db_open(path, DB_OPEN_CREATE, &db);
                if (r >= 0)
                        r = db_migrate(db, migrations, 3);
                fired = sqlite_fault_disarm();
                db_close(db);

                assert_int_equal(db_open(path, DB_OPEN_CREATE, &db), 0);
                v = db_schema_version(db);
                assert_true(v >= 0 && v <= 3);
                if (v >= 1)
                        assert_int_equal(
                                query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='item';"), 1);
                if (v >= 2)
                        assert_int_equal(
                                query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='loan';"), 1);
                else
                        assert_int_equal(
                                query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='loan';"), 0);
                assert_int_equal(query_int(db, "SELECT integrity_check = 'ok' FROM pragma_integrity_check;"),
                                 1);
                /* Recovery: the next migrate completes. */
                assert_int_equal(db_migrate(db, migrations, 3), 3);
                db_close(db);
                if (!fired) {
                        assert_int_equal(r, 3);
                        break;
                }
                /* SQLite absorbs some failures (e.g. an optional cache
                 * allocation); then the migration must be complete. */
                if (r >= 0)
                        assert_int_equal(v, 3);
        }
        assert_true(n > 3 && n < 2000);
}

static void test_fault_injection_writes(void **state)
{
        fault_loop(SQLITE_FAULT_WRITE);
}

static void test_fault_injection_mallocs(void **state)
{
        fault_loop(SQLITE_FAULT_MALLOC);
}

static void test_backup(void **state)
{
        _cleanup_db_ sqlite3 *db = NULL, *copy = NULL;
        char bpath[600];
        struct stat st;

        snprintf(bpath, sizeof bpath, "%s/backup.db", dir);
        assert_int_equal(db_open(path, DB_OPEN_CREATE, &db), 0);
        assert_int_equal(db_migrate(db, migrations, 3), 3);
        assert_int_equal(db_exec(db, "INSERT INTO item (barcode) VALUES ('A'), ('B'), ('C');"), 0);
        assert_int_equal(db_backup(db, bpath), 0);
        assert_int_equal(stat(bpath, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(db_open(bpath, DB_OPEN_READONLY, &copy), 0);
        assert_int_equal(query_int(copy, "SELECT count(*) FROM item;"), 3);
        assert_int_equal(db_schema_version(copy), 3);
}

static void test_errno_mapping(void **state)
{
        assert_int_equal(errno_from_sqlite(SQLITE_OK), 0);
        assert_int_equal(errno_from_sqlite(SQLITE_DONE), 0);
        assert_int_equal(errno_from_sqlite(SQLITE_BUSY), -EBUSY);
        assert_int_equal(errno_from_sqlite(SQLITE_CONSTRAINT_UNIQUE), -EEXIST);
        assert_int_equal(errno_from_sqlite(SQLITE_IOERR_FSYNC), -EIO);
        assert_int_equal(errno_from_sqlite(SQLITE_FULL), -ENOSPC);
        assert_int_equal(errno_from_sqlite(SQLITE_CORRUPT), -EUCLEAN);
        assert_int_equal(errno_from_sqlite(SQLITE_NOTADB), -EUCLEAN);
        assert_int_equal(errno_from_sqlite(SQLITE_READONLY), -EACCES);
}

static void test_not_a_database(void **state)
{
        _cleanup_db_ sqlite3 *db = NULL;
        FILE *f = fopen(path, "w");
        fputs("this is certainly not an SQLite file, it is much too plain for that. "
              "..........................",
              f);
        fclose(f);
        assert_int_equal(db_open(path, 0, &db), -EUCLEAN);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_pragmas, setup, teardown),
                cmocka_unit_test_setup_teardown(test_migrate_and_refuse_newer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_migration_rolls_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fault_injection_writes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fault_injection_mallocs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
                cmocka_unit_test(test_errno_mapping),
                cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        };
        if (sqlite_fault_install() < 0)
                return 1;
        return cmocka_run_group_tests_name("lib/db", tests, NULL, NULL);
}
