/* libFuzzer target: the operator's key input (raw 64 bytes or 128 hex
 * digits) in appliance/volume/volume-key. Exactly those forms are accepted;
 * everything else is -EINVAL with the output untouched. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/volume/volume-key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t key[VOLUME_KEY_SIZE], untouched[VOLUME_KEY_SIZE];
        int r;

        memset(key, 0xa5, sizeof key);
        memcpy(untouched, key, sizeof key);
        r = volume_key_parse(data, size, key);
        if (r == 0 && size != 64 && size != 128 && size != 129)
                abort();
        if (r == -EINVAL && memcmp(key, untouched, sizeof key) != 0)
                abort();
        if (r != 0 && r != -EINVAL)
                abort();
        if (r == 0 && size == 64 && memcmp(key, data, 64) != 0)
                abort();
        return 0;
}
