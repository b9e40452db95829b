/* carrel-keys: the one process that holds key material.
 *
 * `carrelctl keys VERB ...` execs this program (privilege separation in the
 * OpenSSH spirit): carrelctl may grow parsers for network-facing formats,
 * this program links nothing but key custody, libsodium, tpm2-tss and the
 * runtime (and, with CONFIG_KMOD, the carrel_blk netlink client that the
 * volume key goes to), reads secrets only from a terminal or an inherited fd, makes
 * itself undumpable before touching a key and exits when the operation is
 * done (oneshot: no socket, no request table to attack). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <tss2/tss2_rc.h>

#include "appliance/ctl/verbs.h"
#include "appliance/keys/ask-secret.h"
#include "appliance/keys/custody.h"
#include "lib/fileio.h"
#include "lib/conf-parser.h"
#include "lib/log.h"
#if CONFIG_KMOD
#include "appliance/keys/key-sink-volume.h"
#endif

#define DEFAULT_CONFIG "/etc/carrel/keys.conf"
#define DEFAULT_TCTI "device:/dev/tpmrm0"
#define DEFAULT_STATE_DIR "/var/lib/carrel/keys"

static char *arg_config = NULL;
static char *arg_tcti = NULL;
static char *arg_state_dir = NULL;

/* Configuration file values (strdup'ed by config_value_string). */
static struct {
        char *tcti;
        char *state_dir;
} file_config;

static const ConfigTableItem config_items[] = {
        { "TPM", "TCTI", config_value_string, offsetof(typeof(file_config), tcti) },
        { "Keys", "StateDirectory", config_value_string, offsetof(typeof(file_config), state_dir) },
};

/* Options > environment > configuration file > built-in default. */
static int load_config(KeysConfig *ret)
{
        const char *path = arg_config ? arg_config : getenv("CARREL_KEYS_CONFIG");
        ConfigTable table = { config_items, ELEMENTSOF(config_items), &file_config };
        ConfigError err = { 0 };
        const char *e;
        int r;

        if (!path && access(DEFAULT_CONFIG, F_OK) == 0)
                path = DEFAULT_CONFIG;
        if (path) {
                r = config_parse_file(path, config_table_handler, &table, &err);
                if (r < 0)
                        return log_error_errno(r, "%s:%u: %s", err.file[0] ? err.file : path, err.line,
                                               err.message);
        }
        ret->tcti = arg_tcti                            ? arg_tcti
                    : (e = getenv("CARREL_TCTI")) && *e ? e
                    : file_config.tcti                  ? file_config.tcti
                                                        : DEFAULT_TCTI;
        ret->state_dir = arg_state_dir                                 ? arg_state_dir
                         : (e = getenv("CARREL_KEYS_STATE_DIR")) && *e ? e
                         : file_config.state_dir                       ? file_config.state_dir
                                                                       : DEFAULT_STATE_DIR;
        return 0;
}

static int parse_fd(const char *s, int *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || end == s || v < 0 || v > 1024)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

