/* On-disk formats of key custody. Only two files exist, both 0600 and
 * written atomically (lib/fileio.h), and neither holds a secret in the
 * clear:
 *
 *   amk.sealed    the AMK sealed by the TPM, the PCR selection and the PCR
 *                 values it was sealed to (so an unseal failure can name the
 *                 PCRs that changed), the policy digest, whether a PIN is
 *                 required, and the persistent handle and name of the
 *                 custody parent it was sealed under.
 *   amk.recovery  the AMK encrypted with XChaCha20-Poly1305 under a key
 *                 derived with Argon2id from the recovery key.
 *
 * Each also carries the volume key VK wrapped under its own AMK (see
 * volume_key_wrap() in kdf.h), so that either file alone yields VK and a
 * rotation, which writes both files anew, commits the re-wrapped VK
 * atomically with the new AMK. VK itself never changes.
 *
 * Both are an 8-byte magic (7 bytes and the format version, 2) followed by records {u8 tag, u16 length (big
 * endian), value}. Parsing is strict: every record known, at most once,
 * with its exact or bounded length; required records present; the whole
 * file at most KEYFILE_MAX bytes. A file that fails is refused unchanged. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appliance/keys/pcr-policy.h"
#include "appliance/keys/tpm.h"

#define KEYFILE_MAX 8192
#define KEY_GENERATION_SIZE 16
#define AMK_SIZE 32
#define RECOVERY_SALT_SIZE 16
#define RECOVERY_NONCE_SIZE 24
#define RECOVERY_CIPHERTEXT_SIZE (AMK_SIZE + 16)
#define VOLUME_KEY_SIZE 64 /* AES-XTS-256: two AES-256 keys, dm-crypt compatible */
#define VOLUME_WRAP_NONCE_SIZE 24
#define VOLUME_WRAP_CIPHERTEXT_SIZE (VOLUME_KEY_SIZE + 16)

/* VK encrypted under the AMK of the file that holds it. */
typedef struct WrappedVolumeKey {
        uint8_t nonce[VOLUME_WRAP_NONCE_SIZE];
        uint8_t ciphertext[VOLUME_WRAP_CIPHERTEXT_SIZE];
} WrappedVolumeKey;

typedef struct SealedKeyFile {
        uint8_t generation[KEY_GENERATION_SIZE]; /* random id of this AMK; not secret */
        uint64_t created_usec; /* CLOCK_REALTIME */
        PcrMask pcrs;
        bool with_pin;
        uint8_t pcr_values[PCR_COUNT][PCR_DIGEST_SIZE]; /* pcr_mask_count(pcrs) used */
        uint8_t policy_digest[PCR_DIGEST_SIZE];
        TpmSealed sealed;
        WrappedVolumeKey volume;
} SealedKeyFile;

typedef struct RecoveryKeyFile {
        uint8_t generation[KEY_GENERATION_SIZE];
        uint64_t opslimit, memlimit; /* Argon2id cost */
        uint8_t salt[RECOVERY_SALT_SIZE];
        uint8_t nonce[RECOVERY_NONCE_SIZE];
        uint8_t ciphertext[RECOVERY_CIPHERTEXT_SIZE];
        WrappedVolumeKey volume;
} RecoveryKeyFile;

/* Serialise into a malloc()ed buffer. Returns 0 or -ENOMEM/-EINVAL. */
int sealed_key_file_serialize(const SealedKeyFile *f, uint8_t **ret, size_t *ret_size);
int recovery_key_file_serialize(const RecoveryKeyFile *f, uint8_t **ret, size_t *ret_size);

/* Parse data (untrusted). Besides syntax, a sealed file's policy digest must
 * be the one its PCR values and PIN flag give (pcr_policy_digest), and the
 * Argon2id cost of a recovery file must lie within sane bounds. Returns 0,
 * -EPROTO for a file of format version 1 (written before the volume key was
 * wrapped in it: enrol again), or -EBADMSG for anything malformed; *ret is
 * untouched on failure. */
int sealed_key_file_parse(const void *data, size_t size, SealedKeyFile *ret);
int recovery_key_file_parse(const void *data, size_t size, RecoveryKeyFile *ret);

/* Read/write the files. Writes are atomic, durable and mode 0600. Loads
 * return -ENOENT when absent, -EPROTO for version 1 and -EBADMSG when
 * malformed. */
int sealed_key_file_save(const char *path, const SealedKeyFile *f);
int sealed_key_file_load(const char *path, SealedKeyFile *ret);
int recovery_key_file_save(const char *path, const RecoveryKeyFile *f);
int recovery_key_file_load(const char *path, RecoveryKeyFile *ret);
