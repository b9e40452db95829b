/* See fold.h. A fold run loads the affected entities' entries, sorts them in
 * fold order, folds them in memory (the rules, here) and writes the entities
 * back (fold-store.c). Entity
 * lookup uses glibc's hsearch_r: the table is sized once per run from the
 * number of entries, which bounds the number of entities. */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lib/db.h"
#include "sync/fold-internal.h"
#include "sync/fold-state.h"
#include "sync/hlc.h"

static const char *const exception_names[_EXC_MAX] = {
        [EXC_IMPLICIT_CHECKIN] = "IMPLICIT_CHECKIN",
        [EXC_CHECKIN_NOT_ON_LOAN] = "CHECKIN_NOT_ON_LOAN",
        [EXC_RENEW_AFTER_RETURN] = "RENEW_AFTER_RETURN",
        [EXC_RENEW_BLOCKED] = "RENEW_BLOCKED",
        [EXC_PATRON_BLOCKED_OVERRIDE] = "PATRON_BLOCKED_OVERRIDE",
        [EXC_HOLD_RETARGETED] = "HOLD_RETARGETED",
        [EXC_ITEM_UNKNOWN] = "ITEM_UNKNOWN",
        [EXC_SUBJECT_ERASED] = "SUBJECT_ERASED",
        [EXC_CONCURRENT_EDIT] = "CONCURRENT_EDIT",
        [EXC_DUPLICATE_PAYMENT] = "DUPLICATE_PAYMENT",
        [EXC_QUARANTINED] = "QUARANTINED",
        [EXC_CLOCK_SKEW] = "CLOCK_SKEW",
};

const char *fold_exception_to_string(FoldException e)
{
        if (e <= 0 || e >= _EXC_MAX)
                return NULL;
        return exception_names[e];
}

typedef struct Ref {
        uint64_t hlc;
        EntryId id;
        int64_t jid;
} Ref;

static void fold_run_done(FoldRun *f)
{
        for (size_t i = 0; i < f->n_patrons; i++) {
                for (size_t k = 0; k < _PATRON_FIELD_MAX; k++)
                        free(f->patrons[i]->fields[k].ct);
                free(f->patrons[i]->pays);
                free(f->patrons[i]->key_ids);
                free(f->patrons[i]);
        }
        for (size_t i = 0; i < f->n_items; i++) {
                free(f->items[i]->title);
                free(f->items[i]->loans);
                free(f->items[i]->holds);
                free(f->items[i]);
        }
        for (size_t i = 0; i < f->n_exc; i++)
                free(f->exc[i].loser);
        free(f->patrons);
        free(f->items);
        free(f->exc);
        free(f->index);
        if (f->map_live)
                hdestroy_r(&f->map);
}

static int fold_run_init(FoldRun *f, Fold *fold, size_t max_entities)
{
        *f = (FoldRun){ .fold = fold,
                        .j = fold->j,
                        .capacity = max_entities + 16,
                        .renew_limit = FOLD_RENEW_LIMIT_DEFAULT };
        /* Its exceptions are compared with the stored ones like any
         * entity's, so writing it back costs nothing when they are equal. */
        snprintf(f->global.key, sizeof f->global.key, "%s", ENTRY_GLOBAL_ENTITY);
        f->global.write = true;
        /* hsearch_r wants headroom to keep probe chains short. */
        if (!hcreate_r(f->capacity * 2, &f->map))
                return -ENOMEM;
        f->map_live = true;
        return 0;
}

/* Look up (or create) the entity with key "p:x"/"i:x". */
static void *entity_get(FoldRun *f, const char *key)
{
        ENTRY q = { .key = (char *)key }, *found;

        if (strcmp(key, ENTRY_GLOBAL_ENTITY) == 0)
                return &f->global;
        if (hsearch_r(q, FIND, &found, &f->map) && found)
                return found->data;
        if (f->n_entities >= f->capacity)
                return NULL; /* bounded by construction; see callers */
        if (key[0] == 'p') {
                PatronState *p = calloc(1, sizeof *p), **slot;
                if (!p)
                        return NULL;
                slot = grow(&f->patrons, &f->n_patrons, sizeof *slot);
                if (!slot) {
                        free(p);
                        return NULL;
                }
                *slot = p;
                snprintf(p->head.key, sizeof p->head.key, "%s", key);
                p->head.write = f->write_all;
                p->id = p->head.key + 2;
                q.key = p->head.key;
                q.data = p;
        } else {
                ItemState *it = calloc(1, sizeof *it), **slot;
                if (!it)
                        return NULL;
                slot = grow(&f->items, &f->n_items, sizeof *slot);
                if (!slot) {
                        free(it);
                        return NULL;
                }
                *slot = it;
                snprintf(it->head.key, sizeof it->head.key, "%s", key);
                it->barcode = it->head.key + 2;
                it->open = -1;
                it->head.write = true; /* every item in a run may change */
                q.key = it->head.key;
                q.data = it;
        }
        if (!hsearch_r(q, ENTER, &found, &f->map))
                return NULL;
        f->n_entities++;
        return q.data;
}

