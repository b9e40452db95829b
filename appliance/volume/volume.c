/* See volume.h. libnl's error codes are translated to -errno once, here
 * (errno_from_nl); kernel refusals keep the kernel's errno, captured from
 * the NLMSG_ERROR message itself rather than through libnl's lossy
 * mapping. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "lib/macro.h"
#include "lib/secmem.h"
#include "appliance/volume/volume.h"

_Static_assert(VOLUME_KEY_SIZE == CARREL_BLK_KEY_SIZE, "the key size is the kernel's");

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct VolumeClient {
        struct nl_sock *sk;
        int family;
        char message[256]; /* extended ACK text of the last refusal */
};

static int errno_from_nl(int nle)
{
        switch (nle < 0 ? -nle : nle) {
        case 0:
                return 0;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_PERM:
                return -EPERM;
        case NLE_INVAL:
        case NLE_RANGE:
        case NLE_MSGSIZE:
                return -EINVAL;
        case NLE_OBJ_NOTFOUND:
                return -ENOENT;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_INTR:
                return -EINTR;
        case NLE_BAD_SOCK:
                return -EBADF;
        case NLE_NOADDR:
        case NLE_OPNOTSUPP:
        case NLE_AF_NOSUPPORT:
        case NLE_PROTO_MISMATCH:
                return -EPROTONOSUPPORT;
        case NLE_MSG_TRUNC:
        case NLE_MSG_OVERFLOW:
        case NLE_MSG_TOOSHORT:
        case NLE_PARSE_ERR:
        case NLE_SEQ_MISMATCH:
                return -EBADMSG;
        case NLE_NODEV:
                return -ENODEV;
        default:
                return -EIO;
        }
}

static void nl_msg_freep(struct nl_msg **m)
{
        if (*m)
                nlmsg_free(*m);
}

static void nl_cb_putp(struct nl_cb **cb)
{
        if (*cb)
                nl_cb_put(*cb);
}

VolumeClient *volume_client_free(VolumeClient *c)
{
        if (!c)
                return NULL;
        if (c->sk)
                nl_socket_free(c->sk);
        free(c);
        return NULL;
}

int volume_client_new(VolumeClient **ret)
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        int one = 1, r;

        assert_return(ret, -EINVAL);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->sk = nl_socket_alloc();
        if (!c->sk)
                return -ENOMEM;
        r = genl_connect(c->sk); /* libnl opens the socket SOCK_CLOEXEC */
        if (r < 0)
                return errno_from_nl(r);
        /* Ask for the kernel's reason text with every refusal. */
        (void)setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
        r = genl_ctrl_resolve(c->sk, CARREL_BLK_GENL_NAME);
        if (r < 0)
                return r == -NLE_OBJ_NOTFOUND ? -ENOPKG : errno_from_nl(r);
        c->family = r;
        *ret = TAKE_PTR(c);
        return 0;
}

const char *volume_client_last_message(const VolumeClient *c)
{
        return c && c->message[0] ? c->message : NULL;
}

typedef struct Request {
        VolumeClient *client;
        int error;
        bool done;
        nl_recvmsg_msg_cb_t parse;
        void *userdata;
        int parse_error;
} Request;

static int request_on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
        Request *req = arg;
        struct nlmsghdr *nlh = (struct nlmsghdr *)((uint8_t *)e - NLMSG_HDRLEN);

        req->error = e->error < 0 ? e->error : -EIO;
        req->done = true;
        /* Extended ACK attributes follow the error and, unless capped, the
         * echoed request. */
        if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                size_t off = sizeof(*e);
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                        off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
                size_t hdr = NLMSG_HDRLEN;
                if (nlh->nlmsg_len >= hdr + off) {
                        struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
                        struct nlattr *head = (struct nlattr *)((uint8_t *)e + off);
                        if (nla_parse(tb, NLMSGERR_ATTR_MAX, head, (int)(nlh->nlmsg_len - hdr - off),
                                      NULL) == 0 &&
                            tb[NLMSGERR_ATTR_MSG]) {
                                size_t n = MIN((size_t)nla_len(tb[NLMSGERR_ATTR_MSG]),
                                               sizeof req->client->message - 1);
                                memcpy(req->client->message, nla_data(tb[NLMSGERR_ATTR_MSG]), n);
                                req->client->message[n] = 0;
                        }
                }
        }
        return NL_STOP;
}

static int request_on_done(struct nl_msg *msg, void *arg)
{
        Request *req = arg;

        req->done = true;
        return NL_STOP;
}

static int request_on_valid(struct nl_msg *msg, void *arg)
{
        Request *req = arg;

        if (!req->parse)
                return NL_OK;
        return req->parse(msg, req->userdata);
}

/* Send msg and collect replies until the ACK, the end of a dump, or an
 * error. Replies go to parse(msg, userdata). */
