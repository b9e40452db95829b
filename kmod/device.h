/* SPDX-License-Identifier: GPL-2.0 */
/*
 * carrel_blk devices: /dev/carrelblkN stacked on a backing block device.
 * All functions sleep and take the global device lock; they are called
 * from netlink handlers and module init/exit only.
 */
#ifndef _CARREL_BLK_DEVICE_H
#define _CARREL_BLK_DEVICE_H

#include <linux/types.h>

#include <carrel_blk.h>

/* A snapshot of one device for the status dump. */
struct carrel_blk_status {
	u32 index;
	char disk_name[32];
	u32 backing_major, backing_minor;
	u64 sectors;
	bool keyed;
	u64 stats[__CARREL_BLK_STAT_MAX]; /* indexed by enum carrel_blk_stat */
};

/* Register the block major. 0 or -errno. */
int carrel_blk_device_init(void);
/* Tear down every device (wiping keys) and release the major. Devices are
 * never open here: an open device pins the module. */
void carrel_blk_device_uninit(void);

/*
 * Claim the backing device (by path if path is non-NULL, else by devt)
 * exclusively and create an unkeyed /dev/carrelblkN on it. On success
 * stores N in *ret_index. -EBUSY if already claimed, -ENOSPC if no index
 * is free, other -errno from the block layer.
 */
int carrel_blk_device_attach(const char *path, dev_t devt, u32 *ret_index);

/* Remove a device and wipe its key. -ENODEV if unknown, -EBUSY if open. */
int carrel_blk_device_detach(u32 index);

/* Replace the key with a CARREL_BLK_KEY_SIZE-byte raw key. The caller
 * wipes raw. -ENODEV if unknown. */
int carrel_blk_device_set_key(u32 index, const u8 *raw);

/* Drop the key after in-flight crypto drains; I/O then fails with EIO.
 * -ENODEV if unknown. */
int carrel_blk_device_clear_key(u32 index);

/* Fill *ret with the first device whose index is >= *pos and advance *pos
 * past it. 0, or -ENOENT when there is none. */
int carrel_blk_device_status_next(u32 *pos, struct carrel_blk_status *ret);

#endif