/* "<c>:<id>" into key (ENTRY_ID_MAX + 3 bytes); ids are at most ENTRY_ID_MAX. */
static void key_make(char *key, char c, const char *id)
{
        size_t len = strnlen(id, ENTRY_ID_MAX);

        key[0] = c;
        key[1] = ':';
        memcpy(key + 2, id, len);
        key[2 + len] = '\0';
}

static PatronState *patron_get(FoldRun *f, const char *id)
{
        char key[ENTRY_ID_MAX + 3];
        key_make(key, 'p', id);
        return entity_get(f, key);
}

static ItemState *item_get(FoldRun *f, const char *barcode)
{
        char key[ENTRY_ID_MAX + 3];
        key_make(key, 'i', barcode);
        return entity_get(f, key);
}

static void id_of(const Entry *e, EntryId *ret)
{
        memcpy(ret->origin, e->origin, ENTRY_ORIGIN_SIZE);
        ret->seq = e->seq;
}

static void id_format(const EntryId *id, char *buf, size_t size)
{
        char hex[2 * ENTRY_ORIGIN_SIZE + 1];
        sodium_bin2hex(hex, sizeof hex, id->origin, ENTRY_ORIGIN_SIZE);
        snprintf(buf, size, "%s:%llu", hex, (unsigned long long)id->seq);
}

static int exc_add(FoldRun *f, const EntityHead *owner, const Entry *e, FoldException code,
                   const char *detail, const EntryId *ref, const uint8_t *loser, size_t loser_len)
{
        Exc *x = grow(&f->exc, &f->n_exc, sizeof *x);

        if (!x)
                return -ENOMEM;
        *x = (Exc){ .owner = owner, .hlc = e->hlc, .code = code };
        id_of(e, &x->id);
        if (ref) {
                char idbuf[64];
                id_format(ref, idbuf, sizeof idbuf);
                size_t n = strlen(detail);
                /* "closed=<id>", "limit <id>" */
                snprintf(x->detail, sizeof x->detail, "%s%s%s", detail,
                         n > 0 && detail[n - 1] != '=' ? " " : "", idbuf);
        } else
                snprintf(x->detail, sizeof x->detail, "%s", detail);
        if (loser) {
                x->loser = malloc(loser_len);
                if (!x->loser)
                        return -ENOMEM;
                memcpy(x->loser, loser, loser_len);
                x->loser_len = loser_len;
        }
        return 0;
}

/* ---- patron-scoped entries ---- */

static int patron_set_fields(FoldRun *f, PatronState *p, const Entry *e)
{
        int r;

        for (size_t i = 0; i < e->n_fields; i++) {
                const EntryField *ef = &e->fields[i];
                FieldState *fs = &p->fields[ef->id];
                uint8_t *ct;

                /* The writer did not see the version it overwrites. Fold
                 * order makes this entry the later (hlc, origin): it wins,
                 * and the loser is kept in the exception. */
                if (fs->ct && fs->hlc != ef->base) {
                        char what[32];
                        snprintf(what, sizeof what, "field=%u loser=", ef->id);
                        r = exc_add(f, &p->head, e, EXC_CONCURRENT_EDIT, what, &fs->id, fs->ct, fs->len);
                        if (r < 0)
                                return r;
                }
                ct = realloc(fs->ct, ef->ct_len);
                if (!ct)
                        return -ENOMEM;
                memcpy(ct, ef->ct, ef->ct_len);
                fs->ct = ct;
                fs->len = ef->ct_len;
                fs->hlc = e->hlc;
                id_of(e, &fs->id);
        }
        return 0;
}