static int volume_request(VolumeClient *c, struct nl_msg *msg, nl_recvmsg_msg_cb_t parse, void *userdata)
{
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        Request req = { .client = c, .parse = parse, .userdata = userdata };
        int r;

        c->message[0] = 0;
        cb = nl_cb_clone(nl_socket_get_cb(c->sk));
        if (!cb)
                return -ENOMEM;
        nl_cb_err(cb, NL_CB_CUSTOM, request_on_error, &req);
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, request_on_done, &req);
        nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, request_on_done, &req);
        nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, request_on_valid, &req);

        r = nl_send_auto(c->sk, msg);
        if (r < 0)
                return errno_from_nl(r);
        while (!req.done) {
                r = nl_recvmsgs(c->sk, cb);
                if (r < 0 && !req.done)
                        return errno_from_nl(r);
        }
        return req.error;
}

static int volume_message(VolumeClient *c, uint8_t cmd, int flags, struct nl_msg **ret)
{
        struct nl_msg *msg = nlmsg_alloc();

        if (!msg)
                return -ENOMEM;
        if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags, cmd,
                         CARREL_BLK_GENL_VERSION)) {
                nlmsg_free(msg);
                return -ENOMEM;
        }
        *ret = msg;
        return 0;
}

static int attach_reply(struct nl_msg *msg, void *arg)
{
        struct nlattr *tb[CARREL_BLK_A_MAX + 1];
        uint32_t *index = arg;

        if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CARREL_BLK_A_MAX, NULL) < 0 || !tb[CARREL_BLK_A_INDEX] ||
            nla_len(tb[CARREL_BLK_A_INDEX]) != sizeof(uint32_t))
                return NL_SKIP;
        *index = nla_get_u32(tb[CARREL_BLK_A_INDEX]);
        return NL_OK;
}

static int volume_attach(VolumeClient *c, const char *path, uint32_t major, uint32_t minor,
                         uint32_t *ret_index)
{
        _cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
        uint32_t index = UINT32_MAX;
        int r;

        assert_return(c && ret_index, -EINVAL);
        r = volume_message(c, CARREL_BLK_CMD_ATTACH, 0, &msg);
        if (r < 0)
                return r;
        if (path ? nla_put_string(msg, CARREL_BLK_A_BACKING_PATH, path) < 0
                 : nla_put_u32(msg, CARREL_BLK_A_BACKING_MAJOR, major) < 0 ||
                            nla_put_u32(msg, CARREL_BLK_A_BACKING_MINOR, minor) < 0)
                return -EINVAL; /* a path longer than a netlink message */
        r = volume_request(c, msg, attach_reply, &index);
        if (r < 0)
                return r;
        if (index == UINT32_MAX)
                return -EBADMSG;
        *ret_index = index;
        return 0;
}

int volume_client_attach_path(VolumeClient *c, const char *path, uint32_t *ret_index)
{
        assert_return(path, -EINVAL);
        return volume_attach(c, path, 0, 0, ret_index);
}

int volume_client_attach_dev(VolumeClient *c, uint32_t major, uint32_t minor, uint32_t *ret_index)
{
        return volume_attach(c, NULL, major, minor, ret_index);
}

static int volume_index_command(VolumeClient *c, uint8_t cmd, uint32_t index)
{
        _cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
        int r;

        assert_return(c, -EINVAL);
        r = volume_message(c, cmd, 0, &msg);
        if (r < 0)
                return r;
        if (nla_put_u32(msg, CARREL_BLK_A_INDEX, index) < 0)
                return -ENOMEM;
        return volume_request(c, msg, NULL, NULL);
}

int volume_client_detach(VolumeClient *c, uint32_t index)
{
        return volume_index_command(c, CARREL_BLK_CMD_DETACH, index);
}

int volume_client_clear_key(VolumeClient *c, uint32_t index)
{
        return volume_index_command(c, CARREL_BLK_CMD_CLEAR_KEY, index);
}

int volume_client_set_key(VolumeClient *c, uint32_t index, const uint8_t key[VOLUME_KEY_SIZE])
{
        _cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
        struct nlmsghdr *nlh;
        int r;

        assert_return(c && key, -EINVAL);
        r = volume_message(c, CARREL_BLK_CMD_SET_KEY, 0, &msg);
        if (r < 0)
                return r;
        if (nla_put_u32(msg, CARREL_BLK_A_INDEX, index) < 0 ||
            nla_put(msg, CARREL_BLK_A_KEY, VOLUME_KEY_SIZE, key) < 0)
                r = -ENOMEM;
        else
                r = volume_request(c, msg, NULL, NULL);
        /* libnl's buffer is ordinary heap: wipe the key out of it now. */
        nlh = nlmsg_hdr(msg);
        secmem_wipe(nlmsg_data(nlh), nlmsg_datalen(nlh));
        return r;
}

