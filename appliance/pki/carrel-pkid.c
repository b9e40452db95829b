/* carrel-pkid: the appliance's pairing server, and the reference program
 * for the transport library.
 *
 * Two listeners share one event loop:
 *   --pair-listen  server-authenticated TLS 1.3: POST /v1/pair only, where a
 *                  device trades its one-time token and a CSR for its
 *                  certificate;
 *   --listen       mutual TLS 1.3: GET /v1/whoami, GET /v1/status and
 *                  PUT|POST /v1/echo (streams the body, answers with its size
 *                  and SHA-256; with --upload-dir it also stores it, renamed
 *                  into place only once complete and fsynced), PUT
 *                  /v1/discard (counts and drops the body, for benchmarks).
 * The CRL is reloaded when crl.pem changes (inotify) and on SIGHUP. SIGTERM
 * stops accepting, finishes requests in flight and exits.
 *
 * This process parses network input and never opens ca.key: with
 * --pair-listen it starts carrel-pki-signer over a socket pair and has it
 * sign each pairing's certificate (pki-signer.h). The token check and the
 * registry transaction stay here; they hold no key material. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "lib/fileio.h"
#include "lib/helper-path.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/secmem.h"
#include "lib/time-util.h"
#include "lib/net/http-server.h"
#include "lib/net/tls.h"
#include "appliance/pki/pki-signer.h"
#include "appliance/pki/pki.h"

static const char *arg_pki_dir = PKI_DIR_DEFAULT;
static char *arg_listen = NULL;
static char *arg_pair_listen = NULL;
static const char *arg_port_file = NULL;
static const char *arg_upload_dir = NULL;
static const char *arg_signer = NULL;
static uint64_t arg_max_body = 64 * 1024 * 1024;
static HttpServerLimits arg_limits;

static HttpServer *server;
static int mtls_listener = -1;
static uint64_t upload_counter;
static int signer_fd = -EBADF;

/* ---- routes ---------------------------------------------------------------- */

typedef struct PairState {
        uint8_t csr[PKI_CSR_MAX];
        size_t size;
} PairState;

static int route_pair(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        PairState *st = http_request_get_userdata(req);
        _cleanup_free_ char *pem = NULL;
        const char *auth;
        int r;

        switch (ev) {
        case HTTP_EVENT_BEGIN:
                auth = http_request_header(req, "Authorization");
                if (!auth || strncmp(auth, "Bearer ", 7) != 0)
                        return http_request_reply_status(req, 401, "pairing token required");
                st = calloc(1, sizeof(*st));
                if (!st)
                        return -ENOMEM;
                http_request_set_userdata(req, st, free);
                return 0;
        case HTTP_EVENT_DATA:
                if (st->size + size > sizeof(st->csr))
                        return http_request_reply_status(req, 413, "CSR too large");
                memcpy(st->csr + st->size, data, size);
                st->size += size;
                return 0;
        case HTTP_EVENT_END:
                auth = http_request_header(req, "Authorization") + 7;
                r = pki_pair(arg_pki_dir, auth, st->csr, st->size, pki_signer_issue, &signer_fd, &pem);
                if (r == -EACCES) {
                        log_notice("Pairing refused: invalid, used or expired token");
                        return http_request_reply_status(req, 401, "invalid, used or expired pairing token");
                }
                if (r == -EBADMSG)
                        return http_request_reply_status(req, 400,
                                                         "CSR unreadable, not EC P-256, or badly signed");
                if (r == -EPERM)
                        return http_request_reply_status(req, 403, "this role cannot pair");
                if (r == -ENOTCONN) {
                        log_error("Pairing failed: the signer is not running (restart carrel-pkid)");
                        return http_request_reply_status(req, 503, "signing service unavailable");
                }
                if (r < 0)
                        return log_error_errno(r, "Pairing failed: %m");
                log_info("Device paired");
                return http_request_reply(req, 200, "application/x-pem-file", pem, strlen(pem));
        case HTTP_EVENT_ABORT:
                return 0;
        }
        return 0;
}

static int route_whoami(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        const PeerIdentity *p = http_request_peer(req);
        char text[128];

        if (ev != HTTP_EVENT_END)
                return 0;
        snprintf(text, sizeof(text), "{\"id\":\"%s\",\"role\":\"%s\"}\n", p->id,
                 peer_role_to_string(p->role));
        return http_request_reply(req, 200, "application/json", text, strlen(text));
}

static long rss_kib(void)
{
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        long v = -1;

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
                        break;
        if (f)
                fclose(f);
        return v;
}

