/* Key derivation in key custody:
 *  - the subkeys every consumer receives, derived from the AMK with
 *    libsodium's crypto_kdf (BLAKE2b keyed with the AMK, a fixed context and
 *    a per-purpose id), so that no consumer ever sees the AMK itself;
 *  - the recovery copy of the AMK: XChaCha20-Poly1305 under a key derived
 *    from the recovery key with Argon2id.
 * Every secret lives in lib/secmem.h memory. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "appliance/keys/keyfile.h"
#include "appliance/keys/recovery-key.h"
#include "lib/secmem.h"

#define VOLUME_KEY_SIZE 64 /* AES-XTS-256: two AES-256 keys, dm-crypt compatible */
#define SUBKEY_SIZE 32

typedef enum SubkeyId {
        SUBKEY_VOLUME = 1,
        SUBKEY_DB_WRAP = 2,
        SUBKEY_BACKUP = 3,
        SUBKEY_AUDIT_MAC = 4,
} SubkeyId;

/* The subkeys of one AMK. */
typedef struct KeySet {
        Secret *volume; /* VOLUME_KEY_SIZE bytes, for carrel_blk */
        Secret *db_wrap; /* wraps the per-patron keys */
        Secret *backup; /* encrypts backups */
        Secret *audit_mac; /* authenticates the audit trail */
} KeySet;

/* Derive every subkey from amk (AMK_SIZE bytes). Returns 0 or -errno. */
int keyset_derive(const Secret *amk, KeySet **ret);
KeySet *keyset_free(KeySet *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(KeySet *, keyset_free);

/* Generate a fresh AMK into locked memory: libsodium's RNG mixed (BLAKE2b)
 * with entropy from the TPM when tpm_random is non-NULL, so that neither a
 * weak kernel RNG nor a weak TPM RNG alone decides the key. */
int amk_generate(const uint8_t *tpm_random, size_t tpm_random_size, Secret **ret);

/* Argon2id cost for new recovery copies (libsodium's "interactive": 64 MiB). */
extern uint64_t recovery_kdf_opslimit, recovery_kdf_memlimit;

/* Encrypt amk under rk into *ret (fresh salt and nonce, the generation id
 * bound as associated data). Returns 0 or -errno. */
int recovery_wrap(const uint8_t rk[RECOVERY_KEY_BYTES], const Secret *amk,
                  const uint8_t generation[KEY_GENERATION_SIZE], RecoveryKeyFile *ret);

/* Decrypt a recovery copy. Returns 0, or -EACCES when rk is not the key this
 * copy was made with (or the file was altered), -ENOMEM, -EIO. */
int recovery_unwrap(const uint8_t rk[RECOVERY_KEY_BYTES], const RecoveryKeyFile *f, Secret **ret_amk);