static int fold_patron_entry(FoldRun *f, PatronState *p, const Entry *e)
{
        int r;

        if (p->erased && e->kind != ENTRY_LOAN_ANONYMISE) {
                r = exc_add(f, &p->head, e, EXC_SUBJECT_ERASED, "", NULL, NULL, 0);
                if (r < 0)
                        return r;
        }
        switch (e->kind) {
        case ENTRY_PATRON_REGISTER:
        case ENTRY_PATRON_UPDATE:
                if (e->kind == ENTRY_PATRON_REGISTER)
                        p->registered = true;
                if (ENTRY_HAS(e, BODY_EXPIRY))
                        p->expiry = e->expiry;
                if (p->erased)
                        return 0; /* personal fields never return */
                if (ENTRY_HAS(e, BODY_KEY_ID)) {
                        memcpy(p->key_id, e->key_id, ENTRY_KEY_ID_SIZE);
                        p->has_key = true;
                }
                return patron_set_fields(f, p, e);
        case ENTRY_PATRON_BLOCK:
                p->blocked = true;
                return 0;
        case ENTRY_PATRON_UNBLOCK:
                p->blocked = false;
                return 0;
        case ENTRY_PATRON_ERASE:
                if (p->erased)
                        return 0;
                p->erased = true;
                p->erased_hlc = e->hlc;
                for (size_t k = 0; k < _PATRON_FIELD_MAX; k++) {
                        free(p->fields[k].ct);
                        p->fields[k] = (FieldState){ 0 };
                }
                return 0;
        case ENTRY_FINE:
                p->fines += e->amount;
                return 0;
        case ENTRY_PAYMENT: {
                PaymentRec *pay;
                for (size_t i = 0; i < p->n_pays; i++)
                        if (strcmp(p->pays[i].id, e->payment_id) == 0)
                                return exc_add(f, &p->head, e, EXC_DUPLICATE_PAYMENT,
                                               "first=", &p->pays[i].entry, NULL, 0);
                pay = grow(&p->pays, &p->n_pays, sizeof *pay);
                if (!pay)
                        return -ENOMEM;
                snprintf(pay->id, sizeof pay->id, "%s", e->payment_id);
                pay->amount = e->amount;
                id_of(e, &pay->entry);
                p->paid += e->amount;
                return 0;
        }
        case ENTRY_VISIT:
                p->visits++;
                p->last_visit = e->hlc;
                return 0;
        case ENTRY_LOAN_ANONYMISE:
                p->anon_cutoff = MAX(p->anon_cutoff, e->cutoff);
                return 0;
        default:
                return -EINVAL;
        }
}

/* ---- item-scoped entries ---- */

static Hold *first_active_hold(ItemState *it)
{
        for (size_t i = 0; i < it->n_holds; i++)
                if (it->holds[i].state == HOLD_ACTIVE)
                        return &it->holds[i];
        return NULL;
}

static Hold *active_hold_of(ItemState *it, PatronState *p)
{
        for (size_t i = 0; i < it->n_holds; i++)
                if (it->holds[i].state == HOLD_ACTIVE && it->holds[i].patron == p)
                        return &it->holds[i];
        return NULL;
}

static bool other_patron_holds(ItemState *it, PatronState *p)
{
        for (size_t i = 0; i < it->n_holds; i++)
                if (it->holds[i].state == HOLD_ACTIVE && it->holds[i].patron != p)
                        return true;
        return false;
}

/* Renew cur (p's open loan of it) to e's due date, unless it is over the
 * renewal limit or another patron waits for the item. */
static int fold_renew(FoldRun *f, ItemState *it, Loan *cur, PatronState *p, const Entry *e)
{
        assert(cur && cur->patron == p);
        if (cur->renewals >= f->renew_limit)
                return exc_add(f, &it->head, e, EXC_RENEW_BLOCKED, "limit", NULL, NULL, 0);
        if (other_patron_holds(it, p))
                return exc_add(f, &it->head, e, EXC_RENEW_BLOCKED, "hold", NULL, NULL, 0);
        cur->due = e->due;
        cur->renewals++;
        return 0;
}

