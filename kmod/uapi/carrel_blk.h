/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * carrel_blk: an encrypted block device whose sector format is dm-crypt's
 * aes-xts-plain64 with 512-byte sectors and a 512-bit key.
 *
 * This header is the protocol specification of the generic netlink family
 * CARREL_BLK_GENL_NAME, version CARREL_BLK_GENL_VERSION. It is shared by the
 * kernel module and userspace (appliance/volume/).
 *
 * Devices
 * -------
 * Each attached device is /dev/carrelblkN, where N is its index. It stacks
 * on a backing block device that it claims exclusively. Sector s (512 bytes,
 * counted from the start of the backing device) is
 *   XTS-AES-256(key[0..31] data key, key[32..63] tweak key,
 *               tweak = s as a 64-bit little-endian integer padded to 16 bytes)
 * which is exactly what `cryptsetup open --type plain --cipher aes-xts-plain64
 * --key-size 512` (offset 0) reads and writes. Without a key, every read and
 * write fails with EIO; the device stays present. Flush, FUA and discard
 * are passed to the backing device; write-zeroes is not offered.
 *
 * Permissions
 * -----------
 * The family exists in the initial network namespace only. Every command,
 * including the status dump, needs CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM): block devices are global, so a container's
 * root must not reach them. Joining the "events" group needs CAP_NET_ADMIN.
 *
 * Validation
 * ----------
 * Attributes are validated strictly: an attribute not listed for a command,
 * an attribute of the wrong type or length, or trailing garbage makes the
 * whole request fail with EINVAL (or ERANGE) and change nothing. The
 * extended ACK names the offending attribute.
 *
 * Commands
 * --------
 * CARREL_BLK_CMD_ATTACH (do)
 *   Request: exactly one of
 *     CARREL_BLK_A_BACKING_PATH   NLA_NUL_STRING, at most PATH_MAX bytes
 *     CARREL_BLK_A_BACKING_MAJOR + CARREL_BLK_A_BACKING_MINOR   NLA_U32 each
 *   Reply (CARREL_BLK_CMD_ATTACH):
 *     CARREL_BLK_A_INDEX          NLA_U32, the N of /dev/carrelblkN
 *     CARREL_BLK_A_DISK_NAME      NLA_NUL_STRING, "carrelblkN"
 *   Errors: ENOENT/ENOTBLK for a bad path, EBUSY if the backing device is
 *   already claimed (by carrel_blk or anyone else), ENOSPC when
 *   CARREL_BLK_MAX_DEVICES are attached, EINVAL for a malformed request.
 *   The new device has no key. Emits CARREL_BLK_EVENT_ATTACHED.
 *
 * CARREL_BLK_CMD_DETACH (do)
 *   Request: CARREL_BLK_A_INDEX. The key is wiped and the device removed.
 *   Errors: ENODEV for an unknown index, EBUSY while the device is open
 *   (mounted, or held by a process). Emits CARREL_BLK_EVENT_DETACHED.
 *
 * CARREL_BLK_CMD_SET_KEY (do)
 *   Request: CARREL_BLK_A_INDEX and CARREL_BLK_A_KEY (NLA_BINARY of exactly
 *   CARREL_BLK_KEY_SIZE bytes; any other length is EINVAL). Replaces any
 *   previous key. The key bytes in the request buffer are wiped with
 *   memzero_explicit() once the cipher has taken them. Emits
 *   CARREL_BLK_EVENT_KEYED.
 *
 * CARREL_BLK_CMD_CLEAR_KEY (do)
 *   Request: CARREL_BLK_A_INDEX. The cipher context and its expanded key
 *   are freed and zeroised after in-flight I/O drains; new I/O fails with
 *   EIO. Clearing an unkeyed device succeeds. Emits
 *   CARREL_BLK_EVENT_KEY_CLEARED.
 *
 * CARREL_BLK_CMD_GET_STATUS (dump)
 *   Request: no attributes. One message per device, in index order; a dump
 *   interrupted by a full buffer resumes at the next index. Each message:
 *     CARREL_BLK_A_INDEX          NLA_U32
 *     CARREL_BLK_A_DISK_NAME      NLA_NUL_STRING
 *     CARREL_BLK_A_BACKING_MAJOR  NLA_U32
 *     CARREL_BLK_A_BACKING_MINOR  NLA_U32
 *     CARREL_BLK_A_SECTORS        NLA_U64, capacity in 512-byte sectors
 *     CARREL_BLK_A_KEYED          NLA_U8, 1 when a key is set
 *     CARREL_BLK_A_STATS          NLA_NESTED, CARREL_BLK_STAT_* NLA_U64s
 *
 * CARREL_BLK_CMD_EVENT (multicast on group CARREL_BLK_MCGRP_EVENTS only)
 *     CARREL_BLK_A_EVENT          NLA_U32, enum carrel_blk_event
 *     CARREL_BLK_A_INDEX          NLA_U32
 *   Events never carry key material or paths.
 *
 * 64-bit attributes are padded with CARREL_BLK_A_PAD / CARREL_BLK_STAT_PAD.
 */
