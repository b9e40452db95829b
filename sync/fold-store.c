/* See fold-state.h: writing a fold run back to the state tables and, for a
 * rebuild, the entity index.
 *
 * An incremental run rewrites only what changed: for each entity and table
 * it compares a digest of the rows it would write with one of the rows
 * stored, and leaves equal ones alone. A late entry often changes one table
 * of an entity (a new exception, a new loan) and nothing else; rewriting
 * identical rows would still dirty their pages, and in a large store each
 * entity's rows sit on pages of their own. */
#include <errno.h>

#include <sodium.h>

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

#define MAX_COLUMNS 10

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

/* A column value of a row: bound for the insert, hashed for the compare. */
typedef struct Value {
        int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_TEXT or SQLITE_BLOB */
        int64_t i;
        const void *p;
        size_t len;
} Value;

static Value v_int(int64_t i)
{
        return (Value){ .type = SQLITE_INTEGER, .i = i };
}

/* 0 is stored as NULL: "none" for times and counters that may be unset. */
static Value v_opt(uint64_t u)
{
        return u ? v_int((int64_t)u) : (Value){ .type = SQLITE_NULL };
}

static Value v_text(const char *s)
{
        return s ? (Value){ .type = SQLITE_TEXT, .p = s, .len = strlen(s) } : (Value){ .type = SQLITE_NULL };
}

static Value v_blob(const void *p, size_t len)
{
        return p ? (Value){ .type = SQLITE_BLOB, .p = p, .len = len } : (Value){ .type = SQLITE_NULL };
}

static void patron_row(const RowRef *x, Value *v)
{
        const PatronState *p = x->entity;

        /* The stub of an erased patron keeps no key and no visits. */
        v[0] = v_text(p->id);
        v[1] = v_blob(p->has_key && !p->erased ? p->key_id : NULL, ENTRY_KEY_ID_SIZE);
        v[2] = v_int(p->registered);
        v[3] = v_int(p->blocked);
        v[4] = v_opt(p->expiry);
        v[5] = v_int(p->erased);
        v[6] = v_opt(p->erased_hlc);
        v[7] = v_int(p->erased ? 0 : (int64_t)p->visits);
        v[8] = v_opt(p->erased ? 0 : p->last_visit);
        v[9] = v_opt(p->anon_cutoff);
}

static void field_row(const RowRef *x, Value *v)
{
        const PatronState *p = x->entity;
        const FieldState *fs = &p->fields[x->k];

        v[0] = v_text(p->id);
        v[1] = v_int((int64_t)x->k);
        v[2] = v_blob(fs->ct, fs->len);
        v[3] = v_int((int64_t)fs->hlc);
        v[4] = v_blob(fs->id.origin, ENTRY_ORIGIN_SIZE);
        v[5] = v_int((int64_t)fs->id.seq);
}

static void account_row(const RowRef *x, Value *v)
{
        const PatronState *p = x->entity;

        v[0] = v_text(p->id);
        v[1] = v_int((int64_t)p->fines);
        v[2] = v_int((int64_t)p->paid);
        v[3] = v_int((int64_t)p->fines - (int64_t)p->paid);
}

static void payment_row(const RowRef *x, Value *v)
{
        const PatronState *p = x->entity;
        const PaymentRec *pay = &p->pays[x->k];

        v[0] = v_text(p->id);
        v[1] = v_text(pay->id);
        v[2] = v_int((int64_t)pay->amount);
        v[3] = v_blob(pay->entry.origin, ENTRY_ORIGIN_SIZE);
        v[4] = v_int((int64_t)pay->entry.seq);
}

static void item_row(const RowRef *x, Value *v)
{
        const ItemState *it = x->entity;

        v[0] = v_text(it->barcode);
        v[1] = v_text(it->title);
        v[2] = v_int(!it->added);
        v[3] = v_int(it->withdrawn);
        v[4] = v_int(it->open >= 0);
}

static void loan_row(const RowRef *x, Value *v)
{
        const ItemState *it = x->entity;
        const Loan *l = &it->loans[x->k];
        /* Loan-history anonymisation: a loan that ended by the patron's
         * cutoff keeps no link to the patron; an erased patron's loans keep
         * none at all. */
        bool anon = l->patron->erased || (l->end != 0 && l->end <= l->patron->anon_cutoff);

        v[0] = v_text(it->barcode);
        v[1] = v_blob(l->id.origin, ENTRY_ORIGIN_SIZE);
        v[2] = v_int((int64_t)l->id.seq);
        v[3] = v_text(anon ? NULL : l->patron->id);
        v[4] = v_int((int64_t)l->start);
        v[5] = v_int((int64_t)l->due);
        v[6] = v_opt(l->end);
        v[7] = v_opt((uint64_t)l->end_kind);
        v[8] = v_int(l->renewals);
        v[9] = v_int(anon);
}

