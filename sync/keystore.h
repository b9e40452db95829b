/* Per-patron keys and the encryption of personal fields (crypto-shredding).
 *
 * Every personal field of a patron, in journal entries and in the fold
 * state, is XChaCha20-Poly1305 ciphertext under that patron's 32-byte key,
 * named by a random 16-byte key id. The associated data binds the key id,
 * the patron id and the field number, so a ciphertext cannot be moved to
 * another patron or field. Keys rest in the store wrapped (same AEAD) under
 * the store's DB key, which the caller holds in secmem. Destroying a key
 * deletes its wrapped form (secure_delete is on) and leaves a tombstone:
 * every copy of the ciphertext, here and on every peer that destroyed it
 * too, is then unreadable, while the hashes and signatures over it still
 * verify. Keys travel between nodes only wrapped for the recipient's X25519
 * public key (crypto_box_seal). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "lib/macro.h"
#include "lib/secmem.h"
#include "sync/entry.h"

#define KEYSTORE_KEY_SIZE 32
#define KEYSTORE_DB_KEY_SIZE 32
/* nonce (24) + MAC (16) around the plaintext. */
#define FIELD_CT_OVERHEAD 40
#define FIELD_PLAINTEXT_MAX (ENTRY_CT_MAX - FIELD_CT_OVERHEAD)
/* A wrapped-for-recipient key: crypto_box_seal of the 32-byte key. */
#define KEYSTORE_SEALED_SIZE (KEYSTORE_KEY_SIZE + 48)

typedef struct KeyStore KeyStore;

/* Open the key store in db (borrowed; the sync schema must exist, see
 * journal_open) with a copy of db_key (KEYSTORE_DB_KEY_SIZE bytes). */
int keystore_open(sqlite3 *db, const Secret *db_key, KeyStore **ret);
KeyStore *keystore_free(KeyStore *ks);
DEFINE_TRIVIAL_CLEANUP_FUNC(KeyStore *, keystore_free);

/* Create a fresh patron key; its id in ret_key_id. Durable on return (or in
 * the caller's transaction). Returns 0 or -errno. */
int keystore_create(KeyStore *ks, uint8_t ret_key_id[ENTRY_KEY_ID_SIZE]);

/* The key for key_id, in a new Secret. -ENOKEY if it was destroyed (its
 * patron was erased: forever), -ENODATA if it is not held here (never
 * imported: policy does not replicate it to this node, or not yet). */
int keystore_get(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE], Secret **ret);

/* Seal key_id's key for a recipient's X25519 public key, into
 * ret[KEYSTORE_SEALED_SIZE]. -ENOKEY if destroyed, -ENODATA if not held. */
int keystore_wrap_for(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const uint8_t recipient_pk[32],
                      uint8_t ret[KEYSTORE_SEALED_SIZE]);

/* Import a key sealed for us (our X25519 key pair). -EBADMSG if it does not
 * open, -ENOKEY if key_id was destroyed here (erasure wins: a destroyed key
 * never comes back). A key is destroyed here as soon as this node holds an
 * erasure of its patron and any entry that names the key id, whether or
 * not the key itself had arrived: the tombstone comes first. */
int keystore_import(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE],
                    const uint8_t sealed[KEYSTORE_SEALED_SIZE], const uint8_t our_pk[32],
                    const Secret *our_sk);

/* Destroy key_id's key for good, leaving a tombstone. Idempotent. Returns 0
 * or -errno. Erasure needs no call: the fold destroys every key that any
 * entry of an erased patron named, in the transaction that stores the
 * erasure or the entry (journal_append, exchange_apply, fold_rebuild). */
int keystore_destroy(KeyStore *ks, const uint8_t key_id[ENTRY_KEY_ID_SIZE]);

/* Encrypt one personal field into ct (at least len + FIELD_CT_OVERHEAD
 * bytes). Returns the ciphertext length, -E2BIG, or -ENOKEY. */
int field_seal(const Secret *key, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const char *patron, uint8_t field,
               const void *plaintext, size_t len, uint8_t *ct, size_t ct_size);

/* Decrypt one field into a new secmem Secret (size = plaintext length).
 * -EBADMSG if it does not authenticate. */
int field_open(const Secret *key, const uint8_t key_id[ENTRY_KEY_ID_SIZE], const char *patron, uint8_t field,
               const uint8_t *ct, size_t ct_len, Secret **ret);

/* Read one personal field of a patron as a reader sees it: the plaintext;
 * -ENOKEY once the patron is erased or its key destroyed (the anonymous
 * stub); -ENODATA if this node does not hold the patron's key (policy does
 * not replicate it here: show the patron as an opaque id); -ENOENT for an
 * unknown patron or a field that is not set. */
int keystore_read_patron_field(KeyStore *ks, const char *patron, uint8_t field, Secret **ret);
