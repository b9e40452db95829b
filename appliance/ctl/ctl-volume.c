/* carrelctl volume: attach, key and watch carrel_blk volumes, and recover
 * a volume image offline with the userspace reference cipher.
 *
 * Keys are never taken from the command line (it is visible in /proc):
 * unlock and decrypt-image read the 64-byte key from stdin or --key-fd. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appliance/ctl/ctl-volume.h"
#include "appliance/ctl/verbs.h"
#include "appliance/volume/sector-cipher.h"
#include "appliance/volume/volume-key.h"
#include "appliance/volume/volume.h"
#include "lib/log.h"
#include "lib/secmem.h"

static int parse_u32(const char *s, uint32_t *ret)
{
        char *end;
        unsigned long v;

        if (!s || !*s || *s == '-' || *s == '+')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

static int parse_index(const char *s, uint32_t *ret)
{
        if (parse_u32(s, ret) < 0 || *ret >= CARREL_BLK_MAX_DEVICES) {
                fprintf(stderr, "carrelctl volume: invalid volume index (0..%d)\n",
                        CARREL_BLK_MAX_DEVICES - 1);
                return -EINVAL;
        }
        return 0;
}

/* One line on stderr for a failure, with the kernel's reason if it gave
 * one. Never prints key material: none reaches here. */
static int volume_fail(VolumeClient *c, int r, const char *what)
{
        const char *msg = volume_client_last_message(c);

        if (r == -ENOPKG)
                fprintf(stderr, "carrelctl volume: %s: the carrel_blk module is not loaded\n", what);
        else if (msg)
                fprintf(stderr, "carrelctl volume: %s: %s (%s)\n", what, strerror(-r), msg);
        else
                fprintf(stderr, "carrelctl volume: %s: %s\n", what, strerror(-r));
        return r;
}

static int connect_client(VolumeClient **ret)
{
        int r = volume_client_new(ret);
        return r < 0 ? volume_fail(NULL, r, "connect") : 0;
}

static int verb_attach(int argc, char *argv[])
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        uint32_t index, major, minor;
        int r;

        r = connect_client(&c);
        if (r < 0)
                return r;
        if (strcmp(argv[1], "--dev") == 0) {
                char *colon = argc == 3 ? strchr(argv[2], ':') : NULL;
                if (!colon) {
                        fprintf(stderr, "carrelctl volume attach: --dev needs MAJOR:MINOR\n");
                        return -EINVAL;
                }
                *colon = 0;
                if (parse_u32(argv[2], &major) < 0 || parse_u32(colon + 1, &minor) < 0) {
                        fprintf(stderr, "carrelctl volume attach: invalid MAJOR:MINOR\n");
                        return -EINVAL;
                }
                r = volume_client_attach_dev(c, major, minor, &index);
        } else {
                if (argc != 2) {
                        fprintf(stderr, "carrelctl volume attach: too many arguments\n");
                        return -EINVAL;
                }
                r = volume_client_attach_path(c, argv[1], &index);
        }
        if (r < 0)
                return volume_fail(c, r, "attach");
        printf("%" PRIu32 " /dev/carrelblk%" PRIu32 "\n", index, index);
        return 0;
}

/* A verb that names one volume and asks the module one thing about it. */
static int index_verb(const char *arg, int (*op)(VolumeClient *c, uint32_t index), const char *what)
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        uint32_t index;
        int r;

        if (parse_index(arg, &index) < 0)
                return -EINVAL;
        r = connect_client(&c);
        if (r < 0)
                return r;
        r = op(c, index);
        return r < 0 ? volume_fail(c, r, what) : 0;
}

static int verb_detach(int argc, char *argv[])
{
        return index_verb(argv[1], volume_client_detach, "detach");
}

static int verb_lock(int argc, char *argv[])
{
        return index_verb(argv[1], volume_client_clear_key, "lock");
}