/* Explain a failure in one line: what the officer needs to act on. */
static int report(int r, const char *what, const KeysConfig *c, const KeysDiagnosis *d)
{
        char a[PCR_MASK_STRING_MAX], b[PCR_MASK_STRING_MAX];

        /* The TPM's own words, for whoever debugs; the officer gets the line below. */
        if (tpm_last_rc() != 0)
                log_debug("last TSS2 response code 0x%08x: %s", tpm_last_rc(),
                          Tss2_RC_Decode(tpm_last_rc()));

        switch (d ? d->failure : TPM_FAILURE_OTHER) {
        case TPM_FAILURE_NO_TPM:
                return log_error_errno(r, "%s: no TPM reachable through TCTI '%s'", what, c->tcti);
        case TPM_FAILURE_POLICY:
                if (d->pcrs_differ)
                        return log_error_errno(
                                r,
                                "%s: PCR %s changed since the AMK was sealed (sealed to PCR %s); if the "
                                "change was intended, run 'carrelctl keys reseal --recovery'",
                                what, pcr_mask_format(d->pcrs_differ, a),
                                pcr_mask_format(d->pcrs_sealed, b));
                return log_error_errno(r, "%s: the TPM refused the PCR policy (sealed to PCR %s)", what,
                                       pcr_mask_format(d->pcrs_sealed, b));
        case TPM_FAILURE_AUTH:
                if (d->lockout_valid && d->lockout.max_tries > 0) {
                        uint32_t left = d->lockout.counter >= d->lockout.max_tries
                                                ? 0
                                                : d->lockout.max_tries - d->lockout.counter;
                        if (left == 0)
                                return log_error_errno(
                                        r,
                                        "%s: wrong PIN; no tries left, the TPM is now in "
                                        "dictionary-attack lockout (one try returns after %u s)",
                                        what, d->lockout.interval_sec);
                        return log_error_errno(r,
                                               "%s: wrong PIN; %u %s left before dictionary-attack lockout",
                                               what, left, left == 1 ? "try" : "tries");
                }
                return log_error_errno(r, "%s: wrong PIN", what);
        case TPM_FAILURE_LOCKOUT:
                if (d->lockout_valid)
                        return log_error_errno(
                                r,
                                "%s: the TPM is in dictionary-attack lockout (%u failed tries of %u); "
                                "one more try is allowed in at most %u s, or unlock with --recovery",
                                what, d->lockout.counter, d->lockout.max_tries, d->lockout.interval_sec);
                return log_error_errno(r, "%s: the TPM is in dictionary-attack lockout", what);
        case TPM_FAILURE_DESTROYED:
                return log_error_errno(
                        r,
                        "%s: the TPM key this AMK was sealed under no longer exists (the AMK was "
                        "rotated or wiped, or the TPM was cleared)",
                        what);
        case TPM_FAILURE_INTEGRITY:
                return log_error_errno(
                        r,
                        "%s: the sealed AMK does not belong to this TPM's custody key (TPM or key "
                        "replaced) or is damaged; unlock with --recovery",
                        what);
        default:
                break;
        }
        if (d && d->bad_group)
                return log_error_errno(r, "%s: group %u of the recovery key is mistyped", what,
                                       d->bad_group);
        switch (r) {
        case -ENOENT:
                return log_error_errno(r, "%s: no AMK enrolled in %s (run 'carrelctl keys init')", what,
                                       c->state_dir);
        case -EEXIST:
                return log_error_errno(
                        r,
                        "%s: an AMK is already enrolled in %s (--force replaces it and destroys "
                        "access to everything it protects)",
                        what, c->state_dir);
        case -ENOKEY:
                return log_error_errno(r, "%s: this AMK needs a PIN", what);
        case -EBADMSG:
                return log_error_errno(r, "%s: a key file in %s is malformed", what, c->state_dir);
        case -EPROTO:
                return log_error_errno(r,
                                       "%s: the key state in %s predates the wrapped volume key; run "
                                       "'carrelctl keys init --force' again",
                                       what, c->state_dir);
        case -ENODATA:
                return log_error_errno(r, "%s: nothing was entered", what);
        case -EMSGSIZE:
                return log_error_errno(r, "%s: input too long", what);
        default:
                return log_error_errno(r, "%s: %m", what);
        }
}

static const char *generation_id(const uint8_t g[KEY_GENERATION_SIZE], char buf[17])
{
        sodium_bin2hex(buf, 17, g, 8);
        return buf;
}

/* Straight from locked memory to fd 1: stdio would leave a copy of the
 * recovery key in an ordinary heap buffer. */
static int print_recovery_key(const char *text)
{
        static const char head[] =
                "Recovery key for this AMK (shown once, stored nowhere; write it down and keep "
                "it offline):\n\n    ";
        _cleanup_secmem_ char *buf = secmem_alloc(sizeof head + RECOVERY_KEY_STRING_SIZE + 4);
        size_t n;

        if (!buf)
                return -ENOMEM;
        n = (size_t)snprintf(buf, sizeof head + RECOVERY_KEY_STRING_SIZE + 4, "%s%s\n\n", head, text);
        fflush(stdout);
        return write_full(STDOUT_FILENO, buf, n);
}

