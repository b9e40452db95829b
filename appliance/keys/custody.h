/* Key custody operations: enrol, unlock, reseal, rotate, status and
 * crypto-erase of the appliance master key (AMK). The library never logs:
 * every operation returns 0 or -errno and fills a KeysDiagnosis saying
 * precisely why it failed, for the caller to tell the officer.
 *
 * State lives in one directory (default /var/lib/carrel/keys):
 *   amk.sealed, amk.recovery                     the current AMK, each with
 *                                                the volume key wrapped under it
 *   amk.sealed.next, amk.recovery.next           a rotation in progress
 * See keyfile.h for the formats and docs/keys.md for the design. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "appliance/keys/key-sink.h"
#include "appliance/keys/keyfile.h"
#include "appliance/keys/pcr-policy.h"
#include "appliance/keys/recovery-key.h"
#include "appliance/keys/tpm.h"
#include "lib/secmem.h"

typedef struct KeysConfig {
        const char *tcti; /* tctildr string, e.g. device:/dev/tpmrm0 */
        const char *state_dir; /* where amk.sealed and amk.recovery live */
} KeysConfig;

typedef struct KeysDiagnosis {
        TpmFailure failure;
        PcrMask pcrs_sealed; /* the PCR selection of the sealed AMK */
        PcrMask pcrs_differ; /* TPM_FAILURE_POLICY: the PCRs whose value changed */
        bool lockout_valid; /* TPM_FAILURE_AUTH/LOCKOUT: lockout below is read */
        TpmLockoutInfo lockout;
        unsigned bad_group; /* recovery key: 1-based group with a typo, or 0 */
} KeysDiagnosis;

/* Asked for the PIN only once the PCRs are known to match and the TPM is
 * not in lockout, so nobody types a PIN that could not work. */
typedef int (*KeysAskPin)(void *userdata, Secret **ret);

#define KEYS_PIN_MAX 128

/* Enrol: a fresh AMK sealed to the current values of pcrs (and to pin when
 * non-NULL), and its recovery copy. The recovery key is returned once in
 * ret_recovery (text form) and is stored nowhere. Refuses (-EEXIST) when an
 * AMK exists unless force. */
int keys_init(const KeysConfig *c, PcrMask pcrs, const Secret *pin, bool force,
              char ret_recovery[static RECOVERY_KEY_STRING_SIZE], KeysDiagnosis *diag);

/* Unseal the AMK with the TPM. Errors: -ENOENT not initialised, -ENODEV no
 * TPM, -EPERM PCR mismatch (diag->pcrs_differ), -EACCES wrong PIN
 * (diag->lockout), -EBUSY lockout (diag->lockout), -EBADMSG blob not from
 * this TPM or damaged. If the AMK needs a PIN and pin is NULL, ask_pin is
 * called (-ENOKEY if ask_pin is NULL). */
int keys_unlock_tpm(const KeysConfig *c, const Secret *pin, KeysAskPin ask_pin, void *userdata,
                    Secret **ret_amk, KeysDiagnosis *diag);

/* Recover the AMK from the recovery copy with the recovery key text.
 * -EBADMSG with diag->bad_group for a typo, -EINVAL for garbage, -EACCES
 * when it is not this AMK's recovery key. */
int keys_unlock_recovery(const KeysConfig *c, const char *recovery_text, Secret **ret_amk,
                         KeysDiagnosis *diag);

/* What consumers receive for amk (from keys_unlock_tpm() or
 * keys_unlock_recovery()): the volume key VK, unwrapped from the key file
 * of amk, and the subkeys derived from amk. VK is the same for every AMK of
 * one enrolment. Errors: -EACCES the wrapped VK is not amk's (altered),
 * -ENOENT, -EBADMSG, -EPROTO (key files older than the wrapped VK). */
int keys_keyset(const KeysConfig *c, const Secret *amk, KeySet **ret);

/* Whether the current AMK was sealed with a PIN. */
int keys_requires_pin(const KeysConfig *c, bool *ret);

/* Seal amk again to the current values of pcrs (0: keep the sealed
 * selection) and pin (NULL: no PIN). The recovery copy and the generation
 * id are unchanged. amk must be the current AMK, obtained from
 * keys_unlock_tpm() (PIN) or keys_unlock_recovery(): that is what
 * authorises a reseal. */
int keys_reseal(const KeysConfig *c, const Secret *amk, PcrMask pcrs, const Secret *pin,
                KeysDiagnosis *diag);

/* Rotate: a new AMK sealed like the current one (pin: NULL for no PIN), a
 * new recovery key (returned once), the unchanged volume key VK re-wrapped
 * under the new AMK in both new files, then sink->rekey(old, new) (old and
 * new share VK; the other subkeys change) so every
  * dependent is re-wrapped, then the new files replace the old ones and the
 * old AMK's custody parent is evicted from the TPM: no copy of the old
 * sealed blob opens again. The new files are written first as *.next and made
 * durable before any consumer is rekeyed; if a rotation was interrupted,
 * the next call resumes it (unseals the pending AMK from amk.sealed.next,
 * rekeys again, which consumers must accept, and commits), printing a new
 * recovery key since the earlier one may never have been seen. */
int keys_rotate(const KeysConfig *c, const Secret *old_amk, const Secret *pin, const KeySink *sink,
                char ret_recovery[static RECOVERY_KEY_STRING_SIZE], KeysDiagnosis *diag);

typedef struct KeysStatus {
        bool initialised;
        bool recovery_present;
        bool rotation_pending;
        SealedKeyFile sealed; /* valid when initialised */
        bool tpm_present;
        int parent_state; /* valid when tpm_present and initialised: tpm_parent_check() */
        PcrMask pcrs_differ; /* valid when tpm_present */
        bool lockout_valid;
        TpmLockoutInfo lockout;
} KeysStatus;

int keys_status(const KeysConfig *c, KeysStatus *ret);

/* Crypto-erase: sink->clear() (the kmod key), overwrite and remove every
 * key file, and evict the custody parents from the TPM, which makes any copy
 * of any sealed blob useless; with clear_tpm also TPM2_Clear (the whole
 * owner hierarchy). Continues past errors and returns the first. */
int keys_wipe(const KeysConfig *c, const KeySink *sink, bool clear_tpm, KeysDiagnosis *diag);