static int fold_checkout(FoldRun *f, ItemState *it, PatronState *p, const Entry *e)
{
        Hold *h;
        Loan *l;
        int r;

        if (p->blocked || (p->expiry != 0 && p->expiry < hlc_ms(e->hlc))) {
                r = exc_add(f, &it->head, e, EXC_PATRON_BLOCKED_OVERRIDE, "", NULL, NULL, 0);
                if (r < 0)
                        return r;
        }
        if (it->open >= 0) {
                Loan *cur = &it->loans[it->open];
                /* Same patron: a renewal, under the renewal's rules. */
                if (cur->patron == p)
                        return fold_renew(f, it, cur, p, e);
                cur->end = e->hlc;
                cur->end_kind = LOAN_END_IMPLICIT;
                it->open = -1;
                it->last_end_checkin = false;
                r = exc_add(f, &it->head, e, EXC_IMPLICIT_CHECKIN, "closed=", &cur->id, NULL, 0);
                if (r < 0)
                        return r;
        }
        h = first_active_hold(it);
        if (h && h->patron != p) {
                h->retargets++;
                r = exc_add(f, &it->head, e, EXC_HOLD_RETARGETED, "hold=", &h->id, NULL, 0);
                if (r < 0)
                        return r;
        }
        h = active_hold_of(it, p);
        if (h)
                h->state = HOLD_FILLED;

        l = grow(&it->loans, &it->n_loans, sizeof *l);
        if (!l)
                return -ENOMEM;
        id_of(e, &l->id);
        l->start = e->hlc;
        l->due = e->due;
        l->patron = p;
        it->open = (ssize_t)(it->n_loans - 1);
        return 0;
}

static int fold_item_entry(FoldRun *f, ItemState *it, PatronState *p, const Entry *e)
{
        int r;

        if (!it->added && e->kind != ENTRY_ITEM_ADD) {
                r = exc_add(f, &it->head, e, EXC_ITEM_UNKNOWN, "", NULL, NULL, 0);
                if (r < 0)
                        return r;
        }
        if (p && p->erased) {
                r = exc_add(f, &it->head, e, EXC_SUBJECT_ERASED, "", NULL, NULL, 0);
                if (r < 0)
                        return r;
        }
        switch (e->kind) {
        case ENTRY_ITEM_ADD:
        case ENTRY_ITEM_UPDATE:
                if (e->kind == ENTRY_ITEM_ADD)
                        it->added = true;
                if (ENTRY_HAS(e, BODY_TITLE)) {
                        char *t = strdup(e->title);
                        if (!t)
                                return -ENOMEM;
                        free(it->title);
                        it->title = t;
                }
                return 0;
        case ENTRY_ITEM_WITHDRAW:
                it->withdrawn = true;
                return 0;
        case ENTRY_CHECKOUT:
                return fold_checkout(f, it, p, e);
        case ENTRY_CHECKIN:
                if (it->open >= 0) {
                        it->loans[it->open].end = e->hlc;
                        it->loans[it->open].end_kind = LOAN_END_CHECKIN;
                        it->open = -1;
                        it->last_end_checkin = true;
                        return 0;
                }
                /* A duplicate checkin is explained by the one that ended the
                 * last loan; anything else is worth a look. */
                if (it->last_end_checkin)
                        return 0;
                return exc_add(f, &it->head, e, EXC_CHECKIN_NOT_ON_LOAN, "", NULL, NULL, 0);
        case ENTRY_RENEW: {
                Loan *cur = it->open >= 0 ? &it->loans[it->open] : NULL;
                if (!cur || cur->patron != p)
                        return exc_add(f, &it->head, e, EXC_RENEW_AFTER_RETURN, "", NULL, NULL, 0);
                return fold_renew(f, it, cur, p, e);
        }
        case ENTRY_HOLD_PLACE: {
                Hold *h;
                if (active_hold_of(it, p))
                        return 0;
                h = grow(&it->holds, &it->n_holds, sizeof *h);
                if (!h)
                        return -ENOMEM;
                id_of(e, &h->id);
                h->placed = e->hlc;
                h->patron = p;
                h->state = HOLD_ACTIVE;
                return 0;
        }
        case ENTRY_HOLD_CANCEL: {
                Hold *h = active_hold_of(it, p);
                if (h)
                        h->state = HOLD_CANCELLED;
                return 0;
        }
        default:
                return -EINVAL;
        }
}

/* Remember a key id that protected some of p's fields (once). */
static int patron_note_key(PatronState *p, const uint8_t key_id[ENTRY_KEY_ID_SIZE])
{
        uint8_t(*slot)[ENTRY_KEY_ID_SIZE];

        for (size_t i = 0; i < p->n_key_ids; i++)
                if (memcmp(p->key_ids[i], key_id, ENTRY_KEY_ID_SIZE) == 0)
                        return 0;
        slot = grow(&p->key_ids, &p->n_key_ids, sizeof *slot);
        if (!slot)
                return -ENOMEM;
        memcpy(*slot, key_id, ENTRY_KEY_ID_SIZE);
        return 0;
}

