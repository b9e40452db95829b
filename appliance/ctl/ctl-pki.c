/* carrelctl pki VERB: init, enroll, issue, revoke, crl, list.
 *
 * The pairing token printed by `enroll` is a secret shown exactly once, on
 * stdout, for the installer to carry to the device; only its hash is kept. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/secmem.h"
#include "lib/time-util.h"
#include "appliance/ctl/ctl-pki.h"
#include "appliance/ctl/verbs.h"
#include "appliance/pki/pki.h"

#define MAX_NAMES 16

static const char *pki_dir(void)
{
        const char *d = getenv("CARREL_PKI_DIR");
        return d && *d ? d : PKI_DIR_DEFAULT;
}

typedef struct PkiArgs {
        const char *dir, *site, *role, *name, *csr, *out;
        char *names[MAX_NAMES + 1];
        size_t n_names;
        unsigned days;
        usec_t lifetime;
} PkiArgs;

/* Options common to the pki verbs; positional arguments stay in argv. */
static int parse_options(int argc, char *argv[], PkiArgs *a)
{
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },      { "site", required_argument, NULL, 's' },
                { "role", required_argument, NULL, 'r' },     { "name", required_argument, NULL, 'n' },
                { "csr", required_argument, NULL, 'c' },      { "out", required_argument, NULL, 'o' },
                { "dns", required_argument, NULL, 'D' },      { "days", required_argument, NULL, 'y' },
                { "lifetime", required_argument, NULL, 'l' }, {}
        };
        int c;

        *a = (PkiArgs){ .dir = pki_dir(),
                        .site = "branch",
                        .days = PKI_CERT_DAYS_DEFAULT,
                        .lifetime = PKI_TOKEN_LIFETIME_DEFAULT_SEC * USEC_PER_SEC };
        optind = 1;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        a->dir = optarg;
                        break;
                case 's':
                        a->site = optarg;
                        break;
                case 'r':
                        a->role = optarg;
                        break;
                case 'n':
                        a->name = optarg;
                        break;
                case 'c':
                        a->csr = optarg;
                        break;
                case 'o':
                        a->out = optarg;
                        break;
                case 'D':
                        if (a->n_names >= MAX_NAMES) {
                                fprintf(stderr, "carrelctl pki: at most %d --dns names\n", MAX_NAMES);
                                return -EINVAL;
                        }
                        a->names[a->n_names++] = optarg;
                        break;
                case 'y': {
                        char *end;
                        unsigned long d = strtoul(optarg, &end, 10);
                        if (*end || d == 0 || d > 36500) {
                                fprintf(stderr, "carrelctl pki: --days wants 1..36500\n");
                                return -EINVAL;
                        }
                        a->days = (unsigned)d;
                        break;
                }
                case 'l':
                        if (parse_duration(optarg, &a->lifetime) < 0 || a->lifetime < USEC_PER_SEC) {
                                fprintf(stderr, "carrelctl pki: --lifetime wants a duration such as 24h\n");
                                return -EINVAL;
                        }
                        break;
                default:
                        fprintf(stderr, "carrelctl pki: unknown option\n");
                        return -EINVAL;
                }
        }
        return 0;
}

static int fail(const char *what, int r)
{
        fprintf(stderr, "carrelctl pki %s: %s\n", what, strerror(-r));
        return r;
}

static int verb_init(int argc, char *argv[])
{
        PkiArgs a;
        int r;

        r = parse_options(argc, argv, &a);
        if (r < 0)
                return r;
        if (secmem_init() < 0 || secmem_harden_process() < 0)
                return fail("init", -EIO);
        r = pki_init(a.dir, a.site, a.n_names ? a.names : NULL);
        if (r == -EEXIST) {
                fprintf(stderr, "carrelctl pki init: a site CA already exists in %s\n", a.dir);
                return r;
        }
        if (r < 0)
                return fail("init", r);
        printf("Site CA created in %s (ca.crt, ca.key 0600, crl.pem, server.crt)\n", a.dir);
        return 0;
}

