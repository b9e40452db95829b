/* Where unlocked keys go: the consumer interface of key custody.
 *
 * Key custody never writes a subkey to disk; it hands a KeySet to a
 * KeySink. key-sink-volume.h gives the volume key to carrel_blk
 * (`--volume N`, CONFIG_KMOD); `--key-fd N` uses the fd sink below, which
 * writes one framed message to a pipe or socket the caller set up, for a
 * consumer in another process. The frame format is documented in
 * docs/keys.md and parsed by key_frame_parse().
 *
 * Every callback returns 0 or -errno and must not keep pointers into the
 * KeySet after returning (copy into its own locked memory if it needs to). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "appliance/keys/kdf.h"

typedef struct KeySink {
        const char *name;
        /* Deliver the subkeys of the unlocked AMK. */
        int (*set_keys)(void *userdata, const KeySet *keys);
        /* Rotation: re-wrap or re-encrypt everything under old_keys to
         * new_keys. Must be idempotent: an interrupted rotation is resumed
         * by calling it again with the same arguments. */
        int (*rekey)(void *userdata, const KeySet *old_keys, const KeySet *new_keys);
        /* Crypto-erase: forget every key (clears the carrel_blk key). */
        int (*clear)(void *userdata);
        void *userdata;
} KeySink;

/* A sink that accepts and drops everything (unlock as a check only). */
extern const KeySink key_sink_null;

/* A sink writing one frame per call to fd (not closed, not owned). */
void key_sink_fd_init(KeySink *sink, int *fd);

/* Frames on the wire:
 *   "CRLKEY01"  u8 op  u8 n_sets  then per set four records {u8 id, u8 len, bytes}
 * with op 1 = SET (1 set), 2 = REKEY (old set, new set), 3 = CLEAR (0 sets),
 * ids SubkeyId, lengths exact (64 for the volume key, 32 otherwise). */
#define KEY_FRAME_MAX 512

typedef enum KeyFrameOp {
        KEY_FRAME_SET = 1,
        KEY_FRAME_REKEY = 2,
        KEY_FRAME_CLEAR = 3,
} KeyFrameOp;

typedef struct KeyFrame {
        KeyFrameOp op;
        KeySet *keys; /* SET, REKEY: the (new) keys */
        KeySet *old_keys; /* REKEY only */
} KeyFrame;

/* Build a frame into locked memory (*ret, *ret_size bytes; secmem_free it). */
int key_frame_build(KeyFrameOp op, const KeySet *old_keys, const KeySet *keys, uint8_t **ret,
                    size_t *ret_size);

/* Parse one frame (untrusted bytes) into *ret, keys in locked memory.
 * Returns 0 or -EBADMSG; *ret untouched on failure. */
int key_frame_parse(const void *data, size_t size, KeyFrame *ret);
void key_frame_done(KeyFrame *f);