static const struct nla_policy status_policy[CARREL_BLK_A_MAX + 1] = {
        [CARREL_BLK_A_INDEX] = { .type = NLA_U32 },
        [CARREL_BLK_A_DISK_NAME] = { .type = NLA_STRING, .maxlen = 32 },
        [CARREL_BLK_A_BACKING_MAJOR] = { .type = NLA_U32 },
        [CARREL_BLK_A_BACKING_MINOR] = { .type = NLA_U32 },
        [CARREL_BLK_A_SECTORS] = { .type = NLA_U64 },
        [CARREL_BLK_A_KEYED] = { .type = NLA_U8 },
        [CARREL_BLK_A_STATS] = { .type = NLA_NESTED },
};

static const struct nla_policy stats_policy[CARREL_BLK_STAT_MAX + 1] = {
        [CARREL_BLK_STAT_READS] = { .type = NLA_U64 },
        [CARREL_BLK_STAT_WRITES] = { .type = NLA_U64 },
        [CARREL_BLK_STAT_READ_BYTES] = { .type = NLA_U64 },
        [CARREL_BLK_STAT_WRITE_BYTES] = { .type = NLA_U64 },
        [CARREL_BLK_STAT_FLUSHES] = { .type = NLA_U64 },
        [CARREL_BLK_STAT_DISCARDS] = { .type = NLA_U64 },
        [CARREL_BLK_STAT_ERRORS] = { .type = NLA_U64 },
};

static uint64_t stat_get(struct nlattr **st, int type)
{
        return st[type] && nla_len(st[type]) == sizeof(uint64_t) ? nla_get_u64(st[type]) : 0;
}

int volume_status_parse(const void *msg, size_t len, VolumeStatus *ret)
{
        struct nlattr *tb[CARREL_BLK_A_MAX + 1], *st[CARREL_BLK_STAT_MAX + 1];
        const struct nlmsghdr *nlh = msg;
        VolumeStatus s = {};

        assert_return(msg && ret, -EINVAL);
        if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
            !genlmsg_valid_hdr((struct nlmsghdr *)nlh, 0))
                return -EBADMSG;
        if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, CARREL_BLK_A_MAX,
                          (struct nla_policy *)status_policy) < 0)
                return -EBADMSG;
        /* libnl's policy checks minimum lengths only: insist on exact ones. */
        if (!tb[CARREL_BLK_A_INDEX] || nla_len(tb[CARREL_BLK_A_INDEX]) != 4 || !tb[CARREL_BLK_A_DISK_NAME] ||
            !tb[CARREL_BLK_A_BACKING_MAJOR] || nla_len(tb[CARREL_BLK_A_BACKING_MAJOR]) != 4 ||
            !tb[CARREL_BLK_A_BACKING_MINOR] || nla_len(tb[CARREL_BLK_A_BACKING_MINOR]) != 4 ||
            !tb[CARREL_BLK_A_SECTORS] || nla_len(tb[CARREL_BLK_A_SECTORS]) != 8 || !tb[CARREL_BLK_A_KEYED] ||
            nla_len(tb[CARREL_BLK_A_KEYED]) != 1)
                return -EBADMSG;
        s.index = nla_get_u32(tb[CARREL_BLK_A_INDEX]);
        if (nla_strlcpy(s.disk_name, tb[CARREL_BLK_A_DISK_NAME], sizeof s.disk_name) >= sizeof s.disk_name)
                return -EBADMSG;
        s.backing_major = nla_get_u32(tb[CARREL_BLK_A_BACKING_MAJOR]);
        s.backing_minor = nla_get_u32(tb[CARREL_BLK_A_BACKING_MINOR]);
        s.sectors = nla_get_u64(tb[CARREL_BLK_A_SECTORS]);
        s.keyed = nla_get_u8(tb[CARREL_BLK_A_KEYED]) != 0;
        if (tb[CARREL_BLK_A_STATS]) {
                if (nla_parse_nested(st, CARREL_BLK_STAT_MAX, tb[CARREL_BLK_A_STATS],
                                     (struct nla_policy *)stats_policy) < 0)
                        return -EBADMSG;
                s.reads = stat_get(st, CARREL_BLK_STAT_READS);
                s.writes = stat_get(st, CARREL_BLK_STAT_WRITES);
                s.read_bytes = stat_get(st, CARREL_BLK_STAT_READ_BYTES);
                s.write_bytes = stat_get(st, CARREL_BLK_STAT_WRITE_BYTES);
                s.flushes = stat_get(st, CARREL_BLK_STAT_FLUSHES);
                s.discards = stat_get(st, CARREL_BLK_STAT_DISCARDS);
                s.errors = stat_get(st, CARREL_BLK_STAT_ERRORS);
        }
        *ret = s;
        return 0;
}

