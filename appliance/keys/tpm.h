/* The TPM 2.0 edge of key custody: everything Carrel asks of a TPM, through
 * tpm2-tss ESAPI, with TSS2 return codes translated once (tpm_errno_from_tss2).
 *
 * Key hierarchy in the TPM:
 *   storage primary (owner hierarchy, recreated from a fixed template)
 *     -> custody parent: a storage key with TPM-generated secrets, made
 *        persistent at TPM_PARENT_HANDLE_A or _B; its blob is never stored
 *        anywhere, so evicting it destroys it for good
 *          -> the sealed AMK (its blob is amk.sealed)
 * Evicting the custody parent (rotate, wipe) makes every copy of every
 * sealed blob made under it useless, without clearing the TPM.
 *
 * Every command that carries a secret runs in a session salted with the
 * storage primary key, with parameter encryption on that direction, so the
 * AMK and the PIN never cross the bus in the clear. Transient handles are
 * flushed as soon as they are no longer needed: swtpm and many discrete TPMs
 * have only 3 transient object slots. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "lib/macro.h"
#include "lib/secmem.h"
#include "appliance/keys/pcr-policy.h"

#define TPM_PCR_MAX 24
#define TPM_DIGEST_SIZE 32 /* SHA-256: the only bank and name algorithm we use */
#define TPM_NAME_MAX (2 + TPM_DIGEST_SIZE)
#define TPM_BLOB_MAX 1024 /* a marshalled TPM2B_PUBLIC or TPM2B_PRIVATE */
#define TPM_AUTH_MAX TPM_DIGEST_SIZE

/* Why a TPM operation failed, beyond the errno: what the officer is told. */
typedef enum TpmFailure {
        TPM_FAILURE_NONE,
        TPM_FAILURE_NO_TPM, /* TCTI could not be loaded or the TPM does not answer */
        TPM_FAILURE_POLICY, /* PCR policy not satisfied */
        TPM_FAILURE_AUTH, /* wrong PIN; counted by dictionary-attack protection */
        TPM_FAILURE_LOCKOUT, /* dictionary-attack lockout in force */
        TPM_FAILURE_INTEGRITY, /* the blob does not belong to this TPM/parent, or was altered */
        TPM_FAILURE_DESTROYED, /* the custody parent is gone: AMK rotated away or wiped, TPM cleared */
        TPM_FAILURE_OTHER,
} TpmFailure;

/* Map a TSS2 return code to a negative errno and (if ret_failure) a
 * TpmFailure. TSS2_RC_SUCCESS gives 0. The mapping is:
 *   no TCTI / I/O to the TPM         -ENODEV  TPM_FAILURE_NO_TPM
 *   AUTH_FAIL, BAD_AUTH              -EACCES  TPM_FAILURE_AUTH
 *   LOCKOUT                          -EBUSY   TPM_FAILURE_LOCKOUT
 *   POLICY_FAIL, PCR_CHANGED, VALUE  -EPERM   TPM_FAILURE_POLICY
 *   INTEGRITY, BINDING, SIZE, KEY    -EBADMSG TPM_FAILURE_INTEGRITY
 *   HANDLE (no such persistent key)  -EKEYREVOKED TPM_FAILURE_DESTROYED
 *   out of memory in the TSS         -ENOMEM
 *   anything else                    -EIO     TPM_FAILURE_OTHER */
int tpm_errno_from_tss2(uint32_t rc, TpmFailure *ret_failure);

typedef struct TpmContext TpmContext;

/* Connect to the TPM named by a TCTI configuration string, in tctildr
 * syntax: "device:/dev/tpmrm0", "swtpm:path=/run/swtpm.sock",
 * "swtpm:port=2321", ... Returns 0, -ENODEV when no TPM answers, or -errno.
 * The TSS's own logging stays quiet unless TSS2_LOG is set. */
