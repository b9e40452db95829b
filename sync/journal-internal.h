/* Private parts of the journal, shared by fold.c and exchange.c. */
#pragma once

#include "lib/db-inserter.h"
#include "sync/journal.h"

typedef struct FoldWriter FoldWriter;
void fold_writer_free(FoldWriter *w);

struct Journal {
        sqlite3 *db;
        FoldWriter *writer; /* fold.c's statements, prepared on first use */
        sqlite3_stmt *insert, *tip_get, *tip_set, *quarantine, *hash_at, *range, *by_id;
        sqlite3_stmt *pend_put, *pend_get, *pend_del; /* exchange.c */
        sqlite3_stmt *bytes_by_id; /* fold.c */
        sqlite3_stmt *quarantine_trim;
        DbInserter *index_entries, *index_links; /* journal_index_rewrite */
};

/* Insert one decoded, already verified entry (the entity index follows in
 * journal_index_catch_up()).
 * Inside an open transaction; the version vector is the caller's business
 * (journal_set_tip). Returns 0 and the journal row id, or -errno. */
int journal_insert_locked(Journal *j, const Entry *e, const uint8_t *bytes, size_t size,
                          const uint8_t hash[ENTRY_HASH_SIZE], const uint8_t *sig, bool refused,
                          int64_t *ret_id);

/* Bring the entity index (entity_entry, patron_item) up to date with every
 * stored entry, in sorted bulk. Inside an open transaction; idempotent.
 * The fold calls it before it reads the index. Returns 0 or -errno. */
int journal_index_catch_up(Journal *j);

/* Replace the entity index with n_entries (entity, jid, link) rows and n_links
 * (patron, item) rows, each in primary-key order and without duplicates,
 * and mark it complete: a rebuild derives both from what it folds instead
 * of another pass over the journal. Inside an open transaction. Returns 0
 * or -errno. */
int journal_index_rewrite(Journal *j, size_t n_entries, DbBindRow bind_entry, const void *entries,
                          size_t n_links, DbBindRow bind_link, const void *links);

/* Fold newly stored journal rows (ids from journal_insert_locked) into the
 * materialised state, re-folding only the entities they affect (fold.c;
 * private: journal_append and exchange_apply call it). Must run in the
 * transaction that stored them. Returns 0 or -errno; on failure the caller
 * rolls back. */
int fold_apply(Journal *j, const int64_t *ids, size_t n);

int journal_set_tip(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t seq,
                    const uint8_t hash[ENTRY_HASH_SIZE]);

/* The stored hash of origin's entry seq: 1 and the hash, 0 if absent. */
int journal_hash_at(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t seq,
                    uint8_t ret_hash[ENTRY_HASH_SIZE]);

/* Read one row by id (bytes valid until the next call). 1, 0 if absent. */
int journal_row_by_id(Journal *j, int64_t id, JournalRow *ret);
