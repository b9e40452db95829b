/* The exchange as the store drives it (sync/store.c). Private to sync/. */
#pragma once

#include "sync/exchange.h"
#include "sync/journal-internal.h"

/* Verify and store a received batch inside the caller's open transaction
 * (sync_store_apply folds and commits): per origin, the device must be
 * known, the run contiguous and linked and its every signature valid (the
 * run is cut before the first bad one), and each entry new, not revoked,
 * not too far ahead of clock (its skew bound), linking to our tip or held
 * in the pending table until a gap fills; the authorizer's refusals are
 * stored marked refused. clock is merged with every stored entry; now_ms is
 * the receiver's wall clock. results (b->n slots) gets one outcome per
 * batch entry, in batch order; the stored rows' ids are appended to ids.
 * Returns the number of entries applied (including released held ones), or
 * -errno; the caller rolls back on failure. */
int exchange_apply_locked(Journal *j, const SyncTrust *trust, Hlc *clock, uint64_t now_ms, const Batch *b,
                          ExchangeResult *results, JournalIds *ids);