#ifndef _UAPI_CARREL_BLK_H
#define _UAPI_CARREL_BLK_H

#define CARREL_BLK_GENL_NAME "carrel_blk"
#define CARREL_BLK_GENL_VERSION 1
#define CARREL_BLK_MCGRP_EVENTS "events"

/* Key: XTS data key followed by XTS tweak key, AES-256 each. */
#define CARREL_BLK_KEY_SIZE 64
/* Sector size of the encryption format (and of the IV counter). */
#define CARREL_BLK_SECTOR_SIZE 512
/* Indexes run from 0 to CARREL_BLK_MAX_DEVICES - 1. */
#define CARREL_BLK_MAX_DEVICES 64

enum carrel_blk_cmd {
	CARREL_BLK_CMD_UNSPEC,
	CARREL_BLK_CMD_ATTACH,
	CARREL_BLK_CMD_DETACH,
	CARREL_BLK_CMD_SET_KEY,
	CARREL_BLK_CMD_CLEAR_KEY,
	CARREL_BLK_CMD_GET_STATUS,
	CARREL_BLK_CMD_EVENT,
	__CARREL_BLK_CMD_MAX
};
#define CARREL_BLK_CMD_MAX (__CARREL_BLK_CMD_MAX - 1)

enum carrel_blk_attr {
	CARREL_BLK_A_UNSPEC,
	CARREL_BLK_A_INDEX, /* NLA_U32 */
	CARREL_BLK_A_BACKING_PATH, /* NLA_NUL_STRING */
	CARREL_BLK_A_BACKING_MAJOR, /* NLA_U32 */
	CARREL_BLK_A_BACKING_MINOR, /* NLA_U32 */
	CARREL_BLK_A_KEY, /* NLA_BINARY, exactly CARREL_BLK_KEY_SIZE */
	CARREL_BLK_A_DISK_NAME, /* NLA_NUL_STRING, reply only */
	CARREL_BLK_A_SECTORS, /* NLA_U64, reply only */
	CARREL_BLK_A_KEYED, /* NLA_U8, reply only */
	CARREL_BLK_A_STATS, /* NLA_NESTED of CARREL_BLK_STAT_*, reply only */
	CARREL_BLK_A_EVENT, /* NLA_U32, enum carrel_blk_event, events only */
	CARREL_BLK_A_PAD,
	__CARREL_BLK_A_MAX
};
#define CARREL_BLK_A_MAX (__CARREL_BLK_A_MAX - 1)

/* Counters since attach, all NLA_U64. */
enum carrel_blk_stat {
	CARREL_BLK_STAT_UNSPEC,
	CARREL_BLK_STAT_READS, /* completed read bios */
	CARREL_BLK_STAT_WRITES, /* completed write bios */
	CARREL_BLK_STAT_READ_BYTES,
	CARREL_BLK_STAT_WRITE_BYTES,
	CARREL_BLK_STAT_FLUSHES, /* empty flush bios */
	CARREL_BLK_STAT_DISCARDS,
	CARREL_BLK_STAT_ERRORS, /* bios failed, including EIO while unkeyed */
	CARREL_BLK_STAT_PAD,
	__CARREL_BLK_STAT_MAX
};
#define CARREL_BLK_STAT_MAX (__CARREL_BLK_STAT_MAX - 1)

enum carrel_blk_event {
	CARREL_BLK_EVENT_UNSPEC,
	CARREL_BLK_EVENT_ATTACHED,
	CARREL_BLK_EVENT_KEYED,
	CARREL_BLK_EVENT_KEY_CLEARED,
	CARREL_BLK_EVENT_DETACHED,
	__CARREL_BLK_EVENT_MAX
};

#endif /* _UAPI_CARREL_BLK_H */