typedef struct AskPinData {
        int fd;
        Secret *kept; /* a copy, for reseal/rotate to seal the new object with */
} AskPinData;

static int ask_pin(void *userdata, Secret **ret)
{
        AskPinData *a = userdata;
        Secret *s = NULL;
        int r;

        r = ask_secret("TPM PIN: ", a->fd, KEYS_PIN_MAX, &s);
        if (r < 0)
                return r;
        a->kept = secret_free(a->kept);
        r = secret_new(s->size, &a->kept);
        if (r < 0) {
                secret_free(s);
                return r;
        }
        memcpy(a->kept->bytes, s->bytes, s->size);
        *ret = s;
        return 0;
}

static bool have_tty(void)
{
        _cleanup_close_ int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        return fd >= 0;
}

/* A new PIN: twice on a terminal, once from an fd. */
static int ask_new_pin(int fd, Secret **ret)
{
        _cleanup_(secret_freep) Secret *a = NULL, *b = NULL;
        int r;

        r = ask_secret("New TPM PIN: ", fd, KEYS_PIN_MAX, &a);
        if (r < 0)
                return r;
        if (fd < 0 && have_tty()) {
                r = ask_secret("Repeat the PIN: ", fd, KEYS_PIN_MAX, &b);
                if (r < 0)
                        return r;
                if (a->size != b->size || secmem_compare(a->bytes, b->bytes, a->size) != 0)
                        return log_error_errno(-EINVAL, "The PINs differ");
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int ask_recovery(int fd, Secret **ret)
{
        _cleanup_(secret_freep) Secret *s = NULL;
        int r;

        r = ask_secret("Recovery key: ", fd, RECOVERY_KEY_INPUT_MAX, &s);
        if (r < 0)
                return r;
        /* NUL-terminate inside locked memory for recovery_key_parse. */
        r = secret_new(s->size + 1, ret);
        if (r < 0)
                return r;
        memcpy((*ret)->bytes, s->bytes, s->size);
        return 0;
}

/* Obtain the current AMK through the TPM (PIN from pin_fd/tty if needed)
 * or, with recovery, from the recovery key. */
static int obtain_amk(const KeysConfig *c, bool recovery, int pin_fd, int recovery_fd, const char *what,
                      Secret **ret_amk, Secret **ret_pin)
{
        KeysDiagnosis d;
        int r;

        if (recovery) {
                _cleanup_(secret_freep) Secret *text = NULL;

                r = ask_recovery(recovery_fd, &text);
                if (r < 0)
                        return report(r, what, c, NULL);
                r = keys_unlock_recovery(c, (const char *)text->bytes, ret_amk, &d);
                if (r == -EACCES)
                        return log_error_errno(r,
                                               "%s: this recovery key does not open the recovery copy in %s",
                                               what, c->state_dir);
                if (r == -EINVAL)
                        return log_error_errno(
                                r, "%s: not a recovery key (8 groups of 5 characters expected)", what);
                return r < 0 ? report(r, what, c, &d) : 0;
        }

        /* The PIN is asked by custody only once the PCRs match and the TPM
         * is not locked out, from the fd or the terminal. */
        AskPinData a = { .fd = pin_fd };

        r = keys_unlock_tpm(c, NULL, ask_pin, &a, ret_amk, &d);
        if (r < 0) {
                secret_free(a.kept);
                return report(r, what, c, &d);
        }
        if (ret_pin)
                *ret_pin = TAKE_PTR(a.kept);
        secret_free(a.kept);
        return 0;
}

#if CONFIG_KMOD
static VolumeSink volume_sink;
#endif

/* --volume N: carrel_blk volume N; --key-fd N: a frame on fd N; else none. */
static int open_key_sink(int key_fd, int64_t volume, KeySink *sink, int *fd_storage)
{
        if (key_fd >= 0 && volume >= 0)
                return log_error_errno(-EINVAL, "--key-fd and --volume exclude each other");
        if (volume >= 0) {
#if CONFIG_KMOD
                volume_sink.index = (uint32_t)volume;
                key_sink_volume_init(sink, &volume_sink);
                return 0;
#else
                return log_error_errno(-EOPNOTSUPP,
                                       "--volume: this build has no carrel_blk support (CONFIG_KMOD=n)");
#endif
        }
        if (key_fd < 0) {
                *sink = key_sink_null;
                return 0;
        }
        if (fcntl(key_fd, F_GETFD) < 0)
                return log_error_errno(-EBADF, "--key-fd %d is not an open file descriptor", key_fd);
        *fd_storage = key_fd;
        key_sink_fd_init(sink, fd_storage);
        return 0;
}

/* One line on why the consumer failed: the volume sink knows the causes. */
static int sink_failed(int r, const char *what, const KeySink *sink)
{
#if CONFIG_KMOD
        const char *cause = sink->userdata == &volume_sink ? key_sink_volume_cause(r) : NULL;
        if (cause)
                return log_error_errno(r, "%s: carrel_blk volume %" PRIu32 ": %s", what, volume_sink.index,
                                       cause);
#endif
        return log_error_errno(r, "%s: the %s consumer failed: %m", what, sink->name);
}

enum {
        ARG_PCRS = 0x100,
        ARG_PIN,
        ARG_PIN_FD,
        ARG_NEW_PIN,
        ARG_NEW_PIN_FD,
        ARG_NO_PIN,
        ARG_RECOVERY,
        ARG_RECOVERY_FD,
        ARG_KEY_FD,
        ARG_VOLUME,
        ARG_FORCE,
        ARG_YES,
        ARG_TPM_CLEAR,
};

static const struct option verb_options[] = {
        { "pcrs", required_argument, NULL, ARG_PCRS },
        { "pin", no_argument, NULL, ARG_PIN },
        { "pin-fd", required_argument, NULL, ARG_PIN_FD },
        { "new-pin", no_argument, NULL, ARG_NEW_PIN },
        { "new-pin-fd", required_argument, NULL, ARG_NEW_PIN_FD },
        { "no-pin", no_argument, NULL, ARG_NO_PIN },
        { "recovery", no_argument, NULL, ARG_RECOVERY },
        { "recovery-fd", required_argument, NULL, ARG_RECOVERY_FD },
        { "key-fd", required_argument, NULL, ARG_KEY_FD },
        { "volume", required_argument, NULL, ARG_VOLUME },
        { "force", no_argument, NULL, ARG_FORCE },
        { "yes", no_argument, NULL, ARG_YES },
        { "tpm-clear", no_argument, NULL, ARG_TPM_CLEAR },
        { "tcti", required_argument, NULL, 'T' },
        { "state-dir", required_argument, NULL, 'D' },
        { "config", required_argument, NULL, 'C' },
        {},
};

typedef struct VerbArgs {
        PcrMask pcrs;
        bool pin, new_pin, no_pin, recovery, force, yes, tpm_clear;
        int pin_fd, new_pin_fd, recovery_fd, key_fd;
        int64_t volume; /* carrel_blk index, -1 for none */
} VerbArgs;

/* Parse the options of one verb; `allowed` lists the option values it takes. */
static int parse_verb_args(int argc, char *argv[], const int *allowed, VerbArgs *a)
{
        int c;

        *a = (VerbArgs){ .pin_fd = -1, .new_pin_fd = -1, .recovery_fd = -1, .key_fd = -1, .volume = -1 };
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "", verb_options, NULL)) >= 0) {
                bool ok = c == 'T' || c == 'D' || c == 'C';
                for (const int *p = allowed; *p; p++)
                        ok = ok || *p == c;
                if (c == '?' || !ok)
                        /* Never echo the argument: it might be a secret typed by mistake. */
                        return log_error_errno(-EINVAL,
                                               "%s: unknown or misplaced option (try 'carrelctl keys help')",
                                               argv[0]);
                switch (c) {
                case ARG_PCRS:
                        if (pcr_mask_parse(optarg, &a->pcrs) < 0)
                                return log_error_errno(-EINVAL,
                                                       "--pcrs: expected PCR numbers 0-23, e.g. 7 or 0,2,7");
                        break;
                case ARG_PIN:
                        a->pin = true;
                        break;
                case ARG_NEW_PIN:
                        a->new_pin = true;
                        break;
                case ARG_NO_PIN:
                        a->no_pin = true;
                        break;
                case ARG_RECOVERY:
                        a->recovery = true;
                        break;
                case ARG_FORCE:
                        a->force = true;
                        break;
                case ARG_YES:
                        a->yes = true;
                        break;
                case ARG_TPM_CLEAR:
                        a->tpm_clear = true;
                        break;
                case ARG_PIN_FD:
                case ARG_NEW_PIN_FD:
                case ARG_RECOVERY_FD:
                case ARG_KEY_FD: {
                        int fd;
                        if (parse_fd(optarg, &fd) < 0)
                                return log_error_errno(-EINVAL, "%s: expected a file descriptor number",
                                                       argv[optind - 1]);
                        *(c == ARG_PIN_FD        ? &a->pin_fd
                          : c == ARG_NEW_PIN_FD  ? &a->new_pin_fd
                          : c == ARG_RECOVERY_FD ? &a->recovery_fd
                                                 : &a->key_fd) = fd;
                        break;
                }
                case ARG_VOLUME: {
                        char *end;
                        unsigned long v;
                        errno = 0;
                        v = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg || optarg[0] == '-' || v > UINT16_MAX)
                                return log_error_errno(
                                        -EINVAL,
                                        "--volume: expected a volume index (the N of /dev/carrelblkN)");
                        a->volume = (int64_t)v;
                        break;
                }
                case 'T':
                        arg_tcti = optarg;
                        break;
                case 'D':
                        arg_state_dir = optarg;
                        break;
                case 'C':
                        arg_config = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc)
                return log_error_errno(-EINVAL, "%s: unexpected argument", argv[0]);
        return 0;
}