/* Fold e into the entity it belongs to; ix gets that entity and the link. */
static int fold_entry(FoldRun *f, const Entry *e, bool refused, IndexRow *ix)
{
        int r;

        if (entry_kind_is_global(e->kind)) {
                ix->owner = &f->global;
                if (refused)
                        return exc_add(f, &f->global, e, EXC_QUARANTINED, "unauthorized", NULL, NULL, 0);
                assert(e->kind == ENTRY_FOLD_PARAMS && e->renew_limit <= ENTRY_RENEW_LIMIT_MAX);
                f->renew_limit = (unsigned)e->renew_limit;
                return 0;
        }
        if (entry_kind_is_patron_scoped(e->kind)) {
                PatronState *p = patron_get(f, e->patron);
                if (!p)
                        return -ENOMEM;
                ix->owner = &p->head;
                p->seen = true;
                /* Before any rule can skip the entry: an erasure must reach
                 * every key that ever protected the patron's fields, from
                 * entries folded before it, after it, or refused. */
                if (ENTRY_HAS(e, BODY_KEY_ID)) {
                        r = patron_note_key(p, e->key_id);
                        if (r < 0)
                                return r;
                }
                if (refused)
                        return exc_add(f, &p->head, e, EXC_QUARANTINED, "unauthorized", NULL, NULL, 0);
                return fold_patron_entry(f, p, e);
        } else {
                ItemState *it = item_get(f, e->item);
                PatronState *p = NULL;
                if (!it)
                        return -ENOMEM;
                ix->owner = &it->head;
                it->seen = true;
                /* The patron is looked up before the refusal check: the
                 * index links it to the item either way. */
                if (ENTRY_HAS(e, BODY_PATRON)) {
                        p = patron_get(f, e->patron);
                        if (!p)
                                return -ENOMEM;
                        ix->link = p;
                }
                if (refused)
                        return exc_add(f, &it->head, e, EXC_QUARANTINED, "unauthorized", NULL, NULL, 0);
                return fold_item_entry(f, it, p, e);
        }
}

/* ---- loading ---- */

static int ref_cmp(const void *a, const void *b)
{
        const Ref *x = a, *y = b;
        int c;

        if (x->hlc != y->hlc)
                return x->hlc < y->hlc ? -1 : 1;
        c = memcmp(x->id.origin, y->id.origin, ENTRY_ORIGIN_SIZE);
        if (c != 0)
                return c;
        return x->id.seq < y->id.seq ? -1 : x->id.seq > y->id.seq;
}

typedef struct RefList {
        Ref *v;
        size_t n;
} RefList;

static int refs_add_rows(sqlite3_stmt *st, RefList *refs)
{
        int r;

        while ((r = db_step(st)) == 1) {
                Ref *x = grow(&refs->v, &refs->n, sizeof *x);
                if (!x)
                        return -ENOMEM;
                x->hlc = (uint64_t)sqlite3_column_int64(st, 0);
                if (sqlite3_column_bytes(st, 1) != ENTRY_ORIGIN_SIZE)
                        return -EUCLEAN;
                memcpy(x->id.origin, sqlite3_column_blob(st, 1), ENTRY_ORIGIN_SIZE);
                x->id.seq = (uint64_t)sqlite3_column_int64(st, 2);
                x->jid = sqlite3_column_int64(st, 3);
        }
        return r;
}

static int fold_refs_read(FoldRun *f, const RefList *refs, sqlite3_stmt *st);

/* Fold the entries in refs (sorted here) into f. The bytes come from one
 * cursor over the journal in id order: where fold order follows append
 * order (the common case, and all of a single-origin rebuild) the next
 * entry is the cursor's next row, read without a fresh B-tree descent. */
static int fold_refs(FoldRun *f, RefList *refs)
{
        sqlite3_stmt *st = f->fold->bytes_by_id;
        int r;

        /* A journal appended in clock order is read in fold order already. */
        for (size_t i = 1; i < refs->n; i++)
                if (ref_cmp(&refs->v[i - 1], &refs->v[i]) > 0) {
                        qsort(refs->v, refs->n, sizeof *refs->v, ref_cmp);
                        break;
                }
        r = fold_refs_read(f, refs, st);
        sqlite3_reset(st);
        return r;
}

