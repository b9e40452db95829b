/* libFuzzer target: recovery key text typed by a person. A key that parses
 * formats back to text that parses to the same key. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/keys/recovery-key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char text[RECOVERY_KEY_INPUT_MAX + 2], back[RECOVERY_KEY_STRING_SIZE];
        uint8_t key[RECOVERY_KEY_BYTES], again[RECOVERY_KEY_BYTES];
        unsigned group = 0;
        int r;

        size = size > RECOVERY_KEY_INPUT_MAX + 1 ? RECOVERY_KEY_INPUT_MAX + 1 : size;
        memcpy(text, data, size);
        text[size] = '\0';
        r = recovery_key_parse(text, key, &group);
        if (r == -EBADMSG && (group < 1 || group > RECOVERY_KEY_GROUPS))
                abort();
        if (r != 0)
                return 0;
        recovery_key_format(key, back);
        if (recovery_key_parse(back, again, NULL) != 0 || memcmp(key, again, sizeof key) != 0)
                abort();
        return 0;
}
