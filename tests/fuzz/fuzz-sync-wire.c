/* libFuzzer target: the sync wire form and its zstd envelope (sync/wire).
 * Any input must be refused cleanly or decode to a batch whose every entry
 * is at most ENTRY_MAX_SIZE and which encodes again and decodes to the same
 * bytes; decompression must refuse whatever would expand past the limit.
 * Never a crash, leak, overread or unbounded allocation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_batch(const uint8_t *data, size_t size)
{
        uint8_t *again = NULL;
        size_t again_size;
        Batch b = { 0 }, c = { 0 };

        if (wire_batch_decode(data, size, &b) < 0)
                return;
        for (size_t i = 0; i < b.n; i++)
                if (b.e[i].size == 0 || b.e[i].size > ENTRY_MAX_SIZE)
                        abort();
        /* Only batches of well-formed entries encode again; those must
         * come back as the same entries. */
        if (wire_batch_encode(&b, &again, &again_size) == 0) {
                if (wire_batch_decode(again, again_size, &c) < 0 || c.n != b.n)
                        abort();
                for (size_t i = 0; i < b.n; i++)
                        if (c.e[i].size != b.e[i].size ||
                            memcmp(c.e[i].bytes, b.e[i].bytes, b.e[i].size) != 0)
                                abort();
        }
        free(again);
        batch_done(&b);
        batch_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *plain = NULL;
        size_t plain_size;

        check_batch(data, size);
        if (wire_decompress(data, size, &plain, &plain_size) == 0) {
                if (plain_size > WIRE_MAX_BYTES)
                        abort();
                check_batch(plain, plain_size);
                free(plain);
        }
        return 0;
}