static int fold_refs_read(FoldRun *f, const RefList *refs, sqlite3_stmt *st)
{
        int64_t at = -1; /* id of the cursor's current row; -1 if not positioned */
        IndexRow ix;
        Entry e;
        int r;

        for (size_t i = 0; i < refs->n; i++) {
                int64_t want = refs->v[i].jid;

                r = 0;
                if (at >= 0 && want == at + 1) {
                        r = db_step(st);
                        if (r < 0)
                                return r;
                        if (r == 1 && sqlite3_column_int64(st, 0) != want)
                                r = 0;
                }
                if (r == 0) {
                        sqlite3_reset(st);
                        r = db_bind_int64(st, 1, want);
                        if (r >= 0)
                                r = db_step(st);
                        if (r < 0)
                                return r;
                        if (r == 0 || sqlite3_column_int64(st, 0) != want)
                                return -EUCLEAN;
                }
                at = want;
                /* Stored entries were verified on the way in; a decode
                 * failure here means the database was damaged. */
                if (entry_decode_stored(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                                        &e) < 0)
                        return -EUCLEAN;
                ix = (IndexRow){ .jid = want };
                r = fold_entry(f, &e, sqlite3_column_int(st, 2) != 0, &ix);
                if (r < 0)
                        return r;
                if (f->index)
                        f->index[i] = ix;
        }
        return 0;
}

/* ---- entry points ---- */

/* A set of entity keys: appended freely, then sorted and deduplicated. */
typedef struct KeySet {
        char **v;
        size_t n;
} KeySet;

static void keyset_done(KeySet *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
}

static int keyset_add(KeySet *s, const char *key)
{
        char *copy, **slot;

        copy = strdup(key);
        if (!copy)
                return -ENOMEM;
        slot = grow(&s->v, &s->n, sizeof *slot);
        if (!slot) {
                free(copy);
                return -ENOMEM;
        }
        *slot = copy;
        return 0;
}

static int str_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keyset_unique(KeySet *s)
{
        size_t out = 0;

        if (s->n == 0)
                return;
        qsort(s->v, s->n, sizeof *s->v, str_cmp);
        for (size_t i = 1; i < s->n; i++) {
                if (strcmp(s->v[i], s->v[out]) == 0)
                        free(s->v[i]);
                else
                        s->v[++out] = s->v[i];
        }
        s->n = out + 1;
}

/* Add "<prefix><column 0>" for every row of st to s. */
static int keyset_add_rows(KeySet *s, sqlite3_stmt *st, const char *prefix)
{
        char key[ENTRY_ID_MAX + 3];
        int r;

        while ((r = db_step(st)) == 1) {
                snprintf(key, sizeof key, "%s%s", prefix, (const char *)sqlite3_column_text(st, 0));
                r = keyset_add(s, key);
                if (r < 0)
                        break;
        }
        sqlite3_reset(st);
        return r < 0 ? r : 0;
}

/* Whether a patron entry can change how that patron's item entries fold:
 * the item fold reads blocked, expiry, erased and the anonymisation cutoff. */
static bool patron_entry_affects_items(const Entry *e)
{
        switch (e->kind) {
        case ENTRY_PATRON_BLOCK:
        case ENTRY_PATRON_UNBLOCK:
        case ENTRY_PATRON_ERASE:
        case ENTRY_LOAN_ANONYMISE:
                return true;
        case ENTRY_PATRON_REGISTER:
        case ENTRY_PATRON_UPDATE:
                return ENTRY_HAS(e, BODY_EXPIRY);
        default:
                return false;
        }
}

Fold *fold_free(Fold *fold)
{
        if (!fold)
                return NULL;
        fold_writer_free(fold->writer);
        sqlite3_finalize(fold->bytes_by_id);
        sqlite3_finalize(fold->items_of);
        sqlite3_finalize(fold->patrons_of);
        sqlite3_finalize(fold->refs_of);
        free(fold);
        return NULL;
}

int fold_new(Journal *j, Fold **ret)
{
        _cleanup_(fold_freep) Fold *fold = NULL;
        int r;

        assert_return(j && ret, -EINVAL);
        fold = calloc(1, sizeof *fold);
        if (!fold)
                return -ENOMEM;
        fold->j = j;
        r = db_prepare(j->db, "SELECT id, bytes, refused FROM journal WHERE id >= ? ORDER BY id;",
                       &fold->bytes_by_id);
        if (r >= 0)
                r = db_prepare(j->db, "SELECT item FROM patron_item WHERE patron = ?;", &fold->items_of);
        if (r >= 0)
                r = db_prepare(
                        j->db,
                        "SELECT DISTINCT link FROM entity_entry WHERE entity = ? AND link IS NOT NULL;",
                        &fold->patrons_of);
        if (r >= 0)
                r = db_prepare(j->db,
                               "SELECT j.hlc, j.origin, j.seq, j.id FROM entity_entry AS e "
                               "JOIN journal AS j ON j.id = e.jid WHERE e.entity = ?;",
                               &fold->refs_of);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(fold);
        return 0;
}