static int verb_init(int argc, char *argv[])
{
        static const int allowed[] = { ARG_PCRS, ARG_PIN, ARG_PIN_FD, ARG_FORCE, 0 };
        _cleanup_(secret_freep) Secret *pin = NULL;
        char text[RECOVERY_KEY_STRING_SIZE], gen[17], pcrs[PCR_MASK_STRING_MAX];
        KeysConfig c;
        KeysDiagnosis d;
        VerbArgs a;
        int r;

        if ((r = parse_verb_args(argc, argv, allowed, &a)) < 0 || (r = load_config(&c)) < 0)
                return r;
        if (a.pcrs == 0)
                a.pcrs = 1U << 7;
        if (a.pin || a.pin_fd >= 0) {
                r = ask_new_pin(a.pin_fd, &pin);
                if (r < 0)
                        return report(r, "keys init", &c, NULL);
        }
        r = keys_init(&c, a.pcrs, pin, a.force, text, &d);
        if (r < 0)
                return report(r, "keys init", &c, &d);
        r = print_recovery_key(text);
        secmem_wipe(text, sizeof text);
        if (r < 0)
                return log_error_errno(
                        r, "keys init: could not print the recovery key (%m); the AMK is enrolled: "
                           "run 'carrelctl keys rotate' to get a new recovery key");

        /* Read back what was stored, for the log (no secrets in it). */
        _cleanup_free_ KeysStatus *s = calloc(1, sizeof *s);
        if (s && keys_status(&c, s) >= 0 && s->initialised) {
                log_struct(LOG_NOTICE, 0, LOG_FIELDS("CARREL_EVENT=keys-init", "CARREL_COMPONENT=keys"),
                           "AMK %s enrolled: sealed to PCR %s%s, recovery copy written",
                           generation_id(s->sealed.generation, gen), pcr_mask_format(s->sealed.pcrs, pcrs),
                           s->sealed.with_pin ? " and a PIN" : "");
        }
        return 0;
}

