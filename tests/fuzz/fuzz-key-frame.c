/* libFuzzer target: the subkey frame a consumer reads from key custody
 * (appliance/keys/key-sink.h). A parsed frame rebuilds to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "appliance/keys/key-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        KeyFrame f;
        uint8_t *out;
        size_t out_size;

        if (key_frame_parse(data, size, &f) != 0)
                return 0;
        if (key_frame_build(f.op, f.old_keys, f.keys, &out, &out_size) != 0 || out_size != size ||
            memcmp(out, data, size) != 0)
                abort();
        secmem_free(out);
        key_frame_done(&f);
        return 0;
}
