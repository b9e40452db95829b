/* SPDX-License-Identifier: GPL-2.0 */
/* The "carrel_blk" generic netlink family (see uapi/carrel_blk.h). */
#ifndef _CARREL_BLK_NETLINK_H
#define _CARREL_BLK_NETLINK_H

/* Register the family. 0 or -errno. */
int carrel_blk_netlink_init(void);
/* Unregister it; returns once no command is running. */
void carrel_blk_netlink_uninit(void);

#endif