static int verb_unlock(int argc, char *argv[])
{
        static const int allowed[] = {
                ARG_RECOVERY, ARG_RECOVERY_FD, ARG_PIN_FD, ARG_KEY_FD, ARG_VOLUME, 0
        };
        _cleanup_(secret_freep) Secret *amk = NULL;
        _cleanup_(keyset_freep) KeySet *keys = NULL;
        KeySink sink;
        KeysConfig c;
        VerbArgs a;
        int key_fd = -1, r;

        if ((r = parse_verb_args(argc, argv, allowed, &a)) < 0 || (r = load_config(&c)) < 0)
                return r;
        r = open_key_sink(a.key_fd, a.volume, &sink, &key_fd);
        if (r < 0)
                return r;
        r = obtain_amk(&c, a.recovery, a.pin_fd, a.recovery_fd, "keys unlock", &amk, NULL);
        if (r < 0)
                return r;
        r = keys_keyset(&c, amk, &keys);
        if (r == -EACCES)
                return log_error_errno(r, "keys unlock: the wrapped volume key in %s was altered",
                                       c.state_dir);
        if (r < 0)
                return report(r, "keys unlock", &c, NULL);
        amk = secret_free(amk);
        r = sink.set_keys(sink.userdata, keys);
        if (r < 0)
                return sink_failed(r, "keys unlock", &sink);
        log_struct(LOG_NOTICE, 0, LOG_FIELDS("CARREL_EVENT=keys-unlock", "CARREL_COMPONENT=keys"),
                   "AMK unlocked via %s; subkeys handed to consumer '%s'",
                   a.recovery ? "recovery key" : "TPM", sink.name);
        return 0;
}

