// SPDX-License-Identifier: GPL-2.0
/*
 * The "carrel_blk" generic netlink family, version 1. The protocol is
 * specified in uapi/carrel_blk.h. Each command has its own policy listing
 * only the attributes it takes; with resv_start_op 0 the core validates
 * strictly, so anything else (unknown types, reply-only attributes, wrong
 * lengths, trailing bytes) is refused before a handler runs.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <linux/kdev_t.h>

#include <carrel_blk.h>

#include "device.h"
#include "netlink.h"

static struct genl_family carrel_blk_family;

static struct netlink_range_validation carrel_blk_major_range = {
	.max = (1U << (32 - MINORBITS)) - 1,
};
static struct netlink_range_validation carrel_blk_minor_range = {
	.max = MINORMASK,
};

static const struct nla_policy carrel_blk_attach_policy[CARREL_BLK_A_MAX + 1] = {
	[CARREL_BLK_A_BACKING_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[CARREL_BLK_A_BACKING_MAJOR] = NLA_POLICY_FULL_RANGE(NLA_U32, &carrel_blk_major_range),
	[CARREL_BLK_A_BACKING_MINOR] = NLA_POLICY_FULL_RANGE(NLA_U32, &carrel_blk_minor_range),
};

static const struct nla_policy carrel_blk_index_policy[CARREL_BLK_A_MAX + 1] = {
	[CARREL_BLK_A_INDEX] = NLA_POLICY_MAX(NLA_U32, CARREL_BLK_MAX_DEVICES - 1),
};

static const struct nla_policy carrel_blk_set_key_policy[CARREL_BLK_A_MAX + 1] = {
	[CARREL_BLK_A_INDEX] = NLA_POLICY_MAX(NLA_U32, CARREL_BLK_MAX_DEVICES - 1),
	[CARREL_BLK_A_KEY] = NLA_POLICY_EXACT_LEN(CARREL_BLK_KEY_SIZE),
};

enum carrel_blk_mcgrp {
	CARREL_BLK_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group carrel_blk_mcgrps[] = {
	[CARREL_BLK_MCGRP_EVENTS_ID] = { .name = CARREL_BLK_MCGRP_EVENTS,
					 .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* Events are best effort: a full listener or no memory loses one event,
 * never the command's effect. */
static void carrel_blk_notify(enum carrel_blk_event event, u32 index)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &carrel_blk_family, 0, CARREL_BLK_CMD_EVENT);
	if (!hdr || nla_put_u32(skb, CARREL_BLK_A_EVENT, event) ||
	    nla_put_u32(skb, CARREL_BLK_A_INDEX, index)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&carrel_blk_family, skb, 0, CARREL_BLK_MCGRP_EVENTS_ID, GFP_KERNEL);
}

static int carrel_blk_nl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct nlattr *path = attrs[CARREL_BLK_A_BACKING_PATH];
	bool by_dev = attrs[CARREL_BLK_A_BACKING_MAJOR] || attrs[CARREL_BLK_A_BACKING_MINOR];
	struct sk_buff *reply;
	char name[32];
	dev_t devt = 0;
	void *hdr;
	u32 index;
	int ret;

	if (!!path == by_dev) {
		GENL_SET_ERR_MSG(info, "give either a backing path or a major and minor");
		return -EINVAL;
	}
	if (by_dev) {
		if (GENL_REQ_ATTR_CHECK(info, CARREL_BLK_A_BACKING_MAJOR) ||
		    GENL_REQ_ATTR_CHECK(info, CARREL_BLK_A_BACKING_MINOR))
			return -EINVAL;
		devt = MKDEV(nla_get_u32(attrs[CARREL_BLK_A_BACKING_MAJOR]),
			     nla_get_u32(attrs[CARREL_BLK_A_BACKING_MINOR]));
	}

	/* Allocate the reply first, so a successful attach is always told. */
	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &carrel_blk_family, 0, CARREL_BLK_CMD_ATTACH);
	if (!hdr) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}

	ret = carrel_blk_device_attach(path ? nla_data(path) : NULL, devt, &index);
	if (ret) {
		nlmsg_free(reply);
		return ret;
	}
	snprintf(name, sizeof(name), "carrelblk%u", index);
	if (nla_put_u32(reply, CARREL_BLK_A_INDEX, index) ||
	    nla_put_string(reply, CARREL_BLK_A_DISK_NAME, name)) {
		/* Cannot happen with NLMSG_GOODSIZE; undo rather than leak. */
		nlmsg_free(reply);
		carrel_blk_device_detach(index);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	ret = genlmsg_reply(reply, info);
	carrel_blk_notify(CARREL_BLK_EVENT_ATTACHED, index);
	return ret;
}

static int carrel_blk_nl_detach(struct sk_buff *skb, struct genl_info *info)
{
	u32 index;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CARREL_BLK_A_INDEX))
		return -EINVAL;
	index = nla_get_u32(info->attrs[CARREL_BLK_A_INDEX]);
	ret = carrel_blk_device_detach(index);
	if (ret == -EBUSY)
		GENL_SET_ERR_MSG(info, "device is open");
	if (!ret)
		carrel_blk_notify(CARREL_BLK_EVENT_DETACHED, index);
	return ret;
}

