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

#define SUBKEY_SIZE 32

typedef enum SubkeyId {
        SUBKEY_VOLUME = 1,
        SUBKEY_DB_WRAP = 2,
        SUBKEY_BACKUP = 3,
        SUBKEY_AUDIT_MAC = 4,
        SUBKEY_VOLUME_WRAP = 5, /* wraps VK; never leaves custody */
} SubkeyId;

/* The keys handed to consumers: VK and the subkeys of one AMK. */
typedef struct KeySet {
        Secret *volume; /* VK, VOLUME_KEY_SIZE bytes, for carrel_blk; random, not derived */
        Secret *db_wrap; /* wraps the per-patron keys */
        Secret *backup; /* encrypts backups */
        Secret *audit_mac; /* authenticates the audit trail */
} KeySet;

/* Derive every subkey from amk (AMK_SIZE bytes) and copy volume_key
 * (VOLUME_KEY_SIZE bytes, from volume_key_unwrap()) in. Returns 0 or -errno. */
int keyset_derive(const Secret *amk, const Secret *volume_key, KeySet **ret);
KeySet *keyset_free(KeySet *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(KeySet *, keyset_free);

/* Generate a fresh AMK into locked memory: libsodium's RNG mixed (BLAKE2b)
 * with entropy from the TPM when tpm_random is non-NULL, so that neither a
 * weak kernel RNG nor a weak TPM RNG alone decides the key. */
int amk_generate(const uint8_t *tpm_random, size_t tpm_random_size, Secret **ret);

/* The volume key VK: 64 random bytes made once at enrolment, the key of
 * every carrel_blk volume. It is stored only wrapped (XChaCha20-Poly1305
 * under the SUBKEY_VOLUME_WRAP subkey of an AMK, the AMK's generation id
 * bound as associated data), so that a rotation re-wraps it and the data
 * stays readable. */
int volume_key_generate(Secret **ret);

/* Wrap vk under amk into *ret (fresh nonce). Returns 0 or -errno. */
int volume_key_wrap(const Secret *amk, const uint8_t generation[KEY_GENERATION_SIZE], const Secret *vk,
                    WrappedVolumeKey *ret);

/* Unwrap. Returns 0, -EACCES when w was not made under amk and generation (or
 * was altered), -ENOMEM, -EIO. */
int volume_key_unwrap(const Secret *amk, const uint8_t generation[KEY_GENERATION_SIZE],
                      const WrappedVolumeKey *w, Secret **ret_vk);

/* Argon2id cost for new recovery copies (libsodium's "interactive": 64 MiB). */
extern uint64_t recovery_kdf_opslimit, recovery_kdf_memlimit;

/* Encrypt amk under rk into *ret (fresh salt and nonce, the generation id
 * bound as associated data). Returns 0 or -errno. */
int recovery_wrap(const uint8_t rk[RECOVERY_KEY_BYTES], const Secret *amk,
                  const uint8_t generation[KEY_GENERATION_SIZE], RecoveryKeyFile *ret);

/* Decrypt a recovery copy. Returns 0, or -EACCES when rk is not the key this
 * copy was made with (or the file was altered), -ENOMEM, -EIO. */
int recovery_unwrap(const uint8_t rk[RECOVERY_KEY_BYTES], const RecoveryKeyFile *f, Secret **ret_amk);
