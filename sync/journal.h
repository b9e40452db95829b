/* The journal store: every entry a node holds, per origin a hash chain with
 * seq 1, 2, 3... and no gaps, in SQLite (lib/db.h: WAL, synchronous=FULL).
 *
 * Entries are appended, folded and committed through the store
 * (sync/store.h); this module holds only the journal's own tables.
 *
 * Signing: an origin signs chain heads, not every entry. An append
 * signs the last entry of every batch and every JOURNAL_SIGN_INTERVAL-th
 * entry, so that a relay can always cut an origin's chain at a signed entry
 * (exchange.h) and one signature authenticates the prefix it closes. A
 * batch append is one transaction (group commit) and is durable when the
 * call returns. An entry is never rewritten. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "lib/macro.h"
#include "sync/entry.h"
#include "sync/hlc.h"

#define JOURNAL_SIGN_INTERVAL 256
#define JOURNAL_APPEND_MAX 100000 /* entries per batch append */

/* Why an entry was refused. Stored in the quarantine table. */
typedef enum QuarantineReason {
        QUARANTINE_NONE = 0,
        QUARANTINE_MALFORMED, /* decoder refused it */
        QUARANTINE_BAD_SIGNATURE, /* its signature does not verify */
        QUARANTINE_UNSIGNED, /* no valid signature covers it */
        QUARANTINE_BROKEN_CHAIN, /* prev or seq does not continue the chain */
        QUARANTINE_FORK, /* a different entry for a seq we hold */
        QUARANTINE_UNKNOWN_DEVICE, /* origin not in the device registry */
        QUARANTINE_REVOKED_DEVICE, /* origin revoked at or before its HLC */
        QUARANTINE_UNAUTHORIZED, /* actor lacked the right at event time */
        QUARANTINE_CLOCK_SKEW, /* HLC too far ahead of our clock */
        _QUARANTINE_REASON_MAX,
} QuarantineReason;

const char *quarantine_reason_to_string(QuarantineReason r);

/* An origin's signing identity: Ed25519, the secret half in secmem. */
typedef struct JournalSigner {
        uint8_t origin[ENTRY_ORIGIN_SIZE];
        uint8_t pk[32];
        uint8_t *sk; /* 64 bytes, secmem */
} JournalSigner;

/* Create a signer with a fresh key pair (seed NULL) or one derived from a
 * 32-byte seed. Returns 0 or -ENOMEM/-EIO. */
int journal_signer_new(const uint8_t origin[ENTRY_ORIGIN_SIZE], const uint8_t *seed, JournalSigner **ret);
JournalSigner *journal_signer_free(JournalSigner *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(JournalSigner *, journal_signer_free);

/* What a node trusts, as the origin of entries (sync_store_append) and as a
 * receiver (sync_store_apply): the same decision everywhere. Filled in by the
 * policy engine and the device registry; the sync core makes no decision of
 * its own about either. */
typedef struct SyncTrust {
        /* 0 with the origin's Ed25519 public key and the HLC from which it is
         * revoked (0: not revoked), or -ENOENT for an unknown device. */
        int (*device_lookup)(void *userdata, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint8_t ret_pk[32],
                             uint64_t *ret_revoked_hlc);
        /* >0 if actor had the right to record an entry of this kind at hlc, 0
         * if not, <0 on error. NULL: everyone may. Must be deterministic
         * (every node decides the same for the same entry). */
        int (*authorize)(void *userdata, const char *actor, EntryKind kind, uint64_t hlc);
        void *userdata;
} SyncTrust;

typedef struct Journal Journal;

/* Open the journal on db (borrowed; it must outlive the journal), creating
 * or upgrading the schema. Returns 0 or -errno. The fold's parameters are
 * not an argument: they are replicated state (ENTRY_FOLD_PARAMS entries),
 * so that every node folds the same history the same way. */
int journal_open(sqlite3 *db, Journal **ret);
Journal *journal_free(Journal *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(Journal *, journal_free);

sqlite3 *journal_db(Journal *j);

/* Commits fsync the WAL (durable); copying the WAL back into the database
 * is a checkpoint. SQLite runs one inside a commit once the WAL exceeds
 * JOURNAL_WAL_AUTOCHECKPOINT pages; a service calls journal_checkpoint()
 * when idle (after an exchange session) so that acknowledgements do not
 * wait for it. Returns 0 or -errno (-EBUSY if readers held it back). */
#define JOURNAL_WAL_AUTOCHECKPOINT 16384
int journal_checkpoint(Journal *j);

/* Bring the entity index the fold reads (which entries belong to which
 * patron or item) up to date, in sorted bulk. Appends and received batches
 * leave it to the fold, which calls this first; a bulk import without a fold
 * (SYNC_APPEND_NO_FOLD) may call it once at the end. Runs in the caller's
 * transaction, or its own. Idempotent. Returns 0 or -errno. */
int journal_index(Journal *j);

/* One stored entry as read back; bytes are valid until the next call on j. */
typedef struct JournalRow {
        int64_t id;
        uint8_t origin[ENTRY_ORIGIN_SIZE];
        uint64_t seq, hlc;
        uint8_t hash[ENTRY_HASH_SIZE];
        const uint8_t *bytes;
        size_t size;
        bool has_sig;
        uint8_t sig[ENTRY_SIG_SIZE];
        bool refused;
} JournalRow;

/* Call cb for each entry of origin with from_seq <= seq, ascending, at most
 * max of them (0: no limit). cb returns 0 to continue, >0 to stop, <0 to
 * abort with that error. Returns the number of rows passed, or -errno. */
int journal_read_range(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t from_seq, size_t max,
                       int (*cb)(const JournalRow *row, void *userdata), void *userdata);

/* The tip of origin's contiguous chain: its seq (0 if none) and hash (zeros
 * if none). Returns 0 or -errno. */
int journal_tip(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], uint64_t *ret_seq,
                uint8_t ret_hash[ENTRY_HASH_SIZE]);

/* Verify origin's whole chain against its public key: seq 1..n without gaps,
 * each hash over its stored bytes, each prev the hash before, each entry
 * decodable and of this origin, every stored signature valid, and the head
 * signed. Returns the number of entries (0 for none), or -EBADMSG with the
 * first bad seq in *ret_bad_seq, or another -errno. */
int64_t journal_verify_chain(Journal *j, const uint8_t origin[ENTRY_ORIGIN_SIZE], const uint8_t pk[32],
                             uint64_t *ret_bad_seq);

/* Record a refused entry: hash is the BLAKE2b of its bytes (required),
 * bytes may be NULL. Part of the caller's transaction if one is open.
 * Idempotent: the same hash refused for the same reason is recorded once,
 * so a resend adds nothing. The table keeps the newest
 * JOURNAL_QUARANTINE_MAX records: a peer cannot grow it without bound.
 * Returns 0 or -errno. */
#define JOURNAL_QUARANTINE_MAX 100000
int journal_quarantine(Journal *j, const uint8_t *origin, uint64_t seq, uint64_t hlc, const uint8_t *hash,
                       QuarantineReason reason, const uint8_t *bytes, size_t size);

/* Number of quarantined entries (all origins). */
int64_t journal_quarantine_count(Journal *j);
