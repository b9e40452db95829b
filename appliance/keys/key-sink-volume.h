/* The carrel_blk key sink: the volume key goes straight from key
 * custody's locked memory to one carrel_blk volume in the kernel, over
 * generic netlink (appliance/volume's volume_set_key()). Only the volume
 * key leaves; the others are not this consumer's.
 *
 * A rotation keeps the volume key (custody re-wraps VK under the new AMK),
 * so rekey only checks that old and new VK are equal (-EOPNOTSUPP if not:
 * carrel_blk cannot re-encrypt a device in place) and sets it again.
 * Built only with CONFIG_KMOD. */
#pragma once

#include <stdint.h>

#include "appliance/keys/key-sink.h"

typedef struct VolumeSink {
        uint32_t index; /* N of /dev/carrelblkN */
        int error; /* the last callback's result, 0 or -errno */
} VolumeSink;

/* Point sink at the carrel_blk volume v->index. v is not owned and must
 * outlive sink; v->error is reset and then holds each callback's result. */
void key_sink_volume_init(KeySink *sink, VolumeSink *v);

/* A one-line cause for an error a volume sink returned, or NULL when there
 * is nothing more specific to say than strerror(). */
const char *key_sink_volume_cause(int error);