static void hold_row(const RowRef *x, Value *v)
{
        const ItemState *it = x->entity;
        const Hold *h = &it->holds[x->k];

        v[0] = v_text(it->barcode);
        v[1] = v_blob(h->id.origin, ENTRY_ORIGIN_SIZE);
        v[2] = v_int((int64_t)h->id.seq);
        v[3] = v_text(h->patron->erased ? NULL : h->patron->id);
        v[4] = v_int((int64_t)h->placed);
        v[5] = v_int(h->state);
        v[6] = v_int(h->retargets);
}

/* Whether an exception belongs to an erased patron (its losing edit, a
 * ciphertext, is then dropped with the rest). */
static bool exc_of_erased(const Exc *e)
{
        return e->owner->key[0] == 'p' && ((const PatronState *)(const void *)e->owner)->erased;
}

static void exception_row(const RowRef *x, Value *v)
{
        const Exc *e = x->entity;
        bool erased = exc_of_erased(e);

        v[0] = v_text(e->owner->key);
        v[1] = v_int((int64_t)e->hlc);
        v[2] = v_blob(e->id.origin, ENTRY_ORIGIN_SIZE);
        v[3] = v_int((int64_t)e->id.seq);
        v[4] = v_int(e->code);
        v[5] = v_text(e->detail);
        v[6] = v_blob(erased ? NULL : e->loser, e->loser_len);
}

static const struct {
        const char *name;
        const char *columns; /* in the order the row function fills them */
        int cols;
        const char *key; /* the column naming the entity */
        bool full_key; /* key holds "p:<id>"/"i:<barcode>", not the bare id */
        bool or_ignore;
        void (*row)(const RowRef *x, Value *v);
} state_tables[_T_MAX] = {
        [T_PATRON] = { "patron",
                       "id, key_id, registered, blocked, expiry, erased, erased_hlc, visits, last_visit, "
                       "anon_cutoff",
                       10, "id", false, false, patron_row },
        [T_FIELD] = { "patron_field", "patron, field, ct, hlc, origin, seq", 6, "patron", false, false,
                      field_row },
        [T_ACCOUNT] = { "account", "patron, fines, payments, balance", 4, "patron", false, false,
                        account_row },
        [T_PAYMENT] = { "payment", "patron, payment_id, amount, origin, seq", 5, "patron", false, false,
                        payment_row },
        [T_ITEM] = { "item", "barcode, title, stub, withdrawn, on_loan", 5, "barcode", false, false,
                     item_row },
        [T_LOAN] = { "loan",
                     "item, origin, seq, patron, start_hlc, due, end_hlc, end_kind, renewals, anonymised",
                     10, "item", false, false, loan_row },
        [T_HOLD] = { "hold", "item, origin, seq, patron, placed_hlc, state, retargets", 7, "item", false,
                     false, hold_row },
        /* The same entry can raise the same exception twice (e.g. a payment
         * id repeated within one patron): one row. */
        [T_EXCEPTION] = { "exception", "entity, hlc, origin, seq, code, detail, loser_ct", 7, "entity", true,
                          true, exception_row },
};

static const StateTable patron_tables[] = { T_PATRON, T_FIELD, T_ACCOUNT, T_PAYMENT, T_EXCEPTION };
static const StateTable item_tables[] = { T_ITEM, T_LOAN, T_HOLD, T_EXCEPTION };
static const StateTable global_tables[] = { T_EXCEPTION };

static int bind_value(sqlite3_stmt *st, int col, const Value *v)
{
        switch (v->type) {
        case SQLITE_INTEGER:
                return db_bind_int64(st, col, v->i);
        case SQLITE_TEXT:
                return db_bind_text(st, col, v->p);
        case SQLITE_BLOB:
                return db_bind_blob(st, col, v->p, v->len);
        default:
                return db_bind_null(st, col);
        }
}

typedef struct BindRows {
        StateTable t;
        const RowRef *rows;
} BindRows;

static int bind_row(sqlite3_stmt *st, int c, size_t row, const void *userdata)
{
        const BindRows *b = userdata;
        Value v[MAX_COLUMNS];
        int r = 0;

        state_tables[b->t].row(&b->rows[row], v);
        for (int i = 0; i < state_tables[b->t].cols && r >= 0; i++)
                r = bind_value(st, c + i, &v[i]);
        return r;
}

