// SPDX-License-Identifier: GPL-2.0
/*
 * carrel_blk: an encrypted block device in dm-crypt's aes-xts-plain64
 * format, keyed and controlled over generic netlink. Init brings the
 * pieces up in order and unwinds in reverse on failure; exit is the same
 * unwinding: netlink first (no new commands), then the devices (keys wiped).
 */
#include <linux/module.h>

#include <carrel_blk.h>

#include "crypto.h"
#include "device.h"
#include "netlink.h"

static int __init carrel_blk_mod_init(void)
{
	int ret;

	ret = carrel_blk_crypto_init();
	if (ret) {
		pr_err("carrel_blk: the kernel offers no xts(aes) skcipher\n");
		goto err_crypto;
	}
	ret = carrel_blk_device_init();
	if (ret)
		goto err_device;
	ret = carrel_blk_netlink_init();
	if (ret)
		goto err_netlink;

	pr_info("carrel_blk: loaded, generic netlink family %s version %u\n", CARREL_BLK_GENL_NAME,
		CARREL_BLK_GENL_VERSION);
	return 0;

err_netlink:
	carrel_blk_device_uninit();
err_device:
err_crypto:
	return ret;
}

static void __exit carrel_blk_mod_exit(void)
{
	carrel_blk_netlink_uninit();
	carrel_blk_device_uninit();
	pr_info("carrel_blk: unloaded\n");
}

module_init(carrel_blk_mod_init);
module_exit(carrel_blk_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Carrel encrypted block device (dm-crypt aes-xts-plain64 format)");
MODULE_AUTHOR("Carrel");
MODULE_VERSION("1");
MODULE_SOFTDEP("pre: xts aesni-intel");