static int verb_reseal(int argc, char *argv[])
{
        static const int allowed[] = { ARG_PCRS,    ARG_RECOVERY,   ARG_RECOVERY_FD, ARG_PIN_FD,
                                       ARG_NEW_PIN, ARG_NEW_PIN_FD, ARG_NO_PIN,      0 };
        _cleanup_(secret_freep) Secret *amk = NULL, *pin = NULL;
        char pcrs[PCR_MASK_STRING_MAX];
        KeysConfig c;
        KeysDiagnosis d;
        VerbArgs a;
        bool had_pin = false;
        int r;

        if ((r = parse_verb_args(argc, argv, allowed, &a)) < 0 || (r = load_config(&c)) < 0)
                return r;
        if (a.no_pin && (a.new_pin || a.new_pin_fd >= 0))
                return log_error_errno(-EINVAL, "keys reseal: --no-pin and --new-pin exclude each other");
        r = keys_requires_pin(&c, &had_pin);
        /* Without amk.sealed (new hardware), the recovery key re-enrols. */
        if (r == -ENOENT && a.recovery)
                r = 0;
        if (r < 0)
                return report(r, "keys reseal", &c, NULL);

        /* Authorisation: the TPM path (PCRs still as sealed, PIN if
         * enrolled) or the recovery key. */
        r = obtain_amk(&c, a.recovery, a.pin_fd, a.recovery_fd, "keys reseal", &amk, &pin);
        if (r < 0)
                return r;
        if (a.no_pin)
                pin = secret_free(pin);
        else if (a.new_pin || a.new_pin_fd >= 0 || (had_pin && !pin)) {
                pin = secret_free(pin);
                r = ask_new_pin(a.new_pin_fd, &pin);
                if (r < 0)
                        return report(r, "keys reseal", &c, NULL);
        }
        r = keys_reseal(&c, amk, a.pcrs, pin, &d);
        if (r < 0)
                return report(r, "keys reseal", &c, &d);
        {
                _cleanup_free_ KeysStatus *s = calloc(1, sizeof *s);
                if (s && keys_status(&c, s) >= 0 && s->initialised)
                        log_struct(LOG_NOTICE, 0,
                                   LOG_FIELDS("CARREL_EVENT=keys-reseal", "CARREL_COMPONENT=keys"),
                                   "AMK resealed to the current values of PCR %s%s (authorised by %s)",
                                   pcr_mask_format(s->sealed.pcrs, pcrs),
                                   s->sealed.with_pin ? " and a PIN" : "",
                                   a.recovery ? "the recovery key" : "the TPM policy");
        }
        return 0;
}

