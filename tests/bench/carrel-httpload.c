/* carrel-httpload: an HTTPS/1.1 load client that presents a client
 * certificate (wrk cannot), so the same client drives carrel-pkid and nginx.
 *
 * It opens N connections, completes every TLS 1.3 handshake (mutual), and
 * only then starts: with --hold it sends one request on each and checks that
 * all N, held open at once, were answered; otherwise it sends keep-alive
 * requests (GET, or PUT with a --body-size body) for --duration seconds and
 * prints one JSON line: requests/s and body MB/s. One thread, epoll,
 * non-blocking wolfSSL. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>

#include <http_parser.h>

#include "lib/macro.h"
#include "lib/time-util.h"
#include "lib/net/tls.h"

typedef enum State { ST_CONNECT, ST_HANDSHAKE, ST_READY, ST_SEND, ST_RECV, ST_DONE, ST_FAILED } State;

typedef struct Conn {
        int fd;
        WOLFSSL *ssl;
        State state;
        http_parser parser;
        bool complete;
        int status;
        size_t head_off, head_len;
        uint64_t body_off;
        int pending; /* length of a wolfSSL_write that wanted I/O: retry with the same */
} Conn;

static const char *arg_host = "127.0.0.1", *arg_path = "/v1/whoami", *arg_method = "GET";
static const char *arg_ca, *arg_cert, *arg_key, *arg_label = "";
static int arg_port, arg_conns = 1;
static double arg_duration = 3;
static uint64_t arg_body;
static bool arg_hold;

static char head[512];
static size_t head_len;
static uint8_t body_buf[65536];
static int ep;
static uint64_t n_requests, n_ok, n_errors, body_bytes;

static int on_complete(http_parser *p)
{
        Conn *c = p->data;
        c->complete = true;
        c->status = p->status_code;
        http_parser_pause(p, 1);
        return 0;
}
static const http_parser_settings settings = { .on_message_complete = on_complete };

