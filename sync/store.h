/* A node's sync store: the one entry point that changes it. The layers
 * below it each own their tables and statements:
 *
 *   journal  (journal.h)   the signed, hash-chained entries, version vector,
 *                          quarantine and the entity index
 *   fold     (fold.h)      the materialised state and exception list, a pure
 *                          function of the entries; erasure shreds keys here
 *   exchange (exchange.h)  version vectors, batches, verification of
 *                          received entries, the pending table
 *   store    (this file)   append or apply, fold, commit: one transaction
 *
 * Every call that changes the store stores the entries, folds them
 * (destroying the keys of patrons erased by then) and commits, or changes
 * nothing; it is durable on return (lib/db.c: WAL, synchronous=FULL). Reads
 * go to the journal (sync_store_journal) and the fold state. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "lib/macro.h"
#include "sync/entry.h"
#include "sync/exchange.h"
#include "sync/hlc.h"
#include "sync/journal.h"

typedef struct SyncStore SyncStore;

/* Open the sync store on db (borrowed; it must outlive the store), creating
 * or upgrading the schema. Returns 0 or -errno (-EPROTONOSUPPORT for a
 * database written by newer code). */
int sync_store_open(sqlite3 *db, SyncStore **ret);
SyncStore *sync_store_free(SyncStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(SyncStore *, sync_store_free);

sqlite3 *sync_store_db(SyncStore *s);
/* The journal underneath, for reads: ranges, tips, the version vector,
 * batches for a peer, chain verification, the quarantine. */
Journal *sync_store_journal(SyncStore *s);

typedef enum SyncAppendFlags {
        /* Refuse the whole append (-EACCES, nothing stored) if trust refuses
         * an entry, instead of storing that entry as refused (below). */
        SYNC_APPEND_REFUSE_UNAUTHORIZED = 1 << 0,
        /* A bulk import: store without folding. The state is stale until
         * sync_store_rebuild(); only for loading a journal in bulk. */
        SYNC_APPEND_NO_FOLD = 1 << 1,
} SyncAppendFlags;

/* Append n entries from the signer's origin in one transaction: fills in
 * origin, seq, hlc (from clock at now_ms) and prev of each, encodes, hashes
 * and signs chain heads (journal.h), stores them, folds them and commits.
 *
 * trust->authorize (trust may be NULL: no authorizer, everyone may) decides
 * each entry as every receiver will (sync_store_apply): an entry it refuses
 * is stored and chained but marked refused, quarantined as UNAUTHORIZED and
 * folded as a QUARANTINED exception, exactly as receivers fold it, so the
 * origin's state never differs from theirs; with
 * SYNC_APPEND_REFUSE_UNAUTHORIZED the append fails with -EACCES instead.
 *
 * On failure nothing is stored and the clock may have advanced (harmless).
 * Returns the seq of the last entry, or -errno (-EINVAL for an entry that
 * breaks the schema, -E2BIG for more than JOURNAL_APPEND_MAX entries). */
int64_t sync_store_append(SyncStore *s, const JournalSigner *signer, const SyncTrust *trust, Hlc *clock,
                          uint64_t now_ms, Entry *entries, size_t n, SyncAppendFlags flags);

/* Verify, store and fold a received batch (exchange.h), in one transaction.
 * clock is merged with every accepted entry; now_ms is the receiver's wall
 * clock (the CLOCK_SKEW bound is clock->max_skew_ms). results (b->n slots)
 * receives one outcome per batch entry, in batch order. Idempotent: a
 * resend stores nothing new. Returns the number of entries applied
 * (including released held ones), or -errno with nothing stored. */
int sync_store_apply(SyncStore *s, const SyncTrust *trust, Hlc *clock, uint64_t now_ms, const Batch *b,
                     ExchangeResult *results);

/* Drop the materialised state and fold every stored entry again, in one
 * transaction. Returns the number of entries folded or -errno. */
int64_t sync_store_rebuild(SyncStore *s);

/* The state digest (fold_digest). Returns 0 or -errno. */
int sync_store_digest(SyncStore *s, uint8_t ret[32]);
