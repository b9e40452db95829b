/* See fold-state.h: writing a fold run back to the state tables and, for a
 * rebuild, the entity index. */
#include <errno.h>

#include "lib/db-inserter.h"
#include "lib/db.h"
#include "sync/fold-state.h"
#include "sync/fold.h"

/* The state tables, in the order they are written. */
typedef enum StateTable {
        T_PATRON,
        T_FIELD,
        T_ACCOUNT,
        T_PAYMENT,
        T_ITEM,
        T_LOAN,
        T_HOLD,
        T_EXCEPTION,
        _T_MAX,
} StateTable;

/* One row of a state table: its entity (PatronState *, ItemState * or
 * Exc *) and, for per-entity lists, which field, payment, loan or hold. */
typedef struct RowRef {
        const void *entity;
        size_t k;
} RowRef;

typedef struct RowList {
        RowRef *v;
        size_t n;
} RowList;

static int rows_add(RowList *l, const void *entity, size_t k)
{
        RowRef *x = grow(&l->v, &l->n, sizeof *x);

        if (!x)
                return -ENOMEM;
        *x = (RowRef){ .entity = entity, .k = k };
        return 0;
}

#define ROW(rows, row) (&((const RowRef *)(rows))[row])

static void bind_opt(sqlite3_stmt *st, int col, uint64_t v)
{
        if (v)
                sqlite3_bind_int64(st, col, (int64_t)v);
        else
                sqlite3_bind_null(st, col);
}

static void bind_origin(sqlite3_stmt *st, int col, const EntryId *id)
{
        sqlite3_bind_blob(st, col, id->origin, ENTRY_ORIGIN_SIZE, SQLITE_STATIC);
        sqlite3_bind_int64(st, col + 1, (int64_t)id->seq);
}

static void bind_patron(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const PatronState *p = ROW(rows, row)->entity;

        sqlite3_bind_text(st, c, p->id, -1, SQLITE_STATIC);
        if (p->has_key)
                sqlite3_bind_blob(st, c + 1, p->key_id, ENTRY_KEY_ID_SIZE, SQLITE_STATIC);
        sqlite3_bind_int(st, c + 2, p->registered);
        sqlite3_bind_int(st, c + 3, p->blocked);
        bind_opt(st, c + 4, p->expiry);
        sqlite3_bind_int(st, c + 5, p->erased);
        bind_opt(st, c + 6, p->erased_hlc);
        sqlite3_bind_int64(st, c + 7, (int64_t)p->visits);
        bind_opt(st, c + 8, p->last_visit);
        bind_opt(st, c + 9, p->anon_cutoff);
}

static void bind_field(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const PatronState *p = ROW(rows, row)->entity;
        size_t k = ROW(rows, row)->k;
        const FieldState *fs = &p->fields[k];

        sqlite3_bind_text(st, c, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, c + 1, (int)k);
        sqlite3_bind_blob(st, c + 2, fs->ct, (int)fs->len, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 3, (int64_t)fs->hlc);
        bind_origin(st, c + 4, &fs->id);
}

static void bind_account(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const PatronState *p = ROW(rows, row)->entity;

        sqlite3_bind_text(st, c, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 1, (int64_t)p->fines);
        sqlite3_bind_int64(st, c + 2, (int64_t)p->paid);
        sqlite3_bind_int64(st, c + 3, (int64_t)p->fines - (int64_t)p->paid);
}

static void bind_payment(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const PatronState *p = ROW(rows, row)->entity;
        const PaymentRec *pay = &p->pays[ROW(rows, row)->k];

        sqlite3_bind_text(st, c, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, c + 1, pay->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 2, (int64_t)pay->amount);
        bind_origin(st, c + 3, &pay->entry);
}

static void bind_item(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const ItemState *it = ROW(rows, row)->entity;

        sqlite3_bind_text(st, c, it->barcode, -1, SQLITE_STATIC);
        if (it->title)
                sqlite3_bind_text(st, c + 1, it->title, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, c + 2, !it->added);
        sqlite3_bind_int(st, c + 3, it->withdrawn);
        sqlite3_bind_int(st, c + 4, it->open >= 0);
}

