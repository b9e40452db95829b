/* lib/db-inserter: every row count lands whole and in order, each row's
 * values reach its own parameters, and a failing statement reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/db-inserter.h"
#include "lib/db.h"
#include "tests/unit/test.h"

static sqlite3 *db;

static int setup(void **state)
{
        assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
        return db_exec(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, name TEXT NOT NULL, half INTEGER);");
}

static int teardown(void **state)
{
        db_close(db);
        return 0;
}

typedef struct Row {
        int64_t k;
        char name[32];
} Row;

static int bind_row(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const Row *x = (const Row *)rows + row;
        int r;

        r = db_bind_int64(st, c, x->k);
        if (r >= 0)
                r = db_bind_text(st, c + 1, x->name);
        if (r >= 0 && x->k % 2 == 0)
                r = db_bind_int64(st, c + 2, x->k / 2); /* odd rows leave it NULL */
        return r;
}

static Row *rows_make(size_t n, int64_t from)
{
        Row *v = calloc(n + 1, sizeof *v);
        assert_non_null(v);
        for (size_t i = 0; i < n; i++) {
                v[i].k = from + (int64_t)i;
                snprintf(v[i].name, sizeof v[i].name, "row-%lld", (long long)v[i].k);
        }
        return v;
}

/* The table holds exactly keys [0, n) with their own names and halves. */
static void assert_table(size_t n)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        size_t seen = 0;

        assert_int_equal(db_prepare(db, "SELECT k, name, half FROM t ORDER BY k;", &st), 0);
        while (db_step(st) == 1) {
                char want[32];
                int64_t k = sqlite3_column_int64(st, 0);

                assert_int_equal(k, (int64_t)seen);
                snprintf(want, sizeof want, "row-%lld", (long long)k);
                assert_string_equal((const char *)sqlite3_column_text(st, 1), want);
                if (k % 2 == 0)
                        assert_int_equal(sqlite3_column_int64(st, 2), k / 2);
                else
                        assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
                seen++;
        }
        assert_int_equal(seen, n);
}

static void test_every_count(void **state)
{
        /* Around each statement size and across several full statements. */
        static const size_t counts[] = { 0, 1, 2, 3, 7, 63, 64, 65, 127, 128, 129, 200, 1000 };
        _cleanup_(db_inserter_freep) DbInserter *ins = NULL;

        assert_int_equal(db_inserter_new(db, "INSERT INTO t (k, name, half)", 3, &ins), 0);
        for (size_t c = 0; c < ELEMENTSOF(counts); c++) {
                _cleanup_free_ Row *rows = rows_make(counts[c], 0);

                assert_int_equal(db_exec(db, "DELETE FROM t;"), 0);
                assert_int_equal(db_inserter_run(ins, counts[c], bind_row, rows), 0);
                assert_table(counts[c]);
        }
}

static void test_conflict_reported(void **state)
{
        _cleanup_(db_inserter_freep) DbInserter *ins = NULL, *ignore = NULL;
        _cleanup_free_ Row *rows = rows_make(100, 0), *again = rows_make(10, 95);

        assert_int_equal(db_inserter_new(db, "INSERT INTO t", 3, &ins), 0);
        assert_int_equal(db_inserter_run(ins, 100, bind_row, rows), 0);
        /* A duplicate key fails its statement; the caller's transaction
         * then rolls back. */
        assert_int_equal(db_begin(db), 0);
        assert_int_equal(db_inserter_run(ins, 10, bind_row, again), -EEXIST);
        db_rollback(db);
        assert_table(100);
        /* With OR IGNORE the duplicates collapse and the rest land. */
        assert_int_equal(db_inserter_new(db, "INSERT OR IGNORE INTO t", 3, &ignore), 0);
        assert_int_equal(db_inserter_run(ignore, 10, bind_row, again), 0);
        assert_table(105);
}

static void test_bad_arguments(void **state)
{
        DbInserter *ins = NULL;

        assert_int_equal(db_inserter_new(db, "INSERT INTO t", 0, &ins), -EINVAL);
        assert_int_equal(db_inserter_new(db, "INSERT INTO t", 1000, &ins), -E2BIG);
        /* A statement SQLite refuses is reported on first use. */
        assert_int_equal(db_inserter_new(db, "INSERT INTO missing", 3, &ins), 0);
        _cleanup_free_ Row *rows = rows_make(1, 0);
        assert_int_equal(db_inserter_run(ins, 1, bind_row, rows), -EIO);
        db_inserter_free(ins);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_every_count, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