/* An order-independent digest of a set of rows: the row count and the sum
 * of 128-bit row hashes. Equal digests mean equal rows (up to 2^-128). */
typedef struct RowsDigest {
        uint64_t n, sum[2];
} RowsDigest;

static void digest_add(RowsDigest *d, const Value *v, int cols)
{
        crypto_generichash_state h;
        uint64_t out[2];

        crypto_generichash_init(&h, NULL, 0, sizeof out);
        for (int i = 0; i < cols; i++) {
                uint8_t type = (uint8_t)v[i].type;
                uint64_t len = v[i].len;

                crypto_generichash_update(&h, &type, 1);
                if (v[i].type == SQLITE_INTEGER)
                        crypto_generichash_update(&h, (const uint8_t *)&v[i].i, sizeof v[i].i);
                else if (v[i].type != SQLITE_NULL) {
                        crypto_generichash_update(&h, (const uint8_t *)&len, sizeof len);
                        if (len)
                                crypto_generichash_update(&h, v[i].p, len);
                }
        }
        crypto_generichash_final(&h, (uint8_t *)out, sizeof out);
        d->n++;
        d->sum[0] += out[0];
        d->sum[1] += out[1];
}

/* Prepared per table: the entity's stored rows, and their deletion; and
 * the tombstone an erasure leaves in the key store. */
struct FoldWriter {
        sqlite3_stmt *select[_T_MAX], *delete[_T_MAX];
        DbInserter *insert[_T_MAX];
        sqlite3_stmt *shred;
};
typedef struct FoldWriter Writer;

void fold_writer_free(FoldWriter *w)
{
        if (!w)
                return;
        for (size_t t = 0; t < _T_MAX; t++) {
                sqlite3_finalize(w->select[t]);
                sqlite3_finalize(w->delete[t]);
                db_inserter_free(w->insert[t]);
        }
        sqlite3_finalize(w->shred);
        free(w);
}

static int writer_init(sqlite3 *db, Writer *w)
{
        char sql[256];
        int r;

        for (size_t t = 0; t < _T_MAX; t++) {
                snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s = ?;", state_tables[t].columns,
                         state_tables[t].name, state_tables[t].key);
                r = db_prepare(db, sql, &w->select[t]);
                if (r < 0)
                        return r;
                snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = ?;", state_tables[t].name,
                         state_tables[t].key);
                r = db_prepare(db, sql, &w->delete[t]);
                if (r < 0)
                        return r;
                snprintf(sql, sizeof sql, "INSERT%s INTO %s (%s)",
                         state_tables[t].or_ignore ? " OR IGNORE" : "", state_tables[t].name,
                         state_tables[t].columns);
                r = db_inserter_new(db, sql, state_tables[t].cols, &w->insert[t]);
                if (r < 0)
                        return r;
        }
        /* A tombstone whether or not the key is held here: a key that
         * arrives later is refused (keystore_import). secure_delete
         * (lib/db.c) zeroes the wrapped key's old bytes. Rows already
         * destroyed are left alone, so a re-fold dirties no page. */
        return db_prepare(db,
                          "INSERT INTO patron_key (key_id, wrapped, destroyed) VALUES (?, NULL, 1) "
                          "ON CONFLICT (key_id) DO UPDATE SET wrapped = NULL, destroyed = 1 "
                          "WHERE destroyed = 0;",
                          &w->shred);
}

/* Erasure is final: destroy every key that protected an erased patron's
 * fields, in the transaction that folds the erasure (or the entry that
 * named the key), so that no caller can forget it. */