static void bind_loan(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const ItemState *it = ROW(rows, row)->entity;
        const Loan *l = &it->loans[ROW(rows, row)->k];
        /* Loan-history anonymisation: a loan that ended by the patron's
         * cutoff keeps no link to the patron. */
        bool anon = l->end != 0 && l->end <= l->patron->anon_cutoff;

        sqlite3_bind_text(st, c, it->barcode, -1, SQLITE_STATIC);
        bind_origin(st, c + 1, &l->id);
        if (!anon)
                sqlite3_bind_text(st, c + 3, l->patron->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 4, (int64_t)l->start);
        sqlite3_bind_int64(st, c + 5, (int64_t)l->due);
        bind_opt(st, c + 6, l->end);
        bind_opt(st, c + 7, (uint64_t)l->end_kind);
        sqlite3_bind_int(st, c + 8, (int)l->renewals);
        sqlite3_bind_int(st, c + 9, anon);
}

static void bind_hold(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const ItemState *it = ROW(rows, row)->entity;
        const Hold *h = &it->holds[ROW(rows, row)->k];

        sqlite3_bind_text(st, c, it->barcode, -1, SQLITE_STATIC);
        bind_origin(st, c + 1, &h->id);
        sqlite3_bind_text(st, c + 3, h->patron->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 4, (int64_t)h->placed);
        sqlite3_bind_int(st, c + 5, h->state);
        sqlite3_bind_int(st, c + 6, (int)h->retargets);
}

static void bind_exception(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const Exc *x = ROW(rows, row)->entity;

        sqlite3_bind_text(st, c, x->owner->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 1, (int64_t)x->hlc);
        bind_origin(st, c + 2, &x->id);
        sqlite3_bind_int(st, c + 4, x->code);
        sqlite3_bind_text(st, c + 5, x->detail, -1, SQLITE_STATIC);
        if (x->loser)
                sqlite3_bind_blob(st, c + 6, x->loser, (int)x->loser_len, SQLITE_STATIC);
}

static const struct {
        const char *insert;
        int cols;
        DbBindRow bind;
} state_tables[_T_MAX] = {
        [T_PATRON] = { "INSERT INTO patron", 10, bind_patron },
        [T_FIELD] = { "INSERT INTO patron_field", 6, bind_field },
        [T_ACCOUNT] = { "INSERT INTO account", 4, bind_account },
        [T_PAYMENT] = { "INSERT INTO payment", 5, bind_payment },
        [T_ITEM] = { "INSERT INTO item", 5, bind_item },
        [T_LOAN] = { "INSERT INTO loan", 10, bind_loan },
        [T_HOLD] = { "INSERT INTO hold", 7, bind_hold },
        /* The same entry can raise the same exception twice (e.g. a payment
         * id repeated within one patron): one row. */
        [T_EXCEPTION] = { "INSERT OR IGNORE INTO exception", 7, bind_exception },
};

/* Statements deleting one entity's rows: patron tables take the bare id,
 * item tables the barcode, the exception list the entity key. */
static const char *const delete_patron[] = {
        "DELETE FROM patron WHERE id = ?;",
        "DELETE FROM patron_field WHERE patron = ?;",
        "DELETE FROM account WHERE patron = ?;",
        "DELETE FROM payment WHERE patron = ?;",
};
static const char *const delete_item[] = {
        "DELETE FROM item WHERE barcode = ?;",
        "DELETE FROM loan WHERE item = ?;",
        "DELETE FROM hold WHERE item = ?;",
};

struct FoldWriter {
        sqlite3_stmt *del_patron[ELEMENTSOF(delete_patron)], *del_item[ELEMENTSOF(delete_item)];
        sqlite3_stmt *del_exceptions;
        DbInserter *insert[_T_MAX];
};
typedef struct FoldWriter Writer;

void fold_writer_free(FoldWriter *w)
{
        if (!w)
                return;
        for (size_t i = 0; i < ELEMENTSOF(w->del_patron); i++)
                sqlite3_finalize(w->del_patron[i]);
        for (size_t i = 0; i < ELEMENTSOF(w->del_item); i++)
                sqlite3_finalize(w->del_item[i]);
        sqlite3_finalize(w->del_exceptions);
        for (size_t t = 0; t < _T_MAX; t++)
                db_inserter_free(w->insert[t]);
        free(w);
}