int fold_apply(Fold *fold, const int64_t *ids, size_t n)
{
        Journal *j = fold ? fold->j : NULL;
        sqlite3_stmt *items_of, *patrons_of, *refs_of;
        _cleanup_stmt_ sqlite3_stmt *all_items = NULL;
        KeySet keys = { 0 }, expand = { 0 }, direct_patrons = { 0 };
        RefList refs = { 0 };
        FoldRun f = { 0 };
        bool params_changed = false;
        size_t n_direct;
        Entry e;
        int r;

        assert_return(fold && (ids || n == 0), -EINVAL);
        if (n == 0)
                return 0;
        items_of = fold->items_of;
        patrons_of = fold->patrons_of;
        refs_of = fold->refs_of;
        r = journal_index_catch_up(j);
        if (r < 0)
                goto out;

        /* 1. The entities the new entries belong to; for patron entries that
         *    change how item entries fold, every item the patron touched. */
        for (size_t i = 0; i < n; i++) {
                JournalRow row;
                char key[ENTRY_ID_MAX + 3];

                r = journal_row_by_id(j, ids[i], &row);
                if (r == 0)
                        r = -ENOENT;
                if (r < 0)
                        goto out;
                r = entry_decode_stored(row.bytes, row.size, &e) < 0 ? -EUCLEAN : 0;
                sqlite3_reset(j->by_id);
                if (r < 0)
                        goto out;
                entry_entity_key(&e, key, sizeof key);
                r = keyset_add(&keys, key);
                if (r < 0)
                        goto out;
                params_changed = params_changed || entry_kind_is_global(e.kind);
                if (key[0] == 'p') {
                        r = keyset_add(&direct_patrons, key);
                        if (r < 0)
                                goto out;
                }
                if (patron_entry_affects_items(&e)) {
                        r = keyset_add(&expand, e.patron);
                        if (r < 0)
                                goto out;
                }
        }
        keyset_unique(&expand);
        keyset_unique(&direct_patrons);
        /* The parameters in force at each entry's HLC are an input of every
         * run; a change of them (rare) can change how any item folds. */
        r = keyset_add(&keys, ENTRY_GLOBAL_ENTITY);
        if (r < 0)
                goto out;
        if (params_changed) {
                r = db_prepare(j->db,
                               "SELECT DISTINCT substr(entity, 3) FROM entity_entry "
                               "WHERE entity >= 'i:' AND entity < 'i;';",
                               &all_items);
                if (r >= 0)
                        r = keyset_add_rows(&keys, all_items, "i:");
                if (r < 0)
                        goto out;
        }
        for (size_t i = 0; i < expand.n; i++) {
                r = db_bind_text(items_of, 1, expand.v[i]);
                if (r >= 0)
                        r = keyset_add_rows(&keys, items_of, "i:");
                if (r < 0)
                        goto out;
        }
        /* 2. The patrons named by the affected items' entries: their state at
         *    event time is an input of the item fold. */
        keyset_unique(&keys);
        n_direct = keys.n;
        for (size_t i = 0; i < n_direct; i++) {
                if (keys.v[i][0] != 'i')
                        continue;
                /* keys.v may move as keys grow; the strings do not. */
                r = db_bind_text(patrons_of, 1, keys.v[i]);
                if (r >= 0)
                        r = keyset_add_rows(&keys, patrons_of, "p:");
                if (r < 0)
                        goto out;
        }
        keyset_unique(&keys);
        /* 3. Their entries, folded in order, written back. */
        for (size_t i = 0; i < keys.n; i++) {
                r = db_bind_text(refs_of, 1, keys.v[i]);
                if (r >= 0)
                        r = refs_add_rows(refs_of, &refs);
                sqlite3_reset(refs_of);
                if (r < 0)
                        goto out;
        }
        r = fold_run_init(&f, fold, keys.n + 2 * refs.n);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < keys.n; i++) {
                EntityHead *h = entity_get(&f, keys.v[i]);
                if (!h) {
                        r = -ENOMEM;
                        goto out;
                }
                /* A patron with no new entry of its own is folded only as
                 * an input of its items: its state cannot have changed. */
                if (h->key[0] == 'p')
                        h->write = direct_patrons.n > 0 &&
                                   bsearch(&keys.v[i], direct_patrons.v, direct_patrons.n, sizeof(char *),
                                           str_cmp) != NULL;
        }
        r = fold_refs(&f, &refs);
        if (r < 0)
                goto out;
        r = fold_write_back(&f, true);