static int route_status(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        HttpServerStats s;
        char text[512];

        if (ev != HTTP_EVENT_END)
                return 0;
        http_server_get_stats(server, &s);
        snprintf(text, sizeof(text),
                 "{\"connections\":%u,\"peak_connections\":%u,\"accepted\":%llu,\"handshake_failures\":%llu,"
                 "\"requests\":%llu,\"refused\":%llu,\"aborted\":%llu,\"timeouts\":%llu,\"rss_kib\":%ld}\n",
                 s.connections, s.peak_connections, (unsigned long long)s.accepted,
                 (unsigned long long)s.handshake_failures, (unsigned long long)s.requests,
                 (unsigned long long)s.refused, (unsigned long long)s.aborted,
                 (unsigned long long)s.timeouts, rss_kib());
        return http_request_reply(req, 200, "application/json", text, strlen(text));
}

typedef struct EchoState {
        crypto_hash_sha256_state sha;
        uint64_t bytes;
        int fd;
        char *part, *final;
} EchoState;

static void echo_state_free(void *p)
{
        EchoState *st = p;

        if (!st)
                return;
        if (st->fd >= 0) {
                /* never completed: the partial upload goes */
                safe_close(st->fd);
                (void)unlink(st->part);
        }
        free(st->part);
        free(st->final);
        free(st);
}

static int route_echo(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        EchoState *st = http_request_get_userdata(req);
        uint8_t digest[crypto_hash_sha256_BYTES];
        char hex[2 * sizeof(digest) + 1], text[256];

        switch (ev) {
        case HTTP_EVENT_BEGIN:
                st = calloc(1, sizeof(*st));
                if (!st)
                        return -ENOMEM;
                st->fd = -EBADF;
                http_request_set_userdata(req, st, echo_state_free);
                crypto_hash_sha256_init(&st->sha);
                if (arg_upload_dir) {
                        uint64_t n = ++upload_counter;
                        if (asprintf(&st->part, "%s/upload-%" PRIu64 ".part", arg_upload_dir, n) < 0 ||
                            asprintf(&st->final, "%s/upload-%" PRIu64, arg_upload_dir, n) < 0)
                                return -ENOMEM;
                        st->fd = open(st->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                        if (st->fd < 0)
                                return log_error_errno(errno, "Failed to create upload file: %m");
                }
                return 0;
        case HTTP_EVENT_DATA:
                crypto_hash_sha256_update(&st->sha, data, size);
                st->bytes += size;
                if (st->fd >= 0) {
                        const uint8_t *p = data;
                        while (size > 0) {
                                ssize_t k = write(st->fd, p, size);
                                if (k < 0)
                                        return log_error_errno(errno, "Failed to write upload: %m");
                                p += k;
                                size -= k;
                        }
                }
                return 0;
        case HTTP_EVENT_END:
                crypto_hash_sha256_final(&st->sha, digest);
                sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
                if (st->fd >= 0) {
                        /* durable before acknowledged */
                        if (fsync(st->fd) < 0 || rename(st->part, st->final) < 0)
                                return log_error_errno(errno, "Failed to store upload: %m");
                        st->fd = safe_close(st->fd);
                }
                log_info("Upload complete: %" PRIu64 " bytes", st->bytes);
                snprintf(text, sizeof(text), "{\"bytes\":%" PRIu64 ",\"sha256\":\"%s\"}\n", st->bytes, hex);
                return http_request_reply(req, 200, "application/json", text, strlen(text));
        case HTTP_EVENT_ABORT:
                log_notice("Upload aborted after %" PRIu64 " bytes: body incomplete, discarded",
                           st ? st->bytes : 0);
                return 0;
        }
        return 0;
}

/* Counts and drops the body: the like-for-like peer of nginx's
 * `return 200` (which discards bodies) in tests/bench/bench-transport.sh. */
static int route_discard(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        char text[64];

        if (ev != HTTP_EVENT_END)
                return 0;
        snprintf(text, sizeof(text), "{\"bytes\":%" PRIu64 "}\n", http_request_body_received(req));
        return http_request_reply(req, 200, "application/json", text, strlen(text));
}

/* ---- TLS contexts and reload ------------------------------------------------ */

static int make_ctx(TlsPeerAuth auth, WOLFSSL_CTX **ret)
{
        _cleanup_free_ char *ca = pki_path(arg_pki_dir, "ca.crt"),
                            *crt = pki_path(arg_pki_dir, "server.crt"),
                            *key = pki_path(arg_pki_dir, "server.key"),
                            *crl = pki_path(arg_pki_dir, "crl.pem");
        TlsConfig cfg = {
                .ca_file = ca, .cert_file = crt, .key_file = key, .crl_file = crl, .peer_auth = auth
        };

        if (!ca || !crt || !key || !crl)
                return -ENOMEM;
        return tls_server_ctx_new(&cfg, ret);
}

static void reload_crl(void)
{
        _cleanup_(tls_ctx_freep) WOLFSSL_CTX *ctx = NULL;
        int r;

        if (mtls_listener < 0)
                return;
        r = make_ctx(TLS_PEER_REQUIRE, &ctx);
        if (r < 0) {
                log_error_errno(r, "Failed to reload TLS configuration, keeping the old one: %m");
                return;
        }
        r = http_server_set_tls(server, mtls_listener, ctx);
        if (r < 0)
                log_error_errno(r, "Failed to switch TLS configuration: %m");
        else
                log_info("CRL reloaded");
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
        if (ev->len > 0 && strcmp(ev->name, "crl.pem") == 0)
                reload_crl();
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        reload_crl();
        return 0;
}

static void on_drained(HttpServer *s, void *userdata)
{
        sd_event_exit(userdata, 0);
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        sd_event *e = sd_event_source_get_event(s);
        int r;

        (void)sd_notify(false, "STOPPING=1");
        log_info("Stopping: finishing requests in flight");
        r = http_server_shutdown(server, 10 * USEC_PER_SEC, on_drained, e);
        if (r == -EALREADY)
                return 0;
        if (r < 0)
                sd_event_exit(e, r);
        return 0;
}

static void on_refusal(HttpServer *s, int status, const char *peer_id, const char *reason, void *userdata)
{
        log_info("Refused%s%s: %d %s", peer_id ? " device " : "", peer_id ?: "", status, reason ?: "");
}

/* ---- the signer ------------------------------------------------------------- */

static int on_signer_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        log_error("carrel-pki-signer (PID %d) %s %d; pairing answers 503 until carrel-pkid restarts",
                  (int)si->si_pid, si->si_code == CLD_EXITED ? "exited with status" : "killed by signal",
                  si->si_status);
        signer_fd = safe_close(signer_fd);
        return 0;
}