static int verb_enroll(int argc, char *argv[])
{
        _cleanup_free_ char *id = NULL;
        char *token = NULL;
        PeerRole role;
        PkiArgs a;
        int r;

        r = parse_options(argc, argv, &a);
        if (r < 0)
                return r;
        role = peer_role_from_string(a.role);
        if (role != PEER_ROLE_DESK && role != PEER_ROLE_CAMERA && role != PEER_ROLE_HUB) {
                fprintf(stderr, "carrelctl pki enroll: --role must be desk, camera or hub\n");
                return -EINVAL;
        }
        if (!a.name) {
                fprintf(stderr, "carrelctl pki enroll: --name is required\n");
                return -EINVAL;
        }
        r = pki_enroll(a.dir, role, a.name, a.lifetime / USEC_PER_SEC, &id, &token);
        if (r == -EEXIST) {
                fprintf(stderr, "carrelctl pki enroll: a device with that name exists\n");
                return r;
        }
        if (r < 0)
                return fail("enroll", r);
        printf("device-id: %s\ntoken: %s\n", id, token);
        secmem_wipe(token, strlen(token));
        free(token);
        return 0;
}

static int verb_issue(int argc, char *argv[])
{
        _cleanup_free_ char *id = NULL, *pem = NULL, *csr = NULL;
        size_t csr_size;
        PeerRole role;
        PkiArgs a;
        int r;

        r = parse_options(argc, argv, &a);
        if (r < 0)
                return r;
        role = peer_role_from_string(a.role);
        if (role < 0 || !a.name || !a.csr) {
                fprintf(stderr, "carrelctl pki issue: --role, --name and --csr are required\n");
                return -EINVAL;
        }
        r = read_file_bounded(a.csr, PKI_CSR_MAX, &csr, &csr_size);
        if (r < 0)
                return fail("issue", r);
        r = pki_issue(a.dir, role, a.name, csr, csr_size, a.days, a.n_names ? a.names : NULL, &id, &pem);
        if (r == -EBADMSG) {
                fprintf(stderr, "carrelctl pki issue: CSR unreadable, not EC P-256, or badly signed\n");
                return r;
        }
        if (r == -EEXIST) {
                fprintf(stderr, "carrelctl pki issue: a device with that name exists\n");
                return r;
        }
        if (r < 0)
                return fail("issue", r);
        if (a.out) {
                r = write_file_atomic(a.out, pem, strlen(pem), 0644);
                if (r < 0)
                        return fail("issue", r);
                printf("device-id: %s\n", id);
        } else
                fputs(pem, stdout);
        return 0;
}

static int verb_revoke(int argc, char *argv[])
{
        PkiArgs a;
        int r;

        r = parse_options(argc, argv, &a);
        if (r < 0)
                return r;
        if (optind != argc - 1) {
                fprintf(stderr, "carrelctl pki revoke: give one device name or id\n");
                return -EINVAL;
        }
        r = pki_revoke(a.dir, argv[optind]);
        if (r == -ENOENT) {
                fprintf(stderr, "carrelctl pki revoke: no such device\n");
                return r;
        }
        if (r == -EALREADY) {
                fprintf(stderr, "carrelctl pki revoke: already revoked\n");
                return r;
        }
        if (r < 0)
                return fail("revoke", r);
        printf("Revoked; CRL updated\n");
        return 0;
}

static int verb_crl(int argc, char *argv[])
{
        PkiArgs a;
        int r;

        r = parse_options(argc, argv, &a);
        if (r < 0)
                return r;
        r = pki_crl_update(a.dir);
        return r < 0 ? fail("crl", r) : 0;
}

static int verb_list(int argc, char *argv[])
{
        PkiArgs a;
        int r;

        r = parse_options(argc, argv, &a);
        if (r < 0)
                return r;
        r = pki_list(a.dir);
        return r < 0 ? fail("list", r) : 0;
}

static const Verb pki_verbs[] = {
        { "init", 1, -1, verb_init, "[--dir D] [--site S] [--dns NAME|IP]...  create the site CA" },
        { "enroll", 1, -1, verb_enroll,
          "--role desk|camera|hub --name N [--lifetime 24h]  one-time pairing token" },
        { "issue", 1, -1, verb_issue,
          "--role R --name N --csr FILE [--days D] [--dns NAME|IP]... [--out F]" },
        { "revoke", 2, -1, verb_revoke, "NAME|ID  revoke a device and update the CRL" },
        { "crl", 1, -1, verb_crl, "re-sign the CRL" },
        { "list", 1, -1, verb_list, "list devices" },
};

int verb_pki(int argc, char *argv[])
{
        return verbs_dispatch("carrelctl pki", pki_verbs, ELEMENTSOF(pki_verbs), argc - 1, argv + 1);
}