static int shred_keys(Writer *w, const PatronState *p)
{
        int r;

        for (size_t i = 0; i < p->n_key_ids; i++) {
                r = db_bind_blob(w->shred, 1, p->key_ids[i], ENTRY_KEY_ID_SIZE);
                if (r >= 0)
                        r = db_step(w->shred);
                sqlite3_reset(w->shred);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The fold's writer, prepared on first use and kept. */
static int writer_get(Fold *fold, Writer **ret)
{
        Writer *w;
        int r;

        if (!fold->writer) {
                w = calloc(1, sizeof *w);
                if (!w)
                        return -ENOMEM;
                r = writer_init(journal_db(fold->j), w);
                if (r < 0) {
                        fold_writer_free(w);
                        return r;
                }
                fold->writer = w;
        }
        *ret = fold->writer;
        return 0;
}

/* The digest of the rows stored for key in table t. */
static int stored_digest(Writer *w, StateTable t, const char *key, RowsDigest *ret)
{
        sqlite3_stmt *st = w->select[t];
        Value v[MAX_COLUMNS];
        int r;

        *ret = (RowsDigest){ 0 };
        r = db_bind_text(st, 1, key);
        if (r < 0)
                return r;
        while ((r = db_step(st)) == 1) {
                for (int i = 0; i < state_tables[t].cols; i++) {
                        v[i] = (Value){ .type = sqlite3_column_type(st, i) };
                        if (v[i].type == SQLITE_INTEGER)
                                v[i].i = sqlite3_column_int64(st, i);
                        else if (v[i].type == SQLITE_TEXT)
                                v[i].p = sqlite3_column_text(st, i);
                        else if (v[i].type == SQLITE_BLOB)
                                v[i].p = sqlite3_column_blob(st, i);
                        if (v[i].type == SQLITE_TEXT || v[i].type == SQLITE_BLOB)
                                v[i].len = (size_t)sqlite3_column_bytes(st, i);
                }
                digest_add(ret, v, state_tables[t].cols);
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r;
}

static int delete_rows(Writer *w, StateTable t, const char *key)
{
        int r;

        r = db_bind_text(w->delete[t], 1, key);
        if (r >= 0)
                r = db_step(w->delete[t]);
        sqlite3_reset(w->delete[t]);
        sqlite3_clear_bindings(w->delete[t]);
        return r < 0 ? r : 0;
}

static int rows_add(RowList *l, const void *entity, size_t k)
{
        RowRef *x = grow(&l->v, &l->n, sizeof *x);

        if (!x)
                return -ENOMEM;
        *x = (RowRef){ .entity = entity, .k = k };
        return 0;
}

/* Queue the rows of one entity (head, with its exceptions exc) for
 * writing: they are appended to rows[]. An incremental run then
 * compares them with the stored ones, table by table, and either drops
 * them again (equal) or deletes the stored ones (different). */
static int entity_rows(Writer *w, RowList rows[_T_MAX], const EntityHead *head, const Exc *const *exc,
                       size_t n_exc, bool incremental)
{
        bool patron = head->key[0] == 'p', global = head->key[0] == 'g';
        const StateTable *tables = global ? global_tables : patron ? patron_tables : item_tables;
        size_t n_tables = global   ? ELEMENTSOF(global_tables)
                          : patron ? ELEMENTSOF(patron_tables)
                                   : ELEMENTSOF(item_tables);
        size_t from[_T_MAX];
        int r = 0;

        for (size_t i = 0; i < n_tables; i++)
                from[tables[i]] = rows[tables[i]].n;
        if (global) {
                /* No state rows: the parameters act through the items. */
        } else if (patron) {
                const PatronState *p = (const PatronState *)head;

                if (p->erased) {
                        r = shred_keys(w, p);
                        if (r < 0)
                                return r;
                }
                if (p->seen) {
                        r = rows_add(&rows[T_PATRON], p, 0);
                        for (size_t k = 1; r >= 0 && k < _PATRON_FIELD_MAX; k++)
                                if (p->fields[k].ct)
                                        r = rows_add(&rows[T_FIELD], p, k);
                        /* An erased patron's account and payments go: the
                         * stub is linked to no transaction. */
                        if (r >= 0 && !p->erased && (p->fines || p->n_pays))
                                r = rows_add(&rows[T_ACCOUNT], p, 0);
                        for (size_t k = 0; r >= 0 && !p->erased && k < p->n_pays; k++)
                                r = rows_add(&rows[T_PAYMENT], p, k);
                }
        } else {
                const ItemState *it = (const ItemState *)head;

                if (it->seen) {
                        r = rows_add(&rows[T_ITEM], it, 0);
                        for (size_t k = 0; r >= 0 && k < it->n_loans; k++)
                                r = rows_add(&rows[T_LOAN], it, k);
                        for (size_t k = 0; r >= 0 && k < it->n_holds; k++)
                                r = rows_add(&rows[T_HOLD], it, k);
                }
        }
        for (size_t k = 0; r >= 0 && k < n_exc; k++)
                r = rows_add(&rows[T_EXCEPTION], exc[k], 0);
        if (r < 0 || !incremental)
                return r;
        for (size_t i = 0; i < n_tables; i++) {
                StateTable t = tables[i];
                const char *key = state_tables[t].full_key ? head->key : head->key + 2;
                RowsDigest now = { 0 }, stored;
                Value v[MAX_COLUMNS];

                for (size_t k = from[t]; k < rows[t].n; k++) {
                        state_tables[t].row(&rows[t].v[k], v);
                        digest_add(&now, v, state_tables[t].cols);
                }
                r = stored_digest(w, t, key, &stored);
                if (r < 0)
                        return r;
                if (memcmp(&now, &stored, sizeof now) == 0) {
                        rows[t].n = from[t];
                        continue;
                }
                r = delete_rows(w, t, key);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Order entity states (PatronState * or ItemState *) by key. */
static int head_cmp(const void *a, const void *b)
{
        const EntityHead *x = *(const EntityHead *const *)a, *y = *(const EntityHead *const *)b;
        return strcmp(x->key, y->key);
}

/* Exceptions by owner rank, in fold order within an owner. */
static int exc_owner_cmp(const void *a, const void *b)
{
        const Exc *x = *(const Exc *const *)a, *y = *(const Exc *const *)b;

        if (x->owner->rank != y->owner->rank)
                return x->owner->rank < y->owner->rank ? -1 : 1;
        return (x > y) - (x < y);
}

int fold_write_back(FoldRun *f, bool incremental)
{
        RowList rows[_T_MAX] = { 0 };
        const Exc **exc = NULL;
        size_t at = 0;
        Writer *w;
        int r;

        r = writer_get(f->fold, &w);
        if (r < 0)
                return r;
        /* In key order: each table's B-tree then grows at its right edge,
         * with full pages and no splits in the middle. The rows are the
         * same in any order. */
        if (f->n_patrons > 0)
                qsort(f->patrons, f->n_patrons, sizeof *f->patrons, head_cmp);
        if (f->n_items > 0)
                qsort(f->items, f->n_items, sizeof *f->items, head_cmp);
        /* "g:fold" sorts before "i:", "i:" before "p:": the node-wide
         * entity, then items, then patrons. */
        f->global.rank = 0;
        for (size_t i = 0; i < f->n_items; i++)
                f->items[i]->head.rank = 1 + i;
        for (size_t i = 0; i < f->n_patrons; i++)
                f->patrons[i]->head.rank = 1 + f->n_items + i;
        exc = calloc(f->n_exc + 1, sizeof *exc);
        if (!exc)
                return -ENOMEM;
        for (size_t i = 0; i < f->n_exc; i++)
                exc[i] = &f->exc[i];
        qsort(exc, f->n_exc, sizeof *exc, exc_owner_cmp);

        for (size_t rank = 0; rank < 1 + f->n_items + f->n_patrons; rank++) {
                const EntityHead *head = rank == 0            ? &f->global
                                         : rank <= f->n_items ? &f->items[rank - 1]->head
                                                              : &f->patrons[rank - 1 - f->n_items]->head;
                size_t n = 0;

                while (at + n < f->n_exc && exc[at + n]->owner == head)
                        n++;
                if (head->write) {
                        r = entity_rows(w, rows, head, exc + at, n, incremental);
                        if (r < 0)
                                goto out;
                }
                at += n;
        }
        for (size_t t = 0; t < _T_MAX; t++) {
                BindRows b = { .t = t, .rows = rows[t].v };

                r = db_inserter_run(w->insert[t], rows[t].n, bind_row, &b);
                if (r < 0)
                        goto out;
        }
out:
        for (size_t t = 0; t < _T_MAX; t++)
                free(rows[t].v);
        free(exc);
        return r;
}

static int index_row_cmp(const void *a, const void *b)
{
        const IndexRow *x = a, *y = b;
        return (x->jid > y->jid) - (x->jid < y->jid);
}

static int bind_index_row(sqlite3_stmt *st, int c, size_t row, const void *rows)
{
        const IndexRow *x = (const IndexRow *)rows + row;
        int r;

        r = db_bind_text(st, c, x->owner->key);
        if (r >= 0)
                r = db_bind_int64(st, c + 1, x->jid);
        if (r >= 0)
                r = db_bind_text(st, c + 2, x->link ? x->link->id : NULL);
        return r;
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

static int bind_link(sqlite3_stmt *st, int c, size_t row, const void *links)
{
        const Link *l = (const Link *)links + row;
        int r;

        r = db_bind_text(st, c, l->patron->id);
        if (r >= 0)
                r = db_bind_text(st, c + 1, l->item->key + 2);
        return r;
}

/* A rebuild's entity index, from what the fold saw instead of another pass
 * over the journal. After fold_write_back, which ranks the entities in key
 * order: a counting sort by rank groups the rows by entity, a sort by jid
 * within each entity (needed only where fold order and journal order
 * differ) completes the index's (entity, jid) order, and its B-tree grows
 * at the right edge. */
int fold_index_write(FoldRun *f, size_t n)
{
        size_t n_ranks = 1 + f->n_items + f->n_patrons, *next, n_links = 0;
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
