/* See db-inserter.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db-inserter.h"
#include "lib/db.h"

/* Statements for 64, 32, 16, 8, 4, 2 and 1 rows: slot k holds 1 << k. */
#define N_SIZES 7
_Static_assert(1 << (N_SIZES - 1) == DB_INSERTER_MAX_ROWS, "slot N_SIZES - 1 is the largest");

struct DbInserter {
        sqlite3 *db;
        char *insert;
        int cols;
        sqlite3_stmt *st[N_SIZES];
};

int db_inserter_new(sqlite3 *db, const char *insert, int cols, DbInserter **ret)
{
        DbInserter *ins;

        assert_return(db && insert && ret && cols > 0, -EINVAL);
        /* SQLite's default limit on parameters per statement. */
        assert_return(cols * DB_INSERTER_MAX_ROWS <= 32766, -E2BIG);
        ins = calloc(1, sizeof *ins);
        if (!ins)
                return -ENOMEM;
        ins->insert = strdup(insert);
        if (!ins->insert) {
                free(ins);
                return -ENOMEM;
        }
        ins->db = db;
        ins->cols = cols;
        *ret = ins;
        return 0;
}

DbInserter *db_inserter_free(DbInserter *ins)
{
        if (!ins)
                return NULL;
        for (size_t k = 0; k < N_SIZES; k++)
                sqlite3_finalize(ins->st[k]);
        free(ins->insert);
        free(ins);
        return NULL;
}

/* "<insert> VALUES (?, ?), (?, ?), ..." with rows rows. */
static int statement_for(DbInserter *ins, unsigned k, sqlite3_stmt **ret)
{
        size_t rows = (size_t)1 << k, row_len = 4 + 3 * (size_t)ins->cols;
        _cleanup_free_ char *sql = NULL;
        char *p;
        int r;

        if (ins->st[k]) {
                *ret = ins->st[k];
                return 0;
        }
        sql = malloc(strlen(ins->insert) + sizeof " VALUES " + rows * row_len);
        if (!sql)
                return -ENOMEM;
        p = stpcpy(stpcpy(sql, ins->insert), " VALUES ");
        for (size_t row = 0; row < rows; row++) {
                p = stpcpy(p, row ? ", (" : "(");
                for (int c = 0; c < ins->cols; c++)
                        p = stpcpy(p, c ? ", ?" : "?");
                *p++ = ')';
        }
        *p = '\0';
        r = db_prepare(ins->db, sql, &ins->st[k]);
        if (r < 0)
                return r;
        *ret = ins->st[k];
        return 0;
}

int db_inserter_run(DbInserter *ins, size_t n, DbBindRow bind, const void *userdata)
{
        size_t at = 0;
        int r;

        assert_return(ins && (bind || n == 0), -EINVAL);
        while (at < n) {
                unsigned k = N_SIZES - 1;
                sqlite3_stmt *st;
                size_t rows;

                while (((size_t)1 << k) > n - at)
                        k--;
                rows = (size_t)1 << k;
                r = statement_for(ins, k, &st);
                if (r < 0)
                        return r;
                r = 0;
                for (size_t row = 0; row < rows && r >= 0; row++)
                        r = bind(st, (int)row * ins->cols + 1, at + row, userdata);
                if (r >= 0)
                        r = db_step(st);
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                if (r < 0)
                        return r;
                at += rows;
        }
        return 0;
}