static int writer_init(sqlite3 *db, Writer *w)
{
        int r;

        for (size_t i = 0; i < ELEMENTSOF(delete_patron); i++) {
                r = db_prepare(db, delete_patron[i], &w->del_patron[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(delete_item); i++) {
                r = db_prepare(db, delete_item[i], &w->del_item[i]);
                if (r < 0)
                        return r;
        }
        r = db_prepare(db, "DELETE FROM exception WHERE entity = ?;", &w->del_exceptions);
        if (r < 0)
                return r;
        for (size_t t = 0; t < _T_MAX; t++) {
                r = db_inserter_new(db, state_tables[t].insert, state_tables[t].cols, &w->insert[t]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The journal's writer, prepared on first use and kept. */
static int writer_get(Journal *j, Writer **ret)
{
        Writer *w;
        int r;

        if (!j->writer) {
                w = calloc(1, sizeof *w);
                if (!w)
                        return -ENOMEM;
                r = writer_init(j->db, w);
                if (r < 0) {
                        fold_writer_free(w);
                        return r;
                }
                j->writer = w;
        }
        *ret = j->writer;
        return 0;
}

static int exec_reset(sqlite3_stmt *st)
{
        int r = db_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r < 0 ? r : 0;
}

static int delete_entity(Writer *w, const char *key, bool patron)
{
        sqlite3_stmt *const *del = patron ? w->del_patron : w->del_item;
        size_t n = patron ? ELEMENTSOF(w->del_patron) : ELEMENTSOF(w->del_item);
        int r;

        for (size_t i = 0; i < n; i++) {
                sqlite3_bind_text(del[i], 1, key + 2, -1, SQLITE_STATIC);
                r = exec_reset(del[i]);
                if (r < 0)
                        return r;
        }
        sqlite3_bind_text(w->del_exceptions, 1, key, -1, SQLITE_STATIC);
        return exec_reset(w->del_exceptions);
}

static int patron_rows(RowList rows[_T_MAX], const PatronState *p)
{
        int r;

        r = rows_add(&rows[T_PATRON], p, 0);
        for (size_t k = 1; r >= 0 && k < _PATRON_FIELD_MAX; k++)
                if (p->fields[k].ct)
                        r = rows_add(&rows[T_FIELD], p, k);
        if (r >= 0 && (p->fines || p->n_pays))
                r = rows_add(&rows[T_ACCOUNT], p, 0);
        for (size_t k = 0; r >= 0 && k < p->n_pays; k++)
                r = rows_add(&rows[T_PAYMENT], p, k);
        return r;
}

static int item_rows(RowList rows[_T_MAX], const ItemState *it)
{
        int r;

        r = rows_add(&rows[T_ITEM], it, 0);
        for (size_t k = 0; r >= 0 && k < it->n_loans; k++)
                r = rows_add(&rows[T_LOAN], it, k);
        for (size_t k = 0; r >= 0 && k < it->n_holds; k++)
                r = rows_add(&rows[T_HOLD], it, k);
        return r;
}

/* Order entity states (PatronState * or ItemState *) by key. */
static int head_cmp(const void *a, const void *b)
{
        const EntityHead *x = *(const EntityHead *const *)a, *y = *(const EntityHead *const *)b;
        return strcmp(x->key, y->key);
}

int fold_write_back(FoldRun *f, bool delete_first)
{
        RowList rows[_T_MAX] = { 0 };
        Writer *w;
        int r;

        r = writer_get(f->j, &w);
        if (r < 0)
                return r;
        /* In key order: each table's B-tree then grows at its right edge,
         * with full pages and no splits in the middle. The rows are the
         * same in any order. */
        if (f->n_patrons > 0)
                qsort(f->patrons, f->n_patrons, sizeof *f->patrons, head_cmp);
        if (f->n_items > 0)
                qsort(f->items, f->n_items, sizeof *f->items, head_cmp);
        /* "i:" sorts before "p:": items first. */
        for (size_t i = 0; i < f->n_items; i++)
                f->items[i]->head.rank = i;
        for (size_t i = 0; i < f->n_patrons; i++)
                f->patrons[i]->head.rank = f->n_items + i;

        for (size_t i = 0; i < f->n_patrons; i++) {
                const PatronState *p = f->patrons[i];

                if (!p->head.write)
                        continue;
                if (delete_first) {
                        r = delete_entity(w, p->head.key, true);
                        if (r < 0)
                                goto out;
                }
                if (p->seen) {
                        r = patron_rows(rows, p);
                        if (r < 0)
                                goto out;
                }
        }
        for (size_t i = 0; i < f->n_items; i++) {
                const ItemState *it = f->items[i];

                if (delete_first) {
                        r = delete_entity(w, it->head.key, false);
                        if (r < 0)
                                goto out;
                }
                if (it->seen) {
                        r = item_rows(rows, it);
                        if (r < 0)
                                goto out;
                }
        }
        for (size_t i = 0; i < f->n_exc; i++)
                if (f->exc[i].owner->write) {
                        r = rows_add(&rows[T_EXCEPTION], &f->exc[i], 0);
                        if (r < 0)
                                goto out;
                }
        for (size_t t = 0; t < _T_MAX; t++) {
                r = db_inserter_run(w->insert[t], rows[t].n, state_tables[t].bind, rows[t].v);
                if (r < 0)
                        goto out;
        }
out:
        for (size_t t = 0; t < _T_MAX; t++)
                free(rows[t].v);
        return r;
}

static int index_row_cmp(const void *a, const void *b)
{
        const IndexRow *x = a, *y = b;
        return (x->jid > y->jid) - (x->jid < y->jid);
}

static void bind_index_row(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const IndexRow *x = (const IndexRow *)rows + row;

        sqlite3_bind_text(st, c, x->owner->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, c + 1, x->jid);
        if (x->link)
                sqlite3_bind_text(st, c + 2, x->link->id, -1, SQLITE_STATIC);
}

/* A patron_item row: a patron and an item one of whose entries names it. */
typedef struct Link {
        const PatronState *patron;
        const EntityHead *item;
} Link;

static int link_cmp(const void *a, const void *b)
{
        const Link *x = a, *y = b;

        if (x->patron != y->patron)
                return x->patron->head.rank < y->patron->head.rank ? -1 : 1;
        return (x->item->rank > y->item->rank) - (x->item->rank < y->item->rank);
}

static void bind_link(sqlite3_stmt *st, int c, size_t row, const void *links)
{
        const Link *l = (const Link *)links + row;

        sqlite3_bind_text(st, c, l->patron->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, c + 1, l->item->key + 2, -1, SQLITE_STATIC);
}

/* A rebuild's entity index, from what the fold saw instead of another pass
 * over the journal. After fold_write_back, which ranks the entities in key
 * order: a counting sort by rank groups the rows by entity, a sort by jid
 * within each entity (needed only where fold order and journal order
 * differ) completes the index's (entity, jid) order, and its B-tree grows
 * at the right edge. */
int fold_index_write(FoldRun *f, size_t n)
{
        size_t n_ranks = f->n_items + f->n_patrons, *next, n_links = 0;
        IndexRow *rows;
        Link *links;
        int r;

        next = calloc(n_ranks + 1, sizeof *next);
        rows = calloc(n + 1, sizeof *rows);
        links = calloc(n + 1, sizeof *links);
        if (!next || !rows || !links) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++)
                next[f->index[i].owner->rank + 1]++;
        for (size_t k = 1; k <= n_ranks; k++)
                next[k] += next[k - 1];
        for (size_t i = 0; i < n; i++)
                rows[next[f->index[i].owner->rank]++] = f->index[i];
        for (size_t k = 0, from = 0; k < n_ranks; from = next[k++])
                for (size_t i = from + 1; i < next[k]; i++)
                        if (rows[i - 1].jid > rows[i].jid) {
                                qsort(rows + from, next[k] - from, sizeof *rows, index_row_cmp);
                                break;
                        }
        for (size_t i = 0; i < n; i++)
                if (rows[i].link)
                        links[n_links++] = (Link){ .patron = rows[i].link, .item = rows[i].owner };
        if (n_links > 0) {
                size_t out = 1;

                qsort(links, n_links, sizeof *links, link_cmp);
                for (size_t i = 1; i < n_links; i++)
                        if (link_cmp(&links[out - 1], &links[i]) != 0)
                                links[out++] = links[i];
                n_links = out;
        }
        r = journal_index_rewrite(f->j, n, bind_index_row, rows, n_links, bind_link, links);
out:
        free(next);
        free(rows);
        free(links);
        return r;
}
