/* The sync wire form of an exchange batch (version 2): what travels between
 * a desk and the appliance and between the appliance and the hub.
 *
 * A stored entry repeats what its neighbours in the same chain already
 * say: the origin, a seq one above the last, the previous entry's hash, an
 * HLC a little above the last, the same few actors. The wire form leaves
 * that out and the receiver rebuilds it, so that each rebuilt entry is
 * byte for byte the entry its origin hashed and signed (the canonical CBOR
 * of sync/entry.h has one byte form, and the receiver's exchange checks it
 * as it checks every entry):
 *
 *   batch = [ 2, actors: [* tstr], runs: [* run] ]
 *   run   = [ origin: bstr(16), first seq: uint, prev of the first: bstr(32),
 *             first hlc: uint, [* entry] ]
 *   entry = [ hlc - previous hlc: uint, actor: uint (index into actors),
 *             kind: uint, body: bstr (the entry's canonical body map),
 *             sig: bstr(64) / null ]
 *
 * Signatures: one signature on a chain head authenticates everything before
 * it, so only the last entry of each run and every JOURNAL_SIGN_INTERVAL-th
 * seq keep theirs (the receiver can then serve the chain again in runs of at
 * most that many entries); the others stay home. Compression (zstd) is a
 * separate, optional step over these bytes.
 *
 * The decoder bounds every count and size as exchange_batch_decode() does,
 * refuses anything else with -EBADMSG (-EPROTONOSUPPORT for another
 * version) and allocates only the batch it returns. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sync/exchange.h"

#define WIRE_VERSION 2
#define WIRE_ACTORS_MAX 4096
/* Compressed input is refused past this, and decompression stops at the
 * largest batch the decoder accepts: a small frame cannot claim more. */
#define WIRE_MAX_BYTES (EXCHANGE_BATCH_MAX_BYTES + 64 * (size_t)EXCHANGE_BATCH_MAX_ENTRIES)

/* Encode b (as exchange_batch_build() makes it: each origin's entries
 * ascending and contiguous, every entry decodable) into a new buffer.
 * Returns 0, -EINVAL for an entry that does not decode, -ENOMEM. */
int wire_batch_encode(const Batch *b, uint8_t **ret, size_t *ret_size);

/* Decode a wire batch into *ret, rebuilding every entry's stored bytes.
 * Returns 0, -EBADMSG or -EPROTONOSUPPORT; *ret untouched on failure. */
int wire_batch_decode(const uint8_t *data, size_t size, Batch *ret);

/* zstd around the wire form. wire_compress() returns 0 and a new buffer;
 * wire_decompress() refuses (-EBADMSG) a frame that is not zstd, is
 * damaged, or would decompress to more than WIRE_MAX_BYTES. */
int wire_compress(const uint8_t *data, size_t size, uint8_t **ret, size_t *ret_size);
int wire_decompress(const uint8_t *data, size_t size, uint8_t **ret, size_t *ret_size);
