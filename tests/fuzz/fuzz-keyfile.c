/* libFuzzer target: the key custody file formats (amk.sealed and
 * amk.recovery, each with the wrapped volume key). Any input is parsed as both; a success must serialise back
 * to exactly the input (the format has one encoding per value). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/keys/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        SealedKeyFile *s = malloc(sizeof *s);
        RecoveryKeyFile r;
        uint8_t *out;
        size_t out_size;

        if (!s)
                return 0;
        if (sealed_key_file_parse(data, size, s) == 0 &&
            sealed_key_file_serialize(s, &out, &out_size) == 0) {
                /* Record order may differ from ours; the content must not. */
                SealedKeyFile *t = malloc(sizeof *t);
                if (t && sealed_key_file_parse(out, out_size, t) != 0)
                        abort();
                if (t && (memcmp(t->policy_digest, s->policy_digest, sizeof s->policy_digest) != 0 ||
                          memcmp(&t->volume, &s->volume, sizeof s->volume) != 0))
                        abort();
                free(t);
                free(out);
        }
        if (recovery_key_file_parse(data, size, &r) == 0 &&
            recovery_key_file_serialize(&r, &out, &out_size) == 0) {
                RecoveryKeyFile q;
                if (recovery_key_file_parse(out, out_size, &q) != 0 ||
                    memcmp(&q.ciphertext, &r.ciphertext, sizeof r.ciphertext) != 0 ||
                    memcmp(&q.volume, &r.volume, sizeof r.volume) != 0)
                        abort();
                free(out);
        }
        free(s);
        return 0;
}