static void set_events(Conn *c, uint32_t ev)
{
        struct epoll_event e = { .events = ev, .data.ptr = c };
        (void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void fail(Conn *c)
{
        if (c->state != ST_FAILED)
                n_errors++;
        c->state = ST_FAILED;
        (void)epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
}

static bool want(Conn *c, int n)
{
        int e = wolfSSL_get_error(c->ssl, n);
        if (e == WOLFSSL_ERROR_WANT_READ) {
                set_events(c, EPOLLIN);
                return true;
        }
        if (e == WOLFSSL_ERROR_WANT_WRITE) {
                set_events(c, EPOLLOUT);
                return true;
        }
        return false;
}

static void start_request(Conn *c)
{
        c->state = ST_SEND;
        c->head_off = 0;
        c->body_off = 0;
        c->pending = 0;
        c->complete = false;
        http_parser_init(&c->parser, HTTP_RESPONSE);
        c->parser.data = c;
}

static void drive(Conn *c, bool running)
{
        for (;;) {
                int n;
                switch (c->state) {
                case ST_CONNECT: {
                        int err = 0;
                        socklen_t len = sizeof(err);
                        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
                                return fail(c);
                        c->state = ST_HANDSHAKE;
                        break;
                }
                case ST_HANDSHAKE:
                        n = wolfSSL_connect(c->ssl);
                        if (n == WOLFSSL_SUCCESS) {
                                c->state = ST_READY;
                                set_events(c, EPOLLIN);
                                return;
                        }
                        if (!want(c, n))
                                return fail(c);
                        return;
                case ST_READY:
                        if (!running)
                                return;
                        start_request(c);
                        break;
                case ST_SEND:
                        if (c->head_off < head_len) {
                                int len = c->pending ?: (int)(head_len - c->head_off);
                                n = wolfSSL_write(c->ssl, head + c->head_off, len);
                                if (n <= 0) {
                                        c->pending = len;
                                        if (!want(c, n))
                                                return fail(c);
                                        return;
                                }
                                c->pending = 0;
                                c->head_off += n;
                        } else if (c->body_off < arg_body) {
                                int len = c->pending ?: (int)MIN(sizeof(body_buf), arg_body - c->body_off);
                                n = wolfSSL_write(c->ssl, body_buf, len);
                                if (n <= 0) {
                                        c->pending = len;
                                        if (!want(c, n))
                                                return fail(c);
                                        return;
                                }
                                c->pending = 0;
                                c->body_off += n;
                        } else {
                                c->state = ST_RECV;
                                set_events(c, EPOLLIN);
                        }
                        break;
                case ST_RECV: {
                        char buf[16384];
                        n = wolfSSL_read(c->ssl, buf, sizeof(buf));
                        if (n <= 0) {
                                if (!want(c, n))
                                        return fail(c);
                                return;
                        }
                        http_parser_execute(&c->parser, &settings, buf, n);
                        if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK &&
                            HTTP_PARSER_ERRNO(&c->parser) != HPE_PAUSED)
                                return fail(c);
                        if (c->complete) {
                                n_requests++;
                                if (c->status >= 200 && c->status < 300) {
                                        n_ok++;
                                        body_bytes += arg_body;
                                }
                                c->state = arg_hold ? ST_DONE : ST_READY;
                                if (arg_hold)
                                        return;
                        }
                        break;
                }
                case ST_DONE:
                case ST_FAILED:
                        return;
                }
        }
}

static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = { { "host", required_argument, NULL, 'H' },
                                                 { "port", required_argument, NULL, 'p' },
                                                 { "ca", required_argument, NULL, 'a' },
                                                 { "cert", required_argument, NULL, 'c' },
                                                 { "key", required_argument, NULL, 'k' },
                                                 { "connections", required_argument, NULL, 'n' },
                                                 { "duration", required_argument, NULL, 'd' },
                                                 { "path", required_argument, NULL, 'P' },
                                                 { "body-size", required_argument, NULL, 'b' },
                                                 { "hold", no_argument, NULL, 'h' },
                                                 { "label", required_argument, NULL, 'l' },
                                                 {} };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'H':
                        arg_host = optarg;
                        break;
                case 'p':
                        arg_port = atoi(optarg);
                        break;
                case 'a':
                        arg_ca = optarg;
                        break;
                case 'c':
                        arg_cert = optarg;
                        break;
                case 'k':
                        arg_key = optarg;
                        break;
                case 'n':
                        arg_conns = atoi(optarg);
                        break;
                case 'd':
                        arg_duration = atof(optarg);
                        break;
                case 'P':
                        arg_path = optarg;
                        break;
                case 'b':
                        arg_body = strtoull(optarg, NULL, 10);
                        break;
                case 'h':
                        arg_hold = true;
                        break;
                case 'l':
                        arg_label = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (!arg_ca || !arg_cert || !arg_key || arg_port <= 0 || arg_conns <= 0) {
                fprintf(stderr, "usage: carrel-httpload --port P --ca F --cert F --key F [--connections N] "
                                "[--duration S] [--path P] [--body-size B] [--hold]\n");
                return -EINVAL;
        }
        if (arg_body > 0)
                arg_method = "PUT";
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(tls_ctx_freep) WOLFSSL_CTX *ctx = NULL;
        TlsConfig cfg;
        struct sockaddr_in sa = { .sin_family = AF_INET };
        struct rlimit rl;
        Conn *conns;
        usec_t t0, t_end = 0, t_start;
        int r, ready, failed_hs;
        bool running = false;

        if (parse_argv(argc, argv) < 0)
                return 2;
        signal(SIGPIPE, SIG_IGN);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
        cfg = (TlsConfig){ .ca_file = arg_ca, .cert_file = arg_cert, .key_file = arg_key };
        r = tls_client_ctx_new(&cfg, &ctx);
        if (r < 0) {
                fprintf(stderr, "carrel-httpload: TLS setup failed: %s\n", strerror(-r));
                return 1;
        }
        head_len = snprintf(head, sizeof(head),
                            "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %llu\r\n\r\n", arg_method,
                            arg_path, (unsigned long long)arg_body);
        memset(body_buf, 'b', sizeof(body_buf));
        inet_pton(AF_INET, arg_host, &sa.sin_addr);
        sa.sin_port = htons(arg_port);

        ep = epoll_create1(EPOLL_CLOEXEC);
        conns = calloc(arg_conns, sizeof(Conn));
        if (ep < 0 || !conns)
                return 1;
        t0 = now_monotonic_usec();
        for (int i = 0; i < arg_conns; i++) {
                Conn *c = &conns[i];
                struct epoll_event e = { .events = EPOLLOUT, .data.ptr = c };
                int one = 1;

                c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (c->fd < 0) {
                        c->state = ST_FAILED;
                        n_errors++;
                        continue;
                }
                setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                c->ssl = wolfSSL_new(ctx);
                wolfSSL_set_fd(c->ssl, c->fd);
                wolfSSL_set_using_nonblock(c->ssl, 1);
                if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
                        close(c->fd);
                        c->state = ST_FAILED;
                        n_errors++;
                        continue;
                }
                c->state = ST_CONNECT;
                epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
        }

        t_start = 0;
        for (;;) {
                struct epoll_event evs[256];
                int n = epoll_wait(ep, evs, ELEMENTSOF(evs), 100);
                usec_t now = now_monotonic_usec();

                for (int i = 0; i < n; i++)
                        drive(evs[i].data.ptr, running);

                if (!running) {
                        ready = failed_hs = 0;
                        for (int i = 0; i < arg_conns; i++) {
                                ready += conns[i].state == ST_READY;
                                failed_hs += conns[i].state == ST_FAILED;
                        }
                        if (ready + failed_hs == arg_conns) {
                                running = true;
                                t_start = now;
                                t_end = now + (usec_t)(arg_duration * USEC_PER_SEC);
                                for (int i = 0; i < arg_conns; i++)
                                        drive(&conns[i], true);
                        } else if (now - t0 > 120 * USEC_PER_SEC)
                                break;
                        continue;
                }
                if (arg_hold) {
                        int busy = 0;
                        for (int i = 0; i < arg_conns; i++)
                                busy += conns[i].state != ST_DONE && conns[i].state != ST_FAILED;
                        if (busy == 0 || now > t_start + 60 * USEC_PER_SEC)
                                break;
                } else if (now >= t_end)
                        break;
        }

        double secs = (double)(now_monotonic_usec() - t_start) / USEC_PER_SEC;
        if (arg_hold)
                printf("{\"connections\":%d,\"ok\":%llu,\"errors\":%llu,\"handshake_seconds\":%.2f}\n",
                       arg_conns, (unsigned long long)n_ok, (unsigned long long)n_errors,
                       (double)(t_start - t0) / USEC_PER_SEC);
        else
                printf("{\"label\":\"%s\",\"connections\":%d,\"requests\":%llu,\"ok\":%llu,\"errors\":%llu,"
                       "\"seconds\":%.2f,\"rps\":%.1f,\"mbps\":%.2f}\n",
                       arg_label, arg_conns, (unsigned long long)n_requests, (unsigned long long)n_ok,
                       (unsigned long long)n_errors, secs, n_ok / secs, body_bytes / secs / 1e6);
        for (int i = 0; i < arg_conns; i++) {
                if (conns[i].ssl)
                        wolfSSL_free(conns[i].ssl);
                if (conns[i].state != ST_FAILED)
                        close(conns[i].fd);
        }
        free(conns);
        close(ep);
        return n_errors > 0 && arg_hold ? 1 : 0;
}
