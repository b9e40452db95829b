/* carrel-pki-signer: the only process of the pairing service that holds the
 * site CA's private key. carrel-pkid starts it with one end of a socket on
 * descriptor 3 (PKI_SIGNER_FD) and asks it, through the request table in
 * pki-signer.h, to sign device certificates. It parses nothing from the
 * network: no HTTP, no TLS, no ASN.1, only fixed-size fields and a point.
 * A request the table does not allow ends the connection and the process. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "lib/log.h"
#include "lib/macro.h"
#include "lib/secmem.h"
#include "lib/net/tls.h"
#include "appliance/pki/pki-signer.h"
#include "appliance/pki/pki.h"

static const char *arg_pki_dir = PKI_DIR_DEFAULT;

/* wolfCrypt's own heap allocations (its temporaries when it imports the key
 * and signs) come from locked memory and are wiped when freed: on the
 * ordinary heap they would leave copies of the key behind. A 16-byte header
 * keeps the size for realloc and the alignment. */
#define LOCKED_HDR 16

static void *locked_malloc(size_t n)
{
        uint8_t *p;

        if (n > SIZE_MAX / 2)
                return NULL;
        p = secmem_alloc((n + 2 * LOCKED_HDR - 1) / LOCKED_HDR * LOCKED_HDR);
        if (!p)
                return NULL;
        memcpy(p, &n, sizeof(n));
        return p + LOCKED_HDR;
}

static void locked_free(void *p)
{
        if (p)
                secmem_free((uint8_t *)p - LOCKED_HDR);
}

static void *locked_realloc(void *p, size_t n)
{
        size_t old;
        void *q;

        if (!p)
                return locked_malloc(n);
        memcpy(&old, (uint8_t *)p - LOCKED_HDR, sizeof(old));
        q = locked_malloc(n);
        if (!q)
                return NULL;
        memcpy(q, p, MIN(old, n));
        locked_free(p);
        return q;
}

static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "pki-dir", required_argument, NULL, 'd' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hd:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: carrel-pki-signer [--pki-dir DIR]  (started by carrel-pkid, socket "
                               "on fd "
                               "3)\n");
                        exit(0);
                case 'd':
                        arg_pki_dir = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "Unexpected argument");
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(pki_ca_freep) PkiCa *ca = NULL;
        struct stat st;
        int r;

        log_set_ident("carrel-pki-signer");
        (void)log_parse_environment();

        if (parse_argv(argc, argv) < 0)
                return 1;
        if (fstat(PKI_SIGNER_FD, &st) < 0 || !S_ISSOCK(st.st_mode))
                return log_error("Descriptor %d is not a socket: run by carrel-pkid only", PKI_SIGNER_FD), 1;
        /* ours alone from here: no exec of anything else keeps it */
        if (fcntl(PKI_SIGNER_FD, F_SETFD, FD_CLOEXEC) < 0)
                return log_error_errno(errno, "Failed to set close-on-exec: %m"), 1;

        /* Before the key is read: no core dumps, no ptrace by other users,
         * no privileges gained by exec. */
        r = secmem_harden_process();
        if (r < 0)
                return log_error_errno(r, "Failed to harden process: %m"), 1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m"), 1;
        if (secmem_init() < 0)
                return log_error("Failed to initialise libsodium"), 1;
        /* the parent's shutdown signals are its business; EOF ends us */
        (void)signal(SIGINT, SIG_IGN);
        (void)signal(SIGHUP, SIG_IGN);
        (void)signal(SIGPIPE, SIG_IGN);

        if (wolfSSL_SetAllocators(locked_malloc, locked_free, locked_realloc) != 0)
                return log_error("Failed to set wolfCrypt's allocator"), 1;
        r = tls_init();
        if (r < 0)
                return log_error_errno(r, "Failed to initialise wolfCrypt: %m"), 1;
        r = pki_ca_load(arg_pki_dir, &ca);
        if (r < 0)
                return log_error_errno(r, "Failed to load the CA from %s: %m", arg_pki_dir), 1;
        log_info("Serving signing requests");

        r = pki_signer_serve(PKI_SIGNER_FD, ca);
        if (r == -EBADMSG || r == -EMSGSIZE)
                return log_error("Refused a request the table does not allow: connection ended"), 1;
        if (r < 0)
                return log_error_errno(r, "Signing channel failed: %m"), 1;
        log_info("Peer closed the channel, exiting");
        return 0;
}