out:
        fold_run_done(&f);
        keyset_done(&keys);
        keyset_done(&expand);
        keyset_done(&direct_patrons);
        free(refs.v);
        return r;
}

int64_t fold_rebuild(Fold *fold)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        Journal *j = fold ? fold->j : NULL;
        RefList refs = { 0 };
        FoldRun f = { 0 };
        int r;

        assert_return(fold, -EINVAL);
        assert_return(!sqlite3_get_autocommit(j->db), -EINVAL); /* inside the caller's transaction */
        r = db_exec(j->db, "DELETE FROM patron; DELETE FROM patron_field; DELETE FROM account;"
                           "DELETE FROM payment; DELETE FROM item; DELETE FROM loan; DELETE FROM hold;"
                           "DELETE FROM exception;");
        if (r < 0)
                goto out;
        r = db_prepare(j->db, "SELECT hlc, origin, seq, id FROM journal;", &st);
        if (r < 0)
                goto out;
        r = refs_add_rows(st, &refs);
        if (r < 0)
                goto out;
        r = fold_run_init(&f, fold, 2 * refs.n);
        if (r < 0)
                goto out;
        f.write_all = true;
        f.index = calloc(refs.n + 1, sizeof *f.index);
        if (!f.index) {
                r = -ENOMEM;
                goto out;
        }
        r = fold_refs(&f, &refs);
        if (r < 0)
                goto out;
        r = fold_write_back(&f, false);
        if (r < 0)
                goto out;
        r = fold_index_write(&f, refs.n);
out:
        fold_run_done(&f);
        free(refs.v);
        return r < 0 ? r : (int64_t)refs.n;
}

int fold_digest(Journal *j, uint8_t ret[32])
{
        static const char *const queries[] = {
                "SELECT * FROM patron ORDER BY id;",
                "SELECT * FROM patron_field ORDER BY patron, field;",
                "SELECT * FROM account ORDER BY patron;",
                "SELECT * FROM payment ORDER BY patron, payment_id;",
                "SELECT * FROM item ORDER BY barcode;",
                "SELECT * FROM loan ORDER BY item, origin, seq;",
                "SELECT * FROM hold ORDER BY item, origin, seq;",
                "SELECT * FROM exception ORDER BY entity, hlc, origin, seq, code, detail;",
        };
        crypto_generichash_state h;
        int r = 0;

        assert_return(j && ret, -EINVAL);
        crypto_generichash_init(&h, NULL, 0, 32);
        for (size_t q = 0; q < ELEMENTSOF(queries); q++) {
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                uint8_t tag = (uint8_t)q;

                r = db_prepare(j->db, queries[q], &st);
                if (r < 0)
                        return r;
                crypto_generichash_update(&h, &tag, 1);
                while ((r = db_step(st)) == 1) {
                        int cols = sqlite3_column_count(st);
                        for (int c = 0; c < cols; c++) {
                                uint8_t type = (uint8_t)sqlite3_column_type(st, c);
                                uint64_t len, le;
                                crypto_generichash_update(&h, &type, 1);
                                if (type == SQLITE_INTEGER) {
                                        uint64_t v = htole64((uint64_t)sqlite3_column_int64(st, c));
                                        crypto_generichash_update(&h, (const uint8_t *)&v, sizeof v);
                                } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
                                        const void *p = type == SQLITE_TEXT
                                                                ? (const void *)sqlite3_column_text(st, c)
                                                                : sqlite3_column_blob(st, c);
                                        len = (uint64_t)sqlite3_column_bytes(st, c);
                                        le = htole64(len);
                                        crypto_generichash_update(&h, (const uint8_t *)&le, sizeof le);
                                        if (len)
                                                crypto_generichash_update(&h, p, len);
                                }
                        }
                }
                if (r < 0)
                        return r;
        }
        crypto_generichash_final(&h, ret, 32);
        return 0;
}