typedef struct StatusList {
        VolumeStatus *items;
        size_t n;
        int error;
} StatusList;

static int status_reply(struct nl_msg *msg, void *arg)
{
        StatusList *l = arg;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        VolumeStatus s;

        if (l->error < 0)
                return NL_SKIP;
        if (volume_status_parse(nlh, nlh->nlmsg_len, &s) < 0) {
                l->error = -EBADMSG;
                return NL_SKIP;
        }
        /* Bounded by what the kernel can hold; more is a protocol error. */
        if (l->n >= CARREL_BLK_MAX_DEVICES) {
                l->error = -EBADMSG;
                return NL_SKIP;
        }
        l->items[l->n++] = s;
        return NL_OK;
}

int volume_client_status(VolumeClient *c, VolumeStatus **ret, size_t *ret_n)
{
        _cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
        StatusList l = {};
        int r;

        assert_return(c && ret && ret_n, -EINVAL);
        r = volume_message(c, CARREL_BLK_CMD_GET_STATUS, NLM_F_DUMP, &msg);
        if (r < 0)
                return r;
        l.items = calloc(CARREL_BLK_MAX_DEVICES, sizeof(VolumeStatus));
        if (!l.items)
                return -ENOMEM;
        r = volume_request(c, msg, status_reply, &l);
        if (r >= 0 && l.error < 0)
                r = l.error;
        if (r < 0) {
                free(l.items);
                return r;
        }
        if (l.n == 0) {
                free(l.items);
                l.items = NULL;
        }
        *ret = l.items;
        *ret_n = l.n;
        return 0;
}

typedef struct Watch {
        int family;
        VolumeEventHandler cb;
        void *userdata;
        int result;
} Watch;

static int watch_event(struct nl_msg *msg, void *arg)
{
        Watch *w = arg;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        struct nlattr *tb[CARREL_BLK_A_MAX + 1];
        VolumeEvent e;

        if (nlh->nlmsg_type != w->family || !genlmsg_valid_hdr(nlh, 0) ||
            genlmsg_hdr(nlh)->cmd != CARREL_BLK_CMD_EVENT)
                return NL_SKIP;
        if (genlmsg_parse(nlh, 0, tb, CARREL_BLK_A_MAX, NULL) < 0 || !tb[CARREL_BLK_A_EVENT] ||
            nla_len(tb[CARREL_BLK_A_EVENT]) != 4 || !tb[CARREL_BLK_A_INDEX] ||
            nla_len(tb[CARREL_BLK_A_INDEX]) != 4)
                return NL_SKIP;
        e.event = nla_get_u32(tb[CARREL_BLK_A_EVENT]);
        e.index = nla_get_u32(tb[CARREL_BLK_A_INDEX]);
        w->result = w->cb(&e, w->userdata);
        return w->result ? NL_STOP : NL_OK;
}

int volume_client_watch(VolumeClient *c, VolumeEventHandler cb, void *userdata)
{
        _cleanup_(nl_cb_putp) struct nl_cb *nlcb = NULL;
        Watch w = { .family = 0, .cb = cb, .userdata = userdata };
        int group, r;

        assert_return(c && cb, -EINVAL);
        w.family = c->family;
        group = genl_ctrl_resolve_grp(c->sk, CARREL_BLK_GENL_NAME, CARREL_BLK_MCGRP_EVENTS);
        if (group < 0)
                return errno_from_nl(group);
        r = nl_socket_add_membership(c->sk, group);
        if (r < 0)
                return errno_from_nl(r);
        /* Events carry sequence number 0. */
        nl_socket_disable_seq_check(c->sk);
        nlcb = nl_cb_clone(nl_socket_get_cb(c->sk));
        if (!nlcb)
                return -ENOMEM;
        nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, watch_event, &w);
        for (;;) {
                r = nl_recvmsgs(c->sk, nlcb);
                if (w.result)
                        return w.result;
                if (r < 0 && r != -NLE_INTR && r != -NLE_AGAIN)
                        return errno_from_nl(r);
        }
}

int volume_set_key(uint32_t index, const uint8_t key[VOLUME_KEY_SIZE])
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        int r;

        r = volume_client_new(&c);
        if (r < 0)
                return r;
        return volume_client_set_key(c, index, key);
}

int volume_clear_key(uint32_t index)
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        int r;

        r = volume_client_new(&c);
        if (r < 0)
                return r;
        return volume_client_clear_key(c, index);
}

const char *volume_event_to_string(uint32_t event)
{
        switch (event) {
        case CARREL_BLK_EVENT_ATTACHED:
                return "attached";
        case CARREL_BLK_EVENT_KEYED:
                return "keyed";
        case CARREL_BLK_EVENT_KEY_CLEARED:
                return "key-cleared";
        case CARREL_BLK_EVENT_DETACHED:
                return "detached";
        default:
                return "unknown";
        }
}
