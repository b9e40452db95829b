/* nlprobe: send one hand-built "carrel_blk" generic netlink request and
 * print the kernel's answer as "errno=N" (0 for success). The guest tests
 * use it for requests carrelctl would never build: wrong key lengths,
 * unknown or misplaced attributes, attributes on a dump.
 *
 *   nlprobe [--dump] COMMAND ATTR...
 * COMMAND is a CARREL_BLK_CMD_* number. ATTR is TYPE:u32:VALUE,
 * TYPE:str:TEXT or TYPE:bytes:LENGTH (that many 0x5a bytes). */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kmod/uapi/carrel_blk.h"

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
        *(int *)arg = e->error;
        return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
        *(int *)arg = 0;
        return NL_STOP;
}

int main(int argc, char *argv[])
{
        struct nl_sock *sk = nl_socket_alloc();
        struct nl_cb *cb;
        struct nl_msg *msg;
        int family, i = 1, flags = 0, result = 1, r;
        unsigned long cmd;

        if (argc > 1 && strcmp(argv[1], "--dump") == 0) {
                flags = NLM_F_DUMP;
                i++;
        }
        if (i >= argc || !sk || genl_connect(sk) < 0) {
                fprintf(stderr, "nlprobe: usage or socket error\n");
                return 2;
        }
        family = genl_ctrl_resolve(sk, CARREL_BLK_GENL_NAME);
        if (family < 0) {
                fprintf(stderr, "nlprobe: family not found\n");
                return 2;
        }
        cmd = strtoul(argv[i++], NULL, 10);
        msg = nlmsg_alloc();
        if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, (uint8_t)cmd, 1))
                return 2;
        for (; i < argc; i++) {
                char *spec = strdup(argv[i]), *type = strtok(spec, ":"), *kind = strtok(NULL, ":"),
                     *value = strtok(NULL, "");
                int t = type ? atoi(type) : 0;
                if (!kind || !value)
                        return 2;
                if (strcmp(kind, "u32") == 0)
                        r = nla_put_u32(msg, t, (uint32_t)strtoul(value, NULL, 10));
                else if (strcmp(kind, "str") == 0)
                        r = nla_put_string(msg, t, value);
                else if (strcmp(kind, "bytes") == 0) {
                        size_t n = strtoul(value, NULL, 10);
                        char *b = malloc(n + 1);
                        memset(b, 0x5a, n);
                        r = nla_put(msg, t, (int)n, b);
                        free(b);
                } else
                        return 2;
                free(spec);
                if (r < 0)
                        return 2;
        }
        cb = nl_cb_clone(nl_socket_get_cb(sk));
        nl_cb_err(cb, NL_CB_CUSTOM, on_error, &result);
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &result);
        nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &result);
        if (nl_send_auto(sk, msg) < 0)
                return 2;
        while (result == 1)
                if (nl_recvmsgs(sk, cb) < 0 && result == 1)
                        return 2;
        printf("errno=%d\n", -result);
        nl_cb_put(cb);
        nlmsg_free(msg);
        nl_socket_free(sk);
        return 0;
}