int tpm_context_new(const char *tcti, TpmContext **ret);
TpmContext *tpm_context_free(TpmContext *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(TpmContext *, tpm_context_free);

/* The last failing TSS2 return code seen on this context, or in this thread
 * on any context (like errno, for the caller's debug log; the errno and
 * TpmFailure are the interface). */
uint32_t tpm_context_last_rc(const TpmContext *t);
uint32_t tpm_last_rc(void);

/* Read the SHA-256 values of the PCRs in mask, in ascending PCR order, into
 * ret_values (TPM_DIGEST_SIZE bytes each, room for popcount(mask)).
 * Returns 0 or -errno. */
int tpm_pcr_read(TpmContext *t, PcrMask mask, uint8_t ret_values[][TPM_DIGEST_SIZE]);

/* Carrel's two persistent handles in the owner range ("CA" for Carrel):
 * rotation seals the new AMK under a new parent at the other handle, then
 * evicts the old one. */
#define TPM_PARENT_HANDLE_A 0x8100ca01U
#define TPM_PARENT_HANDLE_B 0x8100ca02U

/* Create a fresh custody parent (ECC P-256 storage key, secrets generated
 * by the TPM) under the storage primary and make it persistent at handle,
 * evicting whatever Carrel key was there. *ret_name receives its TPM name,
 * which binds a sealed blob to exactly this key. Returns 0 or -errno. */
int tpm_parent_create(TpmContext *t, uint32_t handle, uint8_t ret_name[TPM_NAME_MAX], size_t *ret_name_size,
                      TpmFailure *ret_failure);

/* Check that the custody parent at handle exists and has the given name.
 * Returns 0, -EKEYREVOKED (gone), -EBADMSG (another key) or -errno. */
int tpm_parent_check(TpmContext *t, uint32_t handle, const uint8_t *name, size_t name_size);

/* Evict the persistent key at handle. Returns 0, 0 as well when nothing is
 * there (idempotent), or -errno. */
int tpm_parent_destroy(TpmContext *t, uint32_t handle, TpmFailure *ret_failure);

/* The sealed AMK as the TPM returns it: public and private areas,
 * marshalled, and the handle and name of the custody parent it was sealed
 * under. */
typedef struct TpmSealed {
        uint8_t public_blob[TPM_BLOB_MAX];
        size_t public_size;
        uint8_t private_blob[TPM_BLOB_MAX];
        size_t private_size;
        uint32_t parent_handle;
        uint8_t parent_name[TPM_NAME_MAX];
        size_t parent_name_size;
} TpmSealed;

/* Seal secret (1..128 bytes) under the custody parent at parent_handle,
 * which must have the given name, with authPolicy = policy_digest. When
 * auth is given (1..TPM_AUTH_MAX bytes), it becomes the object's authValue
 * and the policy must include PolicyAuthValue. The object is subject to
 * dictionary-attack protection. Returns 0 or -errno (ret_failure set). */
int tpm_seal(TpmContext *t, uint32_t parent_handle, const uint8_t *parent_name, size_t parent_name_size,
             const uint8_t policy_digest[TPM_DIGEST_SIZE], const void *auth, size_t auth_size,
             const void *secret, size_t secret_size, TpmSealed *ret, TpmFailure *ret_failure);

/* Unseal: find the custody parent (-EKEYREVOKED/TPM_FAILURE_DESTROYED when
 * it is gone), check that its name is the one recorded at seal time (else
 * -EBADMSG/TPM_FAILURE_INTEGRITY: another key at that handle, another TPM,
 * or an interposer), load the object and unseal it in a policy session
 * salted with the parent, satisfying PolicyPCR(mask) [+ PolicyAuthValue
 * when auth is non-NULL], with response encryption. On success *ret is a
 * Secret in locked memory. On failure, *ret_failure says why. */
int tpm_unseal(TpmContext *t, const TpmSealed *sealed, PcrMask mask, const void *auth, size_t auth_size,
               Secret **ret, TpmFailure *ret_failure);

/* Dictionary-attack state (TPM2_PT_LOCKOUT_* and the inLockout bit). */
typedef struct TpmLockoutInfo {
        uint32_t counter; /* failed authorisations counted now */
        uint32_t max_tries; /* lockout when counter reaches this */
        uint32_t interval_sec; /* one failure is forgotten after this long */
        uint32_t recovery_sec; /* lockout-hierarchy recovery time */
        bool in_lockout;
} TpmLockoutInfo;

int tpm_lockout_info(TpmContext *t, TpmLockoutInfo *ret);

/* Fill buf with n bytes from the TPM's RNG. Returns 0 or -errno. */
int tpm_get_random(TpmContext *t, void *buf, size_t n);

/* TPM2_Clear with the lockout hierarchy's (empty) authorisation: replaces
 * the storage seed, so every object ever sealed under the owner hierarchy,
 * wherever its blob was copied, becomes unloadable. Returns 0 or -errno. */
int tpm_clear(TpmContext *t, TpmFailure *ret_failure);
