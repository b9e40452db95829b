/* Anti-entropy exchange, independent of the transport.
 *
 * Each node keeps a version vector: per origin, the highest contiguous seq it
 * holds. Given the peer's vector, exchange_batch_build() picks what the peer
 * lacks, in one bounded batch, each origin's run ending on a signed entry so
 * the receiver can authenticate it. The receiver verifies every signature of
 * a run and stores only verified ones, cutting the run before the first bad
 * one, so that it can always serve what it holds in runs that end on the
 * origin's own signatures. exchange_apply() verifies and stores a
 * received batch and folds what it stored, in one transaction; it is
 * idempotent (a resend reports DUPLICATE), resumable (the next batch starts
 * from the acked vector) and reports an outcome per entry. An entry whose
 * predecessor is missing is HELD (kept, authenticated, in the pending table)
 * and released when the gap fills; a refused entry is QUARANTINED with its
 * reason and holds back its origin's later entries.
 *
 * Batch wire format (CBOR): [ version=1, [ [entry: bstr, sig: bstr(64) / null], ... ] ].
 * Within a batch each origin's entries are ascending and contiguous. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync/entry.h"
#include "sync/hlc.h"
#include "sync/journal.h"

#define EXCHANGE_BATCH_MAX_ENTRIES 4096
#define EXCHANGE_BATCH_MAX_BYTES (4u * 1024 * 1024)

typedef struct VersionVectorEntry {
        uint8_t origin[ENTRY_ORIGIN_SIZE];
        uint64_t seq;
} VersionVectorEntry;

typedef struct VersionVector {
        VersionVectorEntry *v; /* sorted by origin */
        size_t n;
} VersionVector;

/* The journal's version vector. Returns 0 or -errno. */
int version_vector_get(Journal *j, VersionVector *ret);
void version_vector_done(VersionVector *vv);
/* The seq recorded for origin, 0 if none. */
uint64_t version_vector_seq(const VersionVector *vv, const uint8_t origin[ENTRY_ORIGIN_SIZE]);

typedef struct BatchEntry {
        uint8_t *bytes;
        size_t size;
        bool has_sig;
        uint8_t sig[ENTRY_SIG_SIZE];
} BatchEntry;

typedef struct Batch {
        BatchEntry *e;
        size_t n;
} Batch;

void batch_done(Batch *b);

/* Append a copy of one entry (and its signature, may be NULL). */
int batch_add(Batch *b, const uint8_t *bytes, size_t size, const uint8_t *sig);

/* The entries this journal holds and the peer (vector `peer`) lacks, at most
 * max_entries and about max_bytes (0: the EXCHANGE_* limits). Each origin's
 * run ends on a signed entry; a run that cannot (its next signature lies
 * beyond the limits) is left for a later batch. An empty batch means the
 * peer is up to date. Returns 0 or -errno. */
int exchange_batch_build(Journal *j, const VersionVector *peer, size_t max_entries, size_t max_bytes,
                         Batch *ret);

/* Serialise / parse a batch. The decoder bounds the entry count, each entry's
 * size (ENTRY_MAX_SIZE) and the total (EXCHANGE_BATCH_MAX_BYTES), and refuses
 * anything else with -EBADMSG (-EPROTONOSUPPORT for another version). */
int exchange_batch_encode(const Batch *b, uint8_t **ret, size_t *ret_size);
int exchange_batch_decode(const uint8_t *data, size_t size, Batch *ret);

typedef enum ExchangeOutcome {
        OUTCOME_APPLIED = 1,
        OUTCOME_DUPLICATE,
        OUTCOME_HELD,
        OUTCOME_QUARANTINED,
} ExchangeOutcome;

typedef struct ExchangeResult {
        uint8_t origin[ENTRY_ORIGIN_SIZE]; /* zeros if undecodable */
        uint64_t seq;
        ExchangeOutcome outcome;
        QuarantineReason reason; /* for QUARANTINED */
} ExchangeResult;

const char *exchange_outcome_to_string(ExchangeOutcome o);

/* Received batches are verified, stored and folded through the store:
 * sync_store_apply() (sync/store.h). */
