/* Recovery keys: 160 random bits an officer writes down at enrolment and
 * types back when the TPM path is unavailable.
 *
 * Text form: 8 groups of 5 Crockford base32 characters separated by dashes,
 * e.g. "7K3QH-0M9XR-...": each group is 4 data characters (20 bits) and a
 * check character over them and the group's position, so a typo is caught
 * and located before any key derivation is attempted. Input is forgiving the
 * way Crockford intends: case-insensitive, O reads as 0, I and L as 1, and
 * spaces and dashes are ignored. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RECOVERY_KEY_BYTES 20
#define RECOVERY_KEY_GROUPS 8
#define RECOVERY_KEY_GROUP_DATA 4
/* 8 * 5 characters + 7 dashes + NUL */
#define RECOVERY_KEY_STRING_SIZE (RECOVERY_KEY_GROUPS * 6)
/* Longest text accepted from a human (spaces, dashes, line noise). */
#define RECOVERY_KEY_INPUT_MAX 256

/* Encode key into text (RECOVERY_KEY_STRING_SIZE bytes, NUL-terminated). */
void recovery_key_format(const uint8_t key[RECOVERY_KEY_BYTES], char text[static RECOVERY_KEY_STRING_SIZE]);

/* Decode text typed by a human into key. Returns 0; -EINVAL for a character
 * outside the alphabet or a wrong length; -EBADMSG when a group's check
 * character does not match, with *ret_bad_group (1-based) naming the first
 * such group if ret_bad_group is not NULL. key is untouched on failure. */
int recovery_key_parse(const char *text, uint8_t key[RECOVERY_KEY_BYTES], unsigned *ret_bad_group);
