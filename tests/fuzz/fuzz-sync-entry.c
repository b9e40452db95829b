/* libFuzzer target: the journal entry decoder and the exchange batch
 * decoder (sync/entry, sync/exchange). Any input must be refused cleanly or
 * decode to something that re-encodes to exactly the same bytes; never a
 * crash, leak, overread or unbounded allocation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/entry.h"
#include "sync/exchange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const uint8_t *data, size_t size)
{
        uint8_t again[ENTRY_MAX_SIZE];
        Entry e;
        int n;

        if (entry_decode(data, size, &e) < 0) {
                (void)entry_decode_stored(data, size, &e);
                return;
        }
        /* Exactly one byte form per entry. */
        n = entry_encode(&e, again, sizeof again);
        if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Batch b = { 0 }, c = { 0 };
        uint8_t *wire = NULL;
        size_t wire_size;

        check_entry(data, size);
        if (exchange_batch_decode(data, size, &b) < 0)
                return 0;
        for (size_t i = 0; i < b.n; i++) {
                if (b.e[i].size == 0 || b.e[i].size > ENTRY_MAX_SIZE)
                        abort();
                check_entry(b.e[i].bytes, b.e[i].size);
        }
        /* A decoded batch survives a round trip. */
        if (exchange_batch_encode(&b, &wire, &wire_size) < 0 ||
            exchange_batch_decode(wire, wire_size, &c) < 0 || c.n != b.n)
                abort();
        for (size_t i = 0; i < b.n; i++)
                if (c.e[i].size != b.e[i].size || memcmp(c.e[i].bytes, b.e[i].bytes, b.e[i].size) != 0 ||
                    c.e[i].has_sig != b.e[i].has_sig)
                        abort();
        free(wire);
        batch_done(&b);
        batch_done(&c);
        return 0;
}
