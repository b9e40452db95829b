/* The fold as the store drives it (sync/store.c): journal -> fold ->
 * exchange -> store. Private to sync/. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sync/fold.h"
#include "sync/journal-internal.h"

typedef struct Fold Fold;

/* A fold over j's entries (j borrowed; it must outlive the fold). The
 * fold's statements are prepared here and owned by it. Returns 0 or
 * -errno. */
int fold_new(Journal *j, Fold **ret);
Fold *fold_free(Fold *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(Fold *, fold_free);

/* Fold newly stored journal rows (ids from journal_append_locked or the
 * exchange) into the materialised state, re-folding only the entities they
 * affect, and destroy the keys of patrons erased by then. Must run in the
 * transaction that stored them. Returns 0 or -errno; on failure the caller
 * rolls back. */
int fold_apply(Fold *f, const int64_t *ids, size_t n);

/* Drop the materialised state and fold every stored entry again, in the
 * caller's transaction. Returns the number of entries folded or -errno. */
int64_t fold_rebuild(Fold *f);
