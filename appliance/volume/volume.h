/* Control of carrel_blk devices over the "carrel_blk" generic netlink
 * family (kmod/uapi/carrel_blk.h is the protocol). Built on libnl-genl.
 *
 * Every function returns 0 (or a positive count) on success and a negative
 * errno on failure. Kernel refusals come back as the kernel's own errno:
 * -EPERM without CAP_NET_ADMIN, -ENODEV for an unknown index, -EBUSY for a
 * claimed backing device or an open volume, -EINVAL for a malformed
 * request. -ENOPKG means the module is not loaded. Library code never logs;
 * the kernel's extended-ACK text, if any, is kept for the caller. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmod/uapi/carrel_blk.h"

/* Spelled as a number so that key custody's identical definition (kdf.h)
 * may meet this one in a translation unit; volume.c asserts the equality. */
#define VOLUME_KEY_SIZE 64
#define VOLUME_SECTOR_SIZE CARREL_BLK_SECTOR_SIZE

typedef struct VolumeClient VolumeClient;

typedef struct VolumeStatus {
        uint32_t index;
        char disk_name[32];
        uint32_t backing_major, backing_minor;
        uint64_t sectors;
        bool keyed;
        uint64_t reads, writes, read_bytes, write_bytes, flushes, discards, errors;
} VolumeStatus;

typedef struct VolumeEvent {
        uint32_t event; /* enum carrel_blk_event */
        uint32_t index;
} VolumeEvent;

/* Connect to the family. On success *ret is a new client; free it with
 * volume_client_free(). -ENOPKG if carrel_blk is not loaded. */
int volume_client_new(VolumeClient **ret);
VolumeClient *volume_client_free(VolumeClient *c);
static inline void volume_client_freep(VolumeClient **c)
{
        volume_client_free(*c);
}

/* The kernel's extended-ACK message for the last refused request, or NULL.
 * Valid until the next request on this client. */
const char *volume_client_last_message(const VolumeClient *c);

/* Attach a backing device given by path, or by major:minor. On success
 * *ret_index is the N of /dev/carrelblkN. The new volume is locked. */
int volume_client_attach_path(VolumeClient *c, const char *path, uint32_t *ret_index);
int volume_client_attach_dev(VolumeClient *c, uint32_t major, uint32_t minor, uint32_t *ret_index);

/* Remove a volume (its key is wiped in the kernel). */
int volume_client_detach(VolumeClient *c, uint32_t index);

/* Give the volume its 64-byte XTS key (data key then tweak key). The
 * request buffer is wiped after sending. */
int volume_client_set_key(VolumeClient *c, uint32_t index, const uint8_t key[VOLUME_KEY_SIZE]);

/* Drop the key: the volume stays attached, I/O fails with EIO. */
int volume_client_clear_key(VolumeClient *c, uint32_t index);

/* Dump every volume. *ret is a malloc()ed array of *ret_n entries (at most
 * CARREL_BLK_MAX_DEVICES), NULL when there are none. */
int volume_client_status(VolumeClient *c, VolumeStatus **ret, size_t *ret_n);

/* Join the "events" group and call cb for each event until it returns
 * non-zero (which is then returned) or an error occurs. */
typedef int (*VolumeEventHandler)(const VolumeEvent *event, void *userdata);
int volume_client_watch(VolumeClient *c, VolumeEventHandler cb, void *userdata);

/* One-shot helpers for key custody: connect, act, disconnect. */
int volume_set_key(uint32_t index, const uint8_t key[VOLUME_KEY_SIZE]);
int volume_clear_key(uint32_t index);

/* Parse one GET_STATUS reply (a generic netlink message starting at the
 * nlmsghdr, len bytes long) into *ret. -EBADMSG for anything malformed.
 * Exposed for the fuzzer. */
int volume_status_parse(const void *msg, size_t len, VolumeStatus *ret);

/* Human-readable event name ("attached", ...), "unknown" otherwise. */
const char *volume_event_to_string(uint32_t event);