/* Parse "--key-fd N" from argv[from..]; the rest are positional. */
static int parse_key_fd(int *argc, char *argv[], int from, int *ret_fd)
{
        int fd = STDIN_FILENO;
        int out = from;

        for (int i = from; i < *argc; i++) {
                uint32_t v;
                if (strcmp(argv[i], "--key-fd") == 0) {
                        if (i + 1 >= *argc || parse_u32(argv[i + 1], &v) < 0 || v > INT_MAX) {
                                fprintf(stderr,
                                        "carrelctl volume: --key-fd needs a file descriptor number\n");
                                return -EINVAL;
                        }
                        fd = (int)v;
                        i++;
                        continue;
                }
                argv[out++] = argv[i];
        }
        *argc = out;
        *ret_fd = fd;
        return 0;
}

static int read_key(int fd, uint8_t *key)
{
        int r = volume_key_read_fd(fd, key);
        if (r == -EINVAL)
                fprintf(stderr, "carrelctl volume: the key must be exactly 64 bytes, or 128 hex digits\n");
        else if (r < 0)
                fprintf(stderr, "carrelctl volume: cannot read the key: %s\n", strerror(-r));
        return r;
}

static int verb_unlock(int argc, char *argv[])
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        _cleanup_secmem_ uint8_t *key = NULL;
        uint32_t index;
        int fd, r;

        r = parse_key_fd(&argc, argv, 1, &fd);
        if (r < 0)
                return r;
        if (argc != 2) {
                fprintf(stderr, "carrelctl volume unlock: expected INDEX [--key-fd N]\n");
                return -EINVAL;
        }
        if (parse_index(argv[1], &index) < 0)
                return -EINVAL;
        (void)secmem_harden_process();
        if (secmem_init() < 0 || !(key = secmem_alloc(VOLUME_KEY_SIZE)))
                return log_error_errno(ENOMEM, "Cannot allocate locked memory for the key");
        r = read_key(fd, key);
        if (r < 0)
                return r;
        r = connect_client(&c);
        if (r < 0)
                return r;
        r = volume_client_set_key(c, index, key);
        return r < 0 ? volume_fail(c, r, "unlock") : 0;
}

static int verb_status(int argc, char *argv[])
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        _cleanup_free_ VolumeStatus *s = NULL;
        bool json = false;
        size_t n;
        int r;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else {
                        fprintf(stderr, "carrelctl volume status: unknown option\n");
                        return -EINVAL;
                }
        }
        r = connect_client(&c);
        if (r < 0)
                return r;
        r = volume_client_status(c, &s, &n);
        if (r < 0)
                return volume_fail(c, r, "status");
        if (!json)
                printf("%-5s %-12s %-9s %-7s %12s %10s %10s %8s\n", "INDEX", "DEVICE", "BACKING", "STATE",
                       "SECTORS", "READS", "WRITES", "ERRORS");
        for (size_t i = 0; i < n; i++) {
                char backing[24];
                snprintf(backing, sizeof backing, "%" PRIu32 ":%" PRIu32, s[i].backing_major,
                         s[i].backing_minor);
                if (json)
                        printf("{\"index\":%" PRIu32 ",\"device\":\"%s\",\"backing\":\"%s\",\"keyed\":%s,"
                               "\"sectors\":%" PRIu64 ",\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
                               ",\"read_bytes\":%" PRIu64 ",\"write_bytes\":%" PRIu64 ",\"flushes\":%" PRIu64
                               ",\"discards\":%" PRIu64 ",\"errors\":%" PRIu64 "}\n",
                               s[i].index, s[i].disk_name, backing, s[i].keyed ? "true" : "false",
                               s[i].sectors, s[i].reads, s[i].writes, s[i].read_bytes, s[i].write_bytes,
                               s[i].flushes, s[i].discards, s[i].errors);
                else
                        printf("%-5" PRIu32 " %-12s %-9s %-7s %12" PRIu64 " %10" PRIu64 " %10" PRIu64
                               " %8" PRIu64 "\n",
                               s[i].index, s[i].disk_name, backing, s[i].keyed ? "keyed" : "locked",
                               s[i].sectors, s[i].reads, s[i].writes, s[i].errors);
        }
        return 0;
}

