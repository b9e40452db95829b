/* Helpers shared by the sync unit tests: desks (an origin with a signing key
 * and a clock), entry constructors, a device registry and an authorizer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sync/entry.h"
#include "sync/exchange.h"
#include "sync/fold.h"
#include "sync/journal.h"
#include "sync/store.h"

#define TEST_MAX_DESKS 16

typedef struct Desk {
        JournalSigner *signer;
        Hlc clock;
        bool revoked;
        uint64_t revoked_hlc;
} Desk;

/* Desk number n (1..TEST_MAX_DESKS), deterministic key; registered in the
 * test registry. */
Desk *desk_get(unsigned n);
void desks_free(void);

/* The registry/authorizer: knows every desk from desk_get(); the actor
 * "intruder" may do nothing. */
extern const SyncTrust test_trust;

/* An open in-memory (path NULL) or file store. */
SyncStore *store_open(const char *path);
void store_close(SyncStore *j);

Entry mk(EntryKind k, const char *patron, const char *item);
Entry mk_due(EntryKind k, const char *patron, const char *item, uint64_t due);
Entry mk_amount(EntryKind k, const char *patron, uint64_t amount, const char *payment_id);
/* A patron register/update with one fake ciphertext field. */
Entry mk_field(EntryKind k, const char *patron, uint8_t field, uint64_t base, uint8_t fill);

/* Append e from desk d at wall time ms, folding. Returns seq. */
int64_t put(SyncStore *j, Desk *d, uint64_t ms, Entry e);

/* SELECT returning one integer. */
int64_t q_int(SyncStore *j, const char *sql);
/* Number of exceptions with code. */
int64_t n_exc(SyncStore *j, FoldException code);

void digest_of(SyncStore *j, uint8_t out[32]);

/* The entity index (entity_entry, patron_item, how far it is complete) as
 * text, for comparing how it was built; free() it. */
char *index_dump(SyncStore *j);