static int carrel_blk_nl_set_key(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *key = info->attrs[CARREL_BLK_A_KEY];
	u32 index;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CARREL_BLK_A_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, CARREL_BLK_A_KEY)) {
		ret = -EINVAL;
		goto out;
	}
	index = nla_get_u32(info->attrs[CARREL_BLK_A_INDEX]);
	ret = carrel_blk_device_set_key(index, nla_data(key));
	if (!ret)
		carrel_blk_notify(CARREL_BLK_EVENT_KEYED, index);
out:
	/* The raw key lives on only in the cipher's context. */
	if (key)
		memzero_explicit(nla_data(key), nla_len(key));
	return ret;
}

static int carrel_blk_nl_clear_key(struct sk_buff *skb, struct genl_info *info)
{
	u32 index;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CARREL_BLK_A_INDEX))
		return -EINVAL;
	index = nla_get_u32(info->attrs[CARREL_BLK_A_INDEX]);
	ret = carrel_blk_device_clear_key(index);
	if (!ret)
		carrel_blk_notify(CARREL_BLK_EVENT_KEY_CLEARED, index);
	return ret;
}

static int carrel_blk_put_status(struct sk_buff *skb, const struct carrel_blk_status *st)
{
	struct nlattr *stats;
	int i;

	if (nla_put_u32(skb, CARREL_BLK_A_INDEX, st->index) ||
	    nla_put_string(skb, CARREL_BLK_A_DISK_NAME, st->disk_name) ||
	    nla_put_u32(skb, CARREL_BLK_A_BACKING_MAJOR, st->backing_major) ||
	    nla_put_u32(skb, CARREL_BLK_A_BACKING_MINOR, st->backing_minor) ||
	    nla_put_u64_64bit(skb, CARREL_BLK_A_SECTORS, st->sectors, CARREL_BLK_A_PAD) ||
	    nla_put_u8(skb, CARREL_BLK_A_KEYED, st->keyed))
		return -EMSGSIZE;
	stats = nla_nest_start(skb, CARREL_BLK_A_STATS);
	if (!stats)
		return -EMSGSIZE;
	for (i = CARREL_BLK_STAT_READS; i <= CARREL_BLK_STAT_ERRORS; i++)
		if (nla_put_u64_64bit(skb, i, st->stats[i], CARREL_BLK_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, stats);
	return 0;
}

/* cb->args[0] is the next index to report, so a dump split over several
 * buffers resumes where it stopped. */
static int carrel_blk_nl_get_status(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct carrel_blk_status st;
	u32 pos = cb->args[0];

	while (carrel_blk_device_status_next(&pos, &st) == 0) {
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					&carrel_blk_family, NLM_F_MULTI, CARREL_BLK_CMD_GET_STATUS);

		if (!hdr)
			break;
		if (carrel_blk_put_status(skb, &st)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = pos;
	}
	return skb->len;
}

static const struct genl_ops carrel_blk_ops[] = {
	{
		.cmd = CARREL_BLK_CMD_ATTACH,
		.flags = GENL_ADMIN_PERM,
		.policy = carrel_blk_attach_policy,
		.maxattr = CARREL_BLK_A_MAX,
		.doit = carrel_blk_nl_attach,
	},
	{
		.cmd = CARREL_BLK_CMD_DETACH,
		.flags = GENL_ADMIN_PERM,
		.policy = carrel_blk_index_policy,
		.maxattr = CARREL_BLK_A_MAX,
		.doit = carrel_blk_nl_detach,
	},
	{
		.cmd = CARREL_BLK_CMD_SET_KEY,
		.flags = GENL_ADMIN_PERM,
		.policy = carrel_blk_set_key_policy,
		.maxattr = CARREL_BLK_A_MAX,
		.doit = carrel_blk_nl_set_key,
	},
	{
		.cmd = CARREL_BLK_CMD_CLEAR_KEY,
		.flags = GENL_ADMIN_PERM,
		.policy = carrel_blk_index_policy,
		.maxattr = CARREL_BLK_A_MAX,
		.doit = carrel_blk_nl_clear_key,
	},
	{
		/* No policy: with resv_start_op 0 any attribute is refused. */
		.cmd = CARREL_BLK_CMD_GET_STATUS,
		.flags = GENL_ADMIN_PERM,
		.dumpit = carrel_blk_nl_get_status,
	},
};

static struct genl_family carrel_blk_family __ro_after_init = {
	.name = CARREL_BLK_GENL_NAME,
	.version = CARREL_BLK_GENL_VERSION,
	.maxattr = CARREL_BLK_A_MAX,
	.module = THIS_MODULE,
	.netnsok = false,
	.resv_start_op = 0,
	.ops = carrel_blk_ops,
	.n_ops = ARRAY_SIZE(carrel_blk_ops),
	.mcgrps = carrel_blk_mcgrps,
	.n_mcgrps = ARRAY_SIZE(carrel_blk_mcgrps),
};

int __init carrel_blk_netlink_init(void)
{
	return genl_register_family(&carrel_blk_family);
}

void carrel_blk_netlink_uninit(void)
{
	genl_unregister_family(&carrel_blk_family);
}

/* Lets the genetlink core load us on the first lookup of the family. */
MODULE_ALIAS_GENL_FAMILY(CARREL_BLK_GENL_NAME);