static int verb_rotate(int argc, char *argv[])
{
        static const int allowed[] = { ARG_RECOVERY, ARG_RECOVERY_FD, ARG_PIN_FD, ARG_NEW_PIN_FD,
                                       ARG_KEY_FD,   ARG_VOLUME,      0 };
        _cleanup_(secret_freep) Secret *amk = NULL, *pin = NULL;
        char text[RECOVERY_KEY_STRING_SIZE];
        KeySink sink;
        KeysConfig c;
        KeysDiagnosis d;
        VerbArgs a;
        bool had_pin = false;
        int key_fd = -1, r;

        if ((r = parse_verb_args(argc, argv, allowed, &a)) < 0 || (r = load_config(&c)) < 0)
                return r;
        r = open_key_sink(a.key_fd, a.volume, &sink, &key_fd);
        if (r < 0)
                return r;
        r = keys_requires_pin(&c, &had_pin);
        if (r < 0)
                return report(r, "keys rotate", &c, NULL);
        r = obtain_amk(&c, a.recovery, a.pin_fd, a.recovery_fd, "keys rotate", &amk, &pin);
        if (r < 0)
                return r;
        if (had_pin && !pin) {
                r = ask_new_pin(a.new_pin_fd, &pin);
                if (r < 0)
                        return report(r, "keys rotate", &c, NULL);
        }
        r = keys_rotate(&c, amk, pin, &sink, text, &d);
#if CONFIG_KMOD
        if (r < 0 && sink.userdata == &volume_sink && volume_sink.error < 0)
                return sink_failed(r, "keys rotate", &sink);
#endif
        if (r < 0)
                return report(r, "keys rotate", &c, &d);
        r = print_recovery_key(text);
        secmem_wipe(text, sizeof text);
        if (r < 0)
                log_error_errno(r,
                                "keys rotate: could not print the new recovery key (%m): run rotate again");
        log_struct(LOG_NOTICE, 0, LOG_FIELDS("CARREL_EVENT=keys-rotate", "CARREL_COMPONENT=keys"),
                   "AMK rotated; dependents re-wrapped by consumer '%s'; old AMK destroyed", sink.name);
        return 0;
}

