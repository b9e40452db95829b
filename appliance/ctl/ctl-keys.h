/* carrelctl keys: TPM key custody. */
#pragma once

/* Run `carrelctl keys VERB ...` by exec'ing carrel-keys, the separate
 * process that holds key material (see docs/keys.md). argv[0] is "keys".
 * Returns only on failure, with -errno after one line on stderr. */
int verb_keys(int argc, char *argv[]);