static int print_event(const VolumeEvent *e, void *userdata)
{
        long *left = userdata;

        printf("%s %" PRIu32 "\n", volume_event_to_string(e->event), e->index);
        fflush(stdout);
        return *left > 0 && --*left == 0 ? 1 : 0;
}

static int verb_watch(int argc, char *argv[])
{
        _cleanup_(volume_client_freep) VolumeClient *c = NULL;
        long count = 0;
        uint32_t v;
        int r;

        if (argc == 3 && strcmp(argv[1], "--count") == 0 && parse_u32(argv[2], &v) == 0 && v > 0)
                count = v;
        else if (argc != 1) {
                fprintf(stderr, "carrelctl volume watch: expected [--count N]\n");
                return -EINVAL;
        }
        r = connect_client(&c);
        if (r < 0)
                return r;
        r = volume_client_watch(c, print_event, &count);
        return r < 0 ? volume_fail(c, r, "watch") : 0;
}

static int verb_decrypt_image(int argc, char *argv[])
{
        _cleanup_(sector_cipher_freep) SectorCipher *cipher = NULL;
        _cleanup_secmem_ uint8_t *key = NULL;
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        uint32_t first = 0;
        int fd, r;

        r = parse_key_fd(&argc, argv, 1, &fd);
        if (r < 0)
                return r;
        if (argc == 5 && strcmp(argv[1], "--first-sector") == 0) {
                if (parse_u32(argv[2], &first) < 0) {
                        fprintf(stderr, "carrelctl volume decrypt-image: invalid --first-sector\n");
                        return -EINVAL;
                }
                argv += 2;
                argc -= 2;
        }
        if (argc != 3) {
                fprintf(stderr, "carrelctl volume decrypt-image: expected [--key-fd N] [--first-sector S] "
                                "IMAGE OUTPUT\n");
                return -EINVAL;
        }
        (void)secmem_harden_process();
        if (secmem_init() < 0 || !(key = secmem_alloc(VOLUME_KEY_SIZE)))
                return log_error_errno(ENOMEM, "Cannot allocate locked memory for the key");
        r = read_key(fd, key);
        if (r < 0)
                return r;
        r = sector_cipher_new(key, &cipher);
        if (r < 0) {
                fprintf(stderr, "carrelctl volume decrypt-image: the key was refused\n");
                return r;
        }
        in = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return log_error_errno(errno, "Cannot open the image: %m");
        /* The plaintext is personal data: never world-readable, never
         * over an existing file. */
        out = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0)
                return log_error_errno(errno, "Cannot create the output: %m");
        r = sector_cipher_convert_fd(cipher, false, in, out, first);
        if (r < 0) {
                (void)unlink(argv[2]);
                if (r == -EINVAL)
                        fprintf(stderr, "carrelctl volume decrypt-image: the image is not a whole number of "
                                        "512-byte sectors\n");
                else
                        fprintf(stderr, "carrelctl volume decrypt-image: %s\n", strerror(-r));
                return r;
        }
        return 0;
}

static const Verb volume_verbs[] = {
        { "attach", 2, 3, verb_attach, "attach PATH | --dev MAJOR:MINOR  create a locked volume" },
        { "detach", 2, 2, verb_detach, "detach INDEX                      remove a volume, wiping its key" },
        { "lock", 2, 2, verb_lock, "lock INDEX                        clear the key (I/O fails)" },
        { "unlock", 2, 4, verb_unlock,
          "unlock INDEX [--key-fd N]         set the key, read from stdin or fd" },
        { "status", 1, 2, verb_status, "status [--json]                   list volumes, keys and counters" },
        { "watch", 1, 3, verb_watch, "watch [--count N]                 print volume events" },
        { "decrypt-image", 3, 7, verb_decrypt_image,
          "decrypt-image [--key-fd N] [--first-sector S] IMAGE OUTPUT  offline recovery" },
};

int verb_volume(int argc, char *argv[])
{
        return verbs_dispatch("carrelctl volume", volume_verbs, ELEMENTSOF(volume_verbs), argc - 1,
                              argv + 1);
}