static void format_time(uint64_t usec, char buf[64])
{
        time_t t = (time_t)(usec / 1000000);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(buf, 64, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                strcpy(buf, "?");
}

static int verb_status(int argc, char *argv[])
{
        static const int allowed[] = { 0 };
        _cleanup_free_ KeysStatus *s = calloc(1, sizeof *s);
        char gen[17], pcrs[PCR_MASK_STRING_MAX], when[64];
        KeysConfig c;
        VerbArgs a;
        int r;

        if (!s)
                return log_error_errno(-ENOMEM, "Out of memory");
        if ((r = parse_verb_args(argc, argv, allowed, &a)) < 0 || (r = load_config(&c)) < 0)
                return r;
        r = keys_status(&c, s);
        if (r < 0)
                return report(r, "keys status", &c, NULL);

        printf("State directory:  %s\n", c.state_dir);
        printf("TCTI:             %s\n", c.tcti);
        printf("TPM:              %s\n", s->tpm_present ? "present" : "not reachable");
        if (!s->initialised) {
                printf("AMK:              not enrolled\n");
        } else {
                format_time(s->sealed.created_usec, when);
                printf("AMK:              enrolled, generation %s, sealed %s\n",
                       generation_id(s->sealed.generation, gen), when);
                printf("PCR policy:       sha256:%s%s\n", pcr_mask_format(s->sealed.pcrs, pcrs),
                       s->sealed.with_pin ? " + PIN" : "");
                if (s->tpm_present)
                        printf("TPM key:          0x%08x, %s\n", s->sealed.sealed.parent_handle,
                               s->parent_state == 0 ? "present"
                               : s->parent_state == -EKEYREVOKED
                                       ? "GONE (rotated away, wiped or TPM cleared)"
                               : s->parent_state == -EBADMSG ? "REPLACED by another key"
                                                             : "unreadable");
                if (s->tpm_present)
                        printf("PCRs now:         %s%s\n", s->pcrs_differ ? "changed: " : "as sealed",
                               s->pcrs_differ ? pcr_mask_format(s->pcrs_differ, pcrs) : "");
        }
        printf("Recovery copy:    %s\n", s->recovery_present ? "present" : "missing");
        if (s->rotation_pending)
                printf("Rotation:         interrupted; run 'carrelctl keys rotate' to finish it\n");
        if (s->lockout_valid)
                printf("DA lockout:       %s, %u of %u failed tries counted, one forgotten every %u s\n",
                       s->lockout.in_lockout ? "LOCKED OUT" : "not locked", s->lockout.counter,
                       s->lockout.max_tries, s->lockout.interval_sec);
        return 0;
}

static int verb_wipe(int argc, char *argv[])
{
        static const int allowed[] = { ARG_YES, ARG_TPM_CLEAR, ARG_KEY_FD, ARG_VOLUME, 0 };
        KeySink sink;
        KeysConfig c;
        KeysDiagnosis d;
        VerbArgs a;
        int key_fd = -1, r;

        if ((r = parse_verb_args(argc, argv, allowed, &a)) < 0 || (r = load_config(&c)) < 0)
                return r;
        if (!a.yes)
                return log_error_errno(-EINVAL, "keys wipe destroys every key and all data they protect; "
                                                "confirm with --yes");
        r = open_key_sink(a.key_fd, a.volume, &sink, &key_fd);
        if (r < 0)
                return r;
        r = keys_wipe(&c, &sink, a.tpm_clear, &d);
#if CONFIG_KMOD
        /* keys_wipe() goes on after a consumer failed; say why it did. */
        if (sink.userdata == &volume_sink && volume_sink.error < 0)
                (void)sink_failed(volume_sink.error, "keys wipe", &sink);
#endif
        /* The crypto-erase is logged whatever happened, at the highest level. */
        log_struct(r < 0 ? LOG_CRIT : LOG_NOTICE, r,
                   LOG_FIELDS("CARREL_EVENT=keys-wipe", "CARREL_COMPONENT=keys"),
                   "Crypto-erase %s: consumer '%s' cleared, key files in %s destroyed%s",
                   r < 0 ? "INCOMPLETE" : "done", sink.name, c.state_dir,
                   a.tpm_clear ? ", TPM storage hierarchy cleared" : "");
        if (r < 0)
                return report(r, "keys wipe", &c, &d);
        return 0;
}

static const Verb verbs[] = {
        { "init", 1, -1, verb_init, "[--pcrs 7] [--pin] [--pin-fd N] [--force]  enrol a new AMK" },
        { "unlock", 1, -1, verb_unlock,
          "[--recovery] [--pin-fd N] [--key-fd N|--volume N]  unseal and hand the subkeys over" },
        { "reseal", 1, -1, verb_reseal,
          "[--pcrs L] [--recovery] [--new-pin|--no-pin]  seal to current PCRs" },
        { "rotate", 1, -1, verb_rotate,
          "[--recovery] [--key-fd N|--volume N]  new AMK, dependents re-wrapped" },
        { "status", 1, -1, verb_status, "show enrolment, PCR and lockout state" },
        { "wipe", 1, -1, verb_wipe, "--yes [--tpm-clear] [--key-fd N|--volume N]  crypto-erase" },
};

int main(int argc, char *argv[])
{
        int r;

        log_set_ident("carrel-keys");
        (void)log_parse_environment();

        /* Before any secret exists in this process. */
        r = secmem_harden_process();
        if (r < 0)
                return log_error_errno(r, "Cannot make the process undumpable: %m"), 1;
        if (secmem_init() < 0)
                return log_error("libsodium failed to initialise"), 1;
        umask(0077);
        /* A consumer that closed its end is an error to report, not a kill. */
        signal(SIGPIPE, SIG_IGN);

        r = verbs_dispatch("carrelctl keys", verbs, ELEMENTSOF(verbs), argc - 1, argv + 1);
        free(file_config.tcti);
        free(file_config.state_dir);
        return r < 0 ? 1 : 0;
}
