/* Private parts of the journal, for the modules layered on it: the fold,
 * the exchange and the store (journal -> fold -> exchange -> store). Each
 * module prepares and owns its own statements; these are the journal's. */
#pragma once

#include "lib/db-inserter.h"
#include "sync/journal.h"

struct Journal {
        sqlite3 *db;
        sqlite3_stmt *insert, *tip_get, *tip_set, *quarantine, *hash_at, *range, *by_id;
        sqlite3_stmt *quarantine_trim;
        DbInserter *index_entries, *index_links; /* journal_index_rewrite */
};

/* Journal row ids of newly stored entries, for the fold. */
typedef struct JournalIds {
        int64_t *v;
        size_t n, capacity;
} JournalIds;

int journal_ids_push(JournalIds *ids, int64_t id);
void journal_ids_done(JournalIds *ids);

typedef enum JournalAppendFlags {
        /* Refuse the whole append (-EACCES) if trust refuses an entry,
         * instead of storing that entry as refused. */
        JOURNAL_APPEND_REFUSE_UNAUTHORIZED = 1 << 0,
} JournalAppendFlags;

/* Append n entries from the signer's origin inside the caller's open
 * transaction (see sync_store_append, which folds and commits): fills in
 * origin, seq, hlc (from clock at now_ms) and prev of each, encodes, hashes,
 * asks trust->authorize (trust may be NULL) about each, signs as described
 * in journal.h, and stores them; a refused entry is stored marked refused
 * and quarantined as UNAUTHORIZED, or with
 * JOURNAL_APPEND_REFUSE_UNAUTHORIZED fails the call with -EACCES. The new
 * rows' ids are appended to ids (NULL: not wanted). Returns the seq of the
 * last entry, or -errno (-EINVAL for an entry that breaks the schema); the
 * caller rolls back on failure. */
int64_t journal_append_locked(Journal *j, const JournalSigner *s, const SyncTrust *trust, Hlc *clock,
                              uint64_t now_ms, Entry *entries, size_t n, JournalAppendFlags flags,
                              JournalIds *ids);

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

int journal_set_tip(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t seq,
                    const uint8_t hash[ENTRY_HASH_SIZE]);

/* The stored hash of origin's entry seq: 1 and the hash, 0 if absent. */
int journal_hash_at(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t seq,
                    uint8_t ret_hash[ENTRY_HASH_SIZE]);

/* Read one row by id (bytes valid until the next call). 1, 0 if absent. */
int journal_row_by_id(Journal *j, int64_t id, JournalRow *ret);