/* Start carrel-pki-signer with its end of a socket pair on PKI_SIGNER_FD;
 * every other descriptor of ours is O_CLOEXEC and does not reach it. */
static int signer_spawn(sd_event *e)
{
        const struct timeval timeout = { .tv_sec = 10 };
        char path[PATH_MAX];
        int sv[2], r;
        pid_t pid;

        r = helper_path_find("carrel-pki-signer", arg_signer, path);
        if (r < 0)
                return log_error_errno(r, "Cannot find carrel-pki-signer (use --signer): %m");
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return log_error_errno(errno, "Failed to create the signer socket: %m");
        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(sv[0]);
                safe_close(sv[1]);
                return log_error_errno(r, "Failed to fork: %m");
        }
        if (pid == 0) {
                sigset_t none;

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                /* dup2() leaves the new descriptor without O_CLOEXEC: the one
                 * that is passed */
                if (sv[1] == PKI_SIGNER_FD ? fcntl(sv[1], F_SETFD, 0) < 0 : dup2(sv[1], PKI_SIGNER_FD) < 0)
                        _exit(127);
                execl(path, "carrel-pki-signer", "--pki-dir", arg_pki_dir, (char *)NULL);
                _exit(127);
        }
        safe_close(sv[1]);
        signer_fd = sv[0];
        /* a hung signer costs one pairing, not the event loop */
        (void)setsockopt(signer_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
        (void)setsockopt(signer_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
        r = sd_event_add_child(e, NULL, pid, WEXITED, on_signer_exit, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the signer: %m");
        log_info("Started carrel-pki-signer (PID %d)", (int)pid);
        return 0;
}

/* ---- main ------------------------------------------------------------------- */

static int parse_address(const char *s, char **ret_addr, uint16_t *ret_port)
{
        const char *colon = strrchr(s, ':');
        char *addr;
        unsigned long port;
        char *end;

        if (!colon)
                return -EINVAL;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno != 0 || *end != 0 || port > 65535)
                return -EINVAL;
        addr = strndup(s[0] == '[' ? s + 1 : s, colon - s - (s[0] == '[' ? 2 : 0));
        if (!addr)
                return -ENOMEM;
        *ret_addr = addr;
        *ret_port = (uint16_t)port;
        return 0;
}

static int parse_usec(const char *s, usec_t *ret)
{
        return parse_duration(s, ret);
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_PAIR = 0x100,
                ARG_PORT_FILE,
                ARG_UPLOAD,
                ARG_MAX_BODY,
                ARG_MAXCONN,
                ARG_PERPEER,
                ARG_IDLE,
                ARG_HEADER_TO,
                ARG_BODY_TO,
                ARG_MAX_HEADER,
                ARG_MAX_REQ,
                ARG_SIGNER,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "pki-dir", required_argument, NULL, 'd' },
                { "listen", required_argument, NULL, 'l' },
                { "pair-listen", required_argument, NULL, ARG_PAIR },
                { "port-file", required_argument, NULL, ARG_PORT_FILE },
                { "upload-dir", required_argument, NULL, ARG_UPLOAD },
                { "max-body", required_argument, NULL, ARG_MAX_BODY },
                { "max-connections", required_argument, NULL, ARG_MAXCONN },
                { "max-per-peer", required_argument, NULL, ARG_PERPEER },
                { "idle-timeout", required_argument, NULL, ARG_IDLE },
                { "header-timeout", required_argument, NULL, ARG_HEADER_TO },
                { "body-timeout", required_argument, NULL, ARG_BODY_TO },
                { "max-header-bytes", required_argument, NULL, ARG_MAX_HEADER },
                { "max-requests", required_argument, NULL, ARG_MAX_REQ },
                { "signer", required_argument, NULL, ARG_SIGNER },
                {}
        };
        int c, r = 0;

        http_server_limits_default(&arg_limits);
        while ((c = getopt_long(argc, argv, "hd:l:", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        printf("Usage: carrel-pkid [--pki-dir DIR] --listen ADDR:PORT [--pair-listen "
                               "ADDR:PORT]\n"
                               "       [--port-file FILE] [--upload-dir DIR] [--max-body BYTES]\n"
                               "       [--max-connections N] [--max-per-peer N] [--max-header-bytes N] "
                               "[--max-requests N]\n"
                               "       [--idle-timeout T] [--header-timeout T] [--body-timeout T]\n"
                               "       [--signer PATH]\n");
                        exit(0);
                case 'd':
                        arg_pki_dir = optarg;
                        break;
                case 'l':
                        arg_listen = optarg;
                        break;
                case ARG_PAIR:
                        arg_pair_listen = optarg;
                        break;
                case ARG_PORT_FILE:
                        arg_port_file = optarg;
                        break;
                case ARG_SIGNER:
                        arg_signer = optarg;
                        break;
                case ARG_UPLOAD:
                        arg_upload_dir = optarg;
                        break;
                case ARG_MAX_BODY:
                        arg_max_body = strtoull(optarg, NULL, 10);
                        break;
                case ARG_MAXCONN:
                        arg_limits.max_connections = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case ARG_PERPEER:
                        arg_limits.max_per_peer = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case ARG_MAX_REQ:
                        arg_limits.max_requests = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case ARG_MAX_HEADER:
                        arg_limits.max_header_bytes = strtoul(optarg, NULL, 10);
                        break;
                case ARG_IDLE:
                        r = parse_usec(optarg, &arg_limits.idle_timeout);
                        break;
                case ARG_HEADER_TO:
                        r = parse_usec(optarg, &arg_limits.header_timeout);
                        break;
                case ARG_BODY_TO:
                        r = parse_usec(optarg, &arg_limits.body_timeout);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return log_error_errno(r, "Invalid option value");
        }
        if (optind < argc || !arg_listen)
                return log_error_errno(-EINVAL,
                                       "Usage: carrel-pkid --listen ADDR:PORT [options] (see --help)");
        if (arg_limits.max_connections == 0 || arg_limits.max_per_peer == 0 ||
            arg_limits.max_header_bytes < 256)
                return log_error_errno(-EINVAL, "Limits must be positive (max-header-bytes at least 256)");
        return 0;
}

static int open_listener(const char *spec, TlsPeerAuth auth, int *ret_port)
{
        _cleanup_free_ char *addr = NULL;
        _cleanup_(tls_ctx_freep) WOLFSSL_CTX *ctx = NULL;
        uint16_t port;
        int fd, r, idx;

        r = parse_address(spec, &addr, &port);
        if (r < 0)
                return log_error_errno(r, "Invalid listen address (want ADDR:PORT)");
        r = make_ctx(auth, &ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to set up TLS from %s: %m", arg_pki_dir);
        fd = http_listen(addr, port);
        if (fd < 0)
                return log_error_errno(fd, "Failed to listen on %s: %m", spec);
        *ret_port = http_socket_port(fd);
        idx = http_server_add_listener(server, fd, ctx);
        if (idx < 0)
                return log_error_errno(idx, "Failed to add listener: %m");
        return idx;
}

int main(int argc, char *argv[])
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(http_server_freep) HttpServer *s = NULL;
        _cleanup_free_ char *crl_dir = NULL;
        struct rlimit rl;
        int r, mtls_port = 0, pair_port = 0;
        static const HttpRoute routes[] = {
                { "POST", "/v1/pair", PKI_CSR_MAX, HTTP_ROUTE_ALLOW_UNAUTHENTICATED, route_pair, NULL },
                { "GET", "/v1/whoami", 0, 0, route_whoami, NULL },
                { "GET", "/v1/status", 0, 0, route_status, NULL },
        };

        log_set_ident("carrel-pkid");
        (void)log_parse_environment();

        r = parse_argv(argc, argv);
        if (r < 0)
                return 1;

        /* It holds the appliance's TLS server key (never the CA key). */
        r = secmem_harden_process();
        if (r < 0)
                return log_error_errno(r, "Failed to harden process: %m"), 1;
        if (secmem_init() < 0)
                return log_error("Failed to initialise libsodium"), 1;
        (void)signal(SIGPIPE, SIG_IGN);
        /* Every connection is a descriptor: allow as many as the hard limit. */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }

        r = sd_event_default(&e);
        if (r < 0)
                return log_error_errno(r, "Failed to get event loop: %m"), 1;

        /* The signer first, before any listener or key is open; then this
         * process gives up what it no longer needs: gaining privileges
         * through exec (no_new_privs). SIGCHLD is blocked for
         * sd_event_add_child(). */
        if (arg_pair_listen) {
                sigset_t chld;

                sigemptyset(&chld);
                sigaddset(&chld, SIGCHLD);
                sigprocmask(SIG_BLOCK, &chld, NULL);
                if (signer_spawn(e) < 0)
                        return 1;
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(errno, "Failed to set no_new_privs: %m"), 1;
        r = http_server_new(e, &arg_limits, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to create server: %m"), 1;
        server = s;
        http_server_set_refusal_callback(s, on_refusal, NULL);

        for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
                r = http_server_add_route(s, &routes[i]);
                if (r < 0)
                        return log_error_errno(r, "Failed to add route: %m"), 1;
        }
        r = http_server_add_route(
                s, &(HttpRoute){ "PUT", "/v1/discard", arg_max_body, 0, route_discard, NULL });
        if (r >= 0)
                r = http_server_add_route(
                        s, &(HttpRoute){ "PUT", "/v1/echo", arg_max_body, 0, route_echo, NULL });
        if (r >= 0)
                r = http_server_add_route(
                        s, &(HttpRoute){ "POST", "/v1/echo", arg_max_body, 0, route_echo, NULL });
        if (r < 0)
                return log_error_errno(r, "Failed to add route: %m"), 1;

        r = open_listener(arg_listen, TLS_PEER_REQUIRE, &mtls_port);
        if (r < 0)
                return 1;
        mtls_listener = r;
        if (arg_pair_listen) {
                r = open_listener(arg_pair_listen, TLS_PEER_NONE, &pair_port);
                if (r < 0)
                        return 1;
        }

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(e, NULL, SIGTERM, on_sigterm, NULL) < 0 ||
            sd_event_add_signal(e, NULL, SIGINT, on_sigterm, NULL) < 0 ||
            sd_event_add_signal(e, NULL, SIGHUP, on_sighup, NULL) < 0)
                return log_error("Failed to set up signal handling"), 1;
        r = sd_event_add_inotify(e, NULL, arg_pki_dir, IN_CLOSE_WRITE | IN_MOVED_TO, on_inotify, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot watch %s for CRL changes, reload with SIGHUP: %m", arg_pki_dir);

        if (arg_port_file) {
                char ports[64];
                int n = snprintf(ports, sizeof(ports), "%d %d\n", mtls_port, pair_port);
                r = write_file_atomic(arg_port_file, ports, n, 0644);
                if (r < 0)
                        return log_error_errno(r, "Failed to write port file: %m"), 1;
        }
        log_info("Listening: mutual TLS on port %d, pairing on port %d", mtls_port, pair_port);
        (void)sd_notify(false, "READY=1");

        r = sd_event_loop(e);
        server = NULL;
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), 1;
        log_info("Stopped");
        return 0;
}
