/* PCR selections and the TPM 2.0 policy digests built from them, computed in
 * software so that the expected policy of a sealed object can be checked and
 * explained without a TPM (TPM 2.0 Part 3, PolicyPCR and PolicyAuthValue). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCR_COUNT 24
#define PCR_DIGEST_SIZE 32 /* SHA-256 bank */

/* A PCR selection in the SHA-256 bank: bit n set selects PCR n (0..23). */
typedef uint32_t PcrMask;

/* Parse "7", "0,2,7" or "0-4,7" into a mask. Refuses empty lists, PCRs
 * above 23, malformed or overlong text. Returns 0 or -EINVAL. */
int pcr_mask_parse(const char *s, PcrMask *ret);

/* Format a mask as "0,2,7" (or "none") into buf. Returns buf. buf must hold
 * at least PCR_MASK_STRING_MAX bytes. */
#define PCR_MASK_STRING_MAX (PCR_COUNT * 3 + 1)
char *pcr_mask_format(PcrMask mask, char buf[static PCR_MASK_STRING_MAX]);

/* Number of PCRs selected. */
unsigned pcr_mask_count(PcrMask mask);

/* TPML_PCR_SELECTION for mask in the SHA-256 bank, marshalled as the TPM
 * does (count, hash, sizeofSelect = 3, bitmap): 10 bytes. */
#define PCR_SELECTION_WIRE_SIZE 10
void pcr_selection_marshal(PcrMask mask, uint8_t ret[PCR_SELECTION_WIRE_SIZE]);

/* The policy digest an object sealed to `values` (one PCR_DIGEST_SIZE value
 * per selected PCR, ascending) must carry:
 *   d1 = SHA256(0^32 || TPM_CC_PolicyPCR || selection || SHA256(values...))
 *   d2 = SHA256(d1 || TPM_CC_PolicyAuthValue)          when with_auth
 * Returns 0 or -EINVAL (empty mask). */
int pcr_policy_digest(PcrMask mask, const uint8_t values[][PCR_DIGEST_SIZE], bool with_auth,
                      uint8_t ret[PCR_DIGEST_SIZE]);

/* The PCRs of mask whose current value differs from the expected one
 * (both arrays ascending, one value per selected PCR). */
PcrMask pcr_mask_differing(PcrMask mask, const uint8_t expected[][PCR_DIGEST_SIZE],
                           const uint8_t current[][PCR_DIGEST_SIZE]);
