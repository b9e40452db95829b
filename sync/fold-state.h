/* The fold's in-memory state, shared by the rules and loading (fold.c) and
 * the store writer (fold-store.c). Private to sync/. */
#pragma once

#include <search.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/entry.h"
#include "sync/fold-internal.h"
#include "sync/journal-internal.h"

typedef struct FoldWriter FoldWriter;
void fold_writer_free(FoldWriter *w);

/* The fold's own statements (fold-internal.h). */
struct Fold {
        Journal *j;
        FoldWriter *writer; /* fold-store.c's, prepared on first use */
        sqlite3_stmt *bytes_by_id, *items_of, *patrons_of, *refs_of;
};

typedef struct EntryId {
        uint8_t origin[ENTRY_ORIGIN_SIZE];
        uint64_t seq;
} EntryId;

typedef struct FieldState {
        uint8_t *ct;
        size_t len;
        uint64_t hlc;
        EntryId id;
} FieldState;

typedef struct PaymentRec {
        char id[ENTRY_ID_MAX + 1];
        uint64_t amount;
        EntryId entry;
} PaymentRec;

/* What every entity state starts with. */
typedef struct EntityHead {
        char key[ENTRY_ID_MAX + 3]; /* "p:<id>" or "i:<barcode>" */
        bool write; /* written back at the end of the run */
        size_t rank; /* position in key order, set by fold_write_back */
} EntityHead;

typedef struct PatronState {
        EntityHead head;
        const char *id;
        bool seen, registered, blocked, erased, has_key;
        uint8_t key_id[ENTRY_KEY_ID_SIZE];
        uint64_t expiry, erased_hlc, visits, last_visit, anon_cutoff;
        uint64_t fines, paid;
        FieldState fields[_PATRON_FIELD_MAX];
        PaymentRec *pays;
        size_t n_pays;
        /* Every key id any entry of this patron named, in any fold order
         * and refused entries included: erasure destroys all of them. */
        uint8_t (*key_ids)[ENTRY_KEY_ID_SIZE];
        size_t n_key_ids;
} PatronState;

typedef struct Loan {
        EntryId id;
        uint64_t start, due, end;
        int end_kind;
        unsigned renewals;
        PatronState *patron;
} Loan;

typedef struct Hold {
        EntryId id;
        uint64_t placed;
        PatronState *patron;
        int state;
        unsigned retargets;
} Hold;

typedef struct ItemState {
        EntityHead head;
        const char *barcode;
        bool seen, added, withdrawn, last_end_checkin;
        char *title;
        Loan *loans;
        size_t n_loans;
        ssize_t open; /* index of the open loan, -1 if none */
        Hold *holds;
        size_t n_holds;
} ItemState;

typedef struct Exc {
        const EntityHead *owner; /* the entity it belongs to */
        uint64_t hlc;
        EntryId id;
        int code;
        char detail[96];
        uint8_t *loser;
        size_t loser_len;
} Exc;

/* What the entity index records of a folded entry: its entity, the patron
 * an item entry names (the link), and its journal row. */
typedef struct IndexRow {
        const EntityHead *owner;
        const PatronState *link;
        int64_t jid;
} IndexRow;

typedef struct FoldRun {
        Fold *fold;
        Journal *j;
        /* The node-wide entity (ENTRY_GLOBAL_ENTITY): the fold parameters.
         * Every run folds its entries, in order with the rest, so each
         * entry sees the parameters in force at its HLC. */
        EntityHead global;
        unsigned renew_limit;
        bool write_all; /* a full rebuild: every entity is written */
        /* A rebuild rewrites the entity index from what it folds: one row
         * per entry, in fold order. NULL otherwise. */
        IndexRow *index;
        struct hsearch_data map;
        bool map_live;
        size_t capacity, n_entities;
        PatronState **patrons;
        size_t n_patrons;
        ItemState **items;
        size_t n_items;
        Exc *exc;
        size_t n_exc;
} FoldRun;

/* Grow *array (of elem bytes, n used) by one slot; returns it zeroed. */
static inline void *grow(void *array_p, size_t *n, size_t elem)
{
        void **array = array_p;
        void *p;

        /* Double at powers of two: amortised O(1) without a capacity field. */
        if ((*n & (*n - 1)) == 0) {
                p = realloc(*array, (*n ? *n * 2 : 1) * elem);
                if (!p)
                        return NULL;
                *array = p;
        }
        p = (uint8_t *)*array + (*n)++ * elem;
        memset(p, 0, elem);
        return p;
}

/* Write the run's entities back (those marked write) and rank all of them
 * in key order. incremental: the store holds earlier rows of these
 * entities; each table's rows are replaced only where they differ. Otherwise
 * (a rebuild, state tables emptied) everything is inserted. Returns 0 or
 * -errno. */
int fold_write_back(FoldRun *f, bool incremental);

/* After fold_write_back of a rebuild: replace the entity index with the n
 * rows in f->index. Returns 0 or -errno. */
int fold_index_write(FoldRun *f, size_t n);
