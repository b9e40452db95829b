/* The HTTPS client: a non-blocking socket driven with poll() and absolute
 * deadlines, wolfSSL on top, http-parser for the response. */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <http_parser.h>
#include <sodium.h>

#include "lib/net/http-client.h"
#include "lib/net/tls.h"

struct HttpClient {
        HttpClientConfig cfg;
        char *host;
        uint16_t port;
        WOLFSSL_CTX *ctx;
        WOLFSSL *ssl;
        int fd;
        PeerIdentity server;
        bool connected;
};

typedef struct ResponseState {
        HttpClientResponse *resp;
        size_t max;
        bool complete, too_big, want_ct;
        char ct[128];
        size_t ct_len;
        bool last_field_ct;
        bool keep_alive;
} ResponseState;

static void client_disconnect(HttpClient *c)
{
        if (c->ssl) {
                wolfSSL_free(c->ssl);
                c->ssl = NULL;
        }
        c->fd = safe_close(c->fd);
        c->connected = false;
}

int http_client_new(const HttpClientConfig *cfg, const char *host, uint16_t port, HttpClient **ret)
{
        _cleanup_(http_client_freep) HttpClient *c = NULL;
        TlsConfig tls;
        int r;

        assert_return(cfg && cfg->ca_file && host && port > 0 && ret, -EINVAL);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        c->cfg = *cfg;
        if (c->cfg.connect_timeout == 0)
                c->cfg.connect_timeout = 10 * USEC_PER_SEC;
        if (c->cfg.io_timeout == 0)
                c->cfg.io_timeout = 30 * USEC_PER_SEC;
        if (c->cfg.max_response == 0)
                c->cfg.max_response = 1024 * 1024;
        c->host = strdup(host);
        if (!c->host)
                return -ENOMEM;
        c->port = port;

        tls = (TlsConfig){ .ca_file = cfg->ca_file,
                           .cert_file = cfg->cert_file,
                           .key_file = cfg->key_file,
                           .crl_file = cfg->crl_file };
        r = tls_client_ctx_new(&tls, &c->ctx);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

HttpClient *http_client_free(HttpClient *c)
{
        if (!c)
                return NULL;
        client_disconnect(c);
        tls_ctx_free(c->ctx);
        free(c->host);
        free(c);
        return NULL;
}

/* Wait until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, usec_t deadline)
{
        for (;;) {
                usec_t now = now_monotonic_usec();
                struct pollfd p = { .fd = fd, .events = events };
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int)((deadline - now + 999) / 1000));
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
        }
}

/* Run a wolfSSL call until it stops wanting I/O, within the deadline. */
#define SSL_RUN(c, call, deadline)                                                                        \
        ({                                                                                                \
                int _n_, _e_, _r_ = 0;                                                                    \
                for (;;) {                                                                                \
                        _n_ = (call);                                                                     \
                        if (_n_ > 0)                                                                      \
                                break;                                                                    \
                        _e_ = wolfSSL_get_error((c)->ssl, _n_);                                           \
                        if (_e_ == WOLFSSL_ERROR_WANT_READ || _e_ == WOLFSSL_ERROR_WANT_WRITE) {          \
                                _r_ = wait_fd((c)->fd, _e_ == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT, \
                                              (deadline));                                                \
                                if (_r_ < 0)                                                              \
                                        break;                                                            \
                                continue;                                                                 \
                        }                                                                                 \
                        _r_ = errno_from_wolfssl(_e_) ?: -ECONNRESET;                                     \
                        break;                                                                            \
                }                                                                                         \
                _r_ < 0 ? _r_ : _n_;                                                                      \
        })

static int client_connect(HttpClient *c)
{
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
        usec_t deadline = now_monotonic_usec() + c->cfg.connect_timeout;
        char port[8];
        int r, one = 1, err = 0;
        socklen_t len = sizeof(err);
        struct in6_addr dummy;

        snprintf(port, sizeof(port), "%u", c->port);
        r = getaddrinfo(c->host, port, &hints, &ai);
        if (r != 0)
                return r == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;

        c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
                r = -errno;
                freeaddrinfo(ai);
                return r;
        }
        (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        r = connect(c->fd, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
        if (r < 0 && errno != EINPROGRESS)
                return -errno;
        if (r < 0) {
                r = wait_fd(c->fd, POLLOUT, deadline);
                if (r < 0)
                        return r;
                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        return -errno;
                if (err != 0)
                        return -err;
        }

        c->ssl = wolfSSL_new(c->ctx);
        if (!c->ssl)
                return -ENOMEM;
        if (wolfSSL_set_fd(c->ssl, c->fd) != WOLFSSL_SUCCESS)
                return -EIO;
        wolfSSL_set_using_nonblock(c->ssl, 1);
        /* Names are checked against the certificate; IP literals cannot be
         * (this wolfSSL has no IP SAN matching), so for those the CA pin and
         * the role check below are what authenticate the server. */
        if (inet_pton(AF_INET, c->host, &dummy) != 1 && inet_pton(AF_INET6, c->host, &dummy) != 1) {
                if (wolfSSL_check_domain_name(c->ssl, c->host) != WOLFSSL_SUCCESS)
                        return -ENOMEM;
                (void)wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, c->host, strlen(c->host));
        }
        r = SSL_RUN(c, wolfSSL_connect(c->ssl), deadline);
        if (r < 0)
                return r;

        r = tls_peer_identity(c->ssl, &c->server);
        if (r < 0)
                return -EPERM;
        if (c->cfg.expected_role >= 0 && c->server.role != (PeerRole)c->cfg.expected_role)
                return -EPERM;
        c->connected = true;
        return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
        ResponseState *s = p->data;

        s->last_field_ct = n == 12 && strncasecmp(at, "Content-Type", 12) == 0;
        return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
        ResponseState *s = p->data;

        if (s->last_field_ct) {
                size_t k = MIN(n, sizeof(s->ct) - 1 - s->ct_len);
                memcpy(s->ct + s->ct_len, at, k);
                s->ct_len += k;
                s->ct[s->ct_len] = 0;
        }
        return 0;
}

static int on_headers_complete(http_parser *p)
{
        ResponseState *s = p->data;

        if (p->content_length != ULLONG_MAX && p->content_length > s->max) {
                s->too_big = true;
                return 2;
        }
        return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
        ResponseState *s = p->data;
        HttpClientResponse *r = s->resp;
        char *b;

        if (r->body_size + n > s->max) {
                s->too_big = true;
                return 1;
        }
        b = realloc(r->body, r->body_size + n + 1);
        if (!b)
                return 1;
        memcpy(b + r->body_size, at, n);
        r->body = b;
        r->body_size += n;
        r->body[r->body_size] = 0;
        return 0;
}

static int on_message_complete(http_parser *p)
{
        ResponseState *s = p->data;

        /* 100 Continue is not the response: keep reading. */
        if (p->status_code == 100)
                return 0;
        s->complete = true;
        s->resp->status = p->status_code;
        s->keep_alive = http_should_keep_alive(p);
        http_parser_pause(p, 1);
        return 0;
}

static const http_parser_settings response_settings = {
        .on_header_field = on_header_field,
        .on_header_value = on_header_value,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
};

static int send_all(HttpClient *c, const void *data, size_t size)
{
        const uint8_t *p = data;

        while (size > 0) {
                int chunk = (int)MIN(size, (size_t)16384);
                int n = SSL_RUN(c, wolfSSL_write(c->ssl, p, chunk),
                                now_monotonic_usec() + c->cfg.io_timeout);
                if (n < 0)
                        return n;
                p += n;
                size -= n;
        }
        return 0;
}

static int request_once(HttpClient *c, const char *method, const char *path, const char *content_type,
                        const void *body, size_t size, HttpClientResponse *ret)
{
        HttpClientResponse resp = {};
        ResponseState st = { .resp = &resp, .max = c->cfg.max_response };
        http_parser parser;
        char head[1024], buf[16384];
        int n, r;

        n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: carrel\r\n%s%s%sContent-Length: %zu\r\n\r\n",
                     method, path, c->host, content_type ? "Content-Type: " : "", content_type ?: "",
                     content_type ? "\r\n" : "", size);
        if (n < 0 || (size_t)n >= sizeof(head))
                return -EINVAL;
        r = send_all(c, head, n);
        if (r < 0)
                return r;
        if (size > 0) {
                r = send_all(c, body, size);
                if (r < 0)
                        return r;
        }

        http_parser_init(&parser, HTTP_RESPONSE);
        parser.data = &st;
        while (!st.complete) {
                size_t used;

                n = SSL_RUN(c, wolfSSL_read(c->ssl, buf, sizeof(buf)),
                            now_monotonic_usec() + c->cfg.io_timeout);
                if (n < 0) {
                        /* A response framed by the close of the connection ends here. */
                        if (n == -ECONNRESET &&
                            http_parser_execute(&parser, &response_settings, NULL, 0) == 0 && st.complete)
                                break;
                        r = n;
                        goto fail;
                }
                used = http_parser_execute(&parser, &response_settings, buf, n);
                if (st.too_big) {
                        r = -EMSGSIZE;
                        goto fail;
                }
                if (HTTP_PARSER_ERRNO(&parser) != HPE_OK && HTTP_PARSER_ERRNO(&parser) != HPE_PAUSED) {
                        r = -EBADMSG;
                        goto fail;
                }
                (void)used;
        }
        if (st.ct_len > 0) {
                resp.content_type = strdup(st.ct);
                if (!resp.content_type) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (!resp.body) {
                resp.body = strdup("");
                if (!resp.body) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (!st.keep_alive)
                client_disconnect(c);
        *ret = resp;
        return 0;
fail:
        http_client_response_done(&resp);
        return r;
}

int http_client_request(HttpClient *c, const char *method, const char *path, const char *content_type,
                        const void *body, size_t size, HttpClientResponse *ret)
{
        bool fresh = false;
        int r;

        assert_return(c && method && path && path[0] == '/' && ret, -EINVAL);
        assert_return(body || size == 0, -EINVAL);
        assert_return(!strpbrk(method, " \r\n") && !strpbrk(path, " \r\n"), -EINVAL);
        assert_return(!content_type || !strpbrk(content_type, "\r\n"), -EINVAL);

        if (!c->connected) {
                r = client_connect(c);
                if (r < 0) {
                        client_disconnect(c);
                        return r;
                }
                fresh = true;
        }
        r = request_once(c, method, path, content_type, body, size, ret);
        if (r == -ECONNRESET && !fresh) {
                /* The server closed the idle keep-alive connection just
                 * before we used it: nothing of ours was processed, so one
                 * fresh connection is safe. */
                client_disconnect(c);
                r = client_connect(c);
                if (r == 0)
                        r = request_once(c, method, path, content_type, body, size, ret);
        }
        if (r < 0)
                client_disconnect(c);
        return r;
}

void http_client_response_done(HttpClientResponse *r)
{
        if (!r)
                return;
        free(r->content_type);
        free(r->body);
        *r = (HttpClientResponse){};
}

const PeerIdentity *http_client_server(const HttpClient *c)
{
        return c->connected ? &c->server : NULL;
}

bool http_client_error_is_transient(int r)
{
        switch (r) {
        case -ETIMEDOUT:
        case -ECONNREFUSED:
        case -ECONNRESET:
        case -EPIPE:
        case -EHOSTUNREACH:
        case -ENETUNREACH:
        case -EAGAIN:
                return true;
        default:
                return false;
        }
}

usec_t http_retry_delay(unsigned attempt, usec_t base, usec_t cap)
{
        usec_t ceiling = base;

        for (unsigned i = 0; i < attempt && ceiling < cap; i++)
                ceiling *= 2;
        ceiling = MIN(ceiling, cap);
        if (ceiling == 0)
                return 0;
        /* randombytes_uniform() takes 32 bits: work in milliseconds above that. */
        if (ceiling <= UINT32_MAX)
                return randombytes_uniform((uint32_t)ceiling + 1);
        return (usec_t)randombytes_uniform((uint32_t)MIN(ceiling / 1000, (usec_t)UINT32_MAX)) * 1000;
}
