/* The HTTPS/1.1 server: accept, TLS handshake, requests through HttpReader
 * to route handlers, responses, timeouts and shutdown, all on one sd-event
 * loop with non-blocking sockets.
 *
 * Each connection runs conn_process() whenever its socket is ready: finish
 * the handshake, flush queued output, feed decrypted input to the reader,
 * read more. Input is read eagerly while a body arrives, so the whole body is
 * off the socket before the response goes out; a body cut short by the peer
 * reaches the handler as ABORT, never as END. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/macro.h"
#include "lib/net/http-reader.h"
#include "lib/net/http-request-internal.h"
#include "lib/net/http-server.h"
#include "lib/net/tls.h"

#define IN_BUFFER_SIZE (16 * 1024)
#define LINGER_USEC (2 * USEC_PER_SEC)
#define HSTS_VALUE "max-age=63072000; includeSubDomains"

typedef struct Listener {
        HttpServer *server;
        int fd;
        sd_event_source *source;
        WOLFSSL_CTX *ctx;
        unsigned generation; /* bumped when ctx is replaced */
} Listener;

typedef enum ConnState {
        CONN_HANDSHAKE,
        CONN_OPEN,
        CONN_LINGER, /* response sent, close_notify sent, draining the peer */
} ConnState;

typedef struct Connection Connection;
struct Connection {
        HttpServer *server;
        Connection *prev, *next;
        unsigned listener, generation; /* the TLS context it was accepted with */
        int fd;
        WOLFSSL *ssl;
        sd_event_source *io, *timer;
        ConnState state;
        HttpReader *reader;
        PeerIdentity peer;
        bool has_peer;

        uint8_t *in;
        size_t in_off, in_len;
        char *out;
        size_t out_len, out_size;

        const HttpRoute *route;
        bool began; /* the handler saw BEGIN and not yet END/ABORT */
        bool in_request; /* bytes of a request have arrived */
        bool close_after; /* close once the output is flushed */
        unsigned n_requests;

        usec_t t_start, t_request, t_last_read, t_idle, t_linger;
};

struct HttpServer {
        sd_event *event;
        HttpServerLimits limits;
        HttpReaderLimits reader_limits;
        Listener *listeners;
        unsigned n_listeners;
        HttpRoute *routes;
        unsigned n_routes;
        Connection *connections;
        HttpServerStats stats;
        bool accepting_paused;

        bool shutting_down;
        sd_event_source *grace_timer;
        void (*on_done)(HttpServer *s, void *userdata);
        void *on_done_userdata;

        HttpServerRefusalCallback refusal_cb;
        void *refusal_userdata;
};

void http_server_limits_default(HttpServerLimits *ret)
{
        *ret = (HttpServerLimits){
                .max_header_bytes = HTTP_READER_MAX_HEADER_BYTES_DEFAULT,
                .max_headers = HTTP_READER_MAX_HEADERS_DEFAULT,
                .max_url = HTTP_READER_MAX_URL_DEFAULT,
                .handshake_timeout = 10 * USEC_PER_SEC,
                .header_timeout = 10 * USEC_PER_SEC,
                .body_timeout = 30 * USEC_PER_SEC,
                .idle_timeout = 60 * USEC_PER_SEC,
                .max_connections = 4096,
                .max_per_peer = 64,
                .max_requests = 1000,
        };
}

static usec_t now_usec(HttpServer *s)
{
        uint64_t t = 0;

        (void)sd_event_now(s->event, CLOCK_MONOTONIC, &t);
        return t;
}

static void refused(HttpServer *s, Connection *c, int status, const char *reason)
{
        s->stats.refused++;
        if (s->refusal_cb)
                s->refusal_cb(s, status, c && c->has_peer ? c->peer.id : NULL, reason, s->refusal_userdata);
}

/* ---- connections ---------------------------------------------------- */

static void listeners_update(HttpServer *s);

static void conn_abort_request(Connection *c)
{
        HttpRequest *q;

        if (!c->began)
                return;
        c->began = false;
        c->server->stats.aborted++;
        q = http_reader_request(c->reader);
        if (q && c->route)
                (void)c->route->handler(q, HTTP_EVENT_ABORT, NULL, 0, c->route->userdata);
}

static void conn_free(Connection *c)
{
        HttpServer *s;

        if (!c)
                return;
        s = c->server;
        conn_abort_request(c);

        if (c->prev)
                c->prev->next = c->next;
        else
                s->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->stats.connections--;

        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        if (c->ssl)
                wolfSSL_free(c->ssl);
        safe_close(c->fd);
        http_reader_free(c->reader);
        free(c->in);
        free(c->out);
        free(c);

        listeners_update(s);
        if (s->shutting_down && s->stats.connections == 0 && s->on_done) {
                void (*done)(HttpServer *, void *) = s->on_done;
                s->on_done = NULL;
                done(s, s->on_done_userdata);
        }
}

static int out_reserve(Connection *c, size_t extra)
{
        size_t need = c->out_len + extra;
        char *p;

        if (need <= c->out_size)
                return 0;
        if (need > HTTP_RESPONSE_MAX + 4096)
                return -E2BIG;
        p = realloc(c->out, need);
        if (!p)
                return -ENOMEM;
        c->out = p;
        c->out_size = need;
        return 0;
}

static int out_append(Connection *c, const void *data, size_t size)
{
        int r = out_reserve(c, size);

        if (r < 0)
                return r;
        memcpy(c->out + c->out_len, data, size);
        c->out_len += size;
        return 0;
}

/* Whether the connection was authenticated under a TLS context (CA, CRL)
 * that has since been replaced: it must not outlive its current request. */
static bool conn_outdated(const Connection *c)
{
        return c->generation != c->server->listeners[c->listener].generation;
}

/* Queue a complete response; decides whether the connection stays open. */
static int conn_queue_response(Connection *c, int status, const char *content_type, const void *body,
                               size_t size, bool keep_alive)
{
        char head[512], date[64];
        struct tm tm;
        time_t t = time(NULL);
        int n;

        if (!keep_alive || c->server->shutting_down || c->n_requests >= c->server->limits.max_requests ||
            conn_outdated(c))
                c->close_after = true;

        if (!gmtime_r(&t, &tm) || strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
                date[0] = 0;

        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\n"
                     "Date: %s\r\n"
                     "Server: carrel\r\n"
                     "Strict-Transport-Security: " HSTS_VALUE "\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Cache-Control: no-store\r\n"
                     "%s%s%s"
                     "Content-Length: %zu\r\n"
                     "Connection: %s\r\n"
                     "\r\n",
                     status, http_status_reason(status), date, content_type ? "Content-Type: " : "",
                     content_type ?: "", content_type ? "\r\n" : "", size,
                     c->close_after ? "close" : "keep-alive");
        if (n < 0 || (size_t)n >= sizeof(head))
                return -EINVAL;
        if (out_append(c, head, n) < 0 || out_append(c, body, size) < 0)
                return -ENOMEM;
        c->t_idle = now_usec(c->server);
        return 0;
}

static int conn_queue_status(Connection *c, int status, const char *reason)
{
        char text[256];
        int n;

        n = snprintf(text, sizeof(text), "%d %s\n", status, reason ?: http_status_reason(status));
        if (n < 0)
                return -EINVAL;
        return conn_queue_response(c, status, "text/plain; charset=utf-8", text,
                                   MIN((size_t)n, sizeof(text) - 1), false);
}

/* The request finished: send what the handler queued, or 500. */
static int conn_request_done(Connection *c)
{
        _cleanup_(http_request_freep) HttpRequest *q = http_reader_steal_request(c->reader);
        const char *ct;
        const void *body;
        size_t size;
        int status;

        c->in_request = false;
        c->began = false;
        c->route = NULL;
        c->n_requests++;
        c->server->stats.requests++;

        status = q ? http_request_reply_get(q, &ct, &body, &size) : 0;
        if (status == 0)
                return conn_queue_status(c, 500, "the handler sent no response");
        return conn_queue_response(c, status, ct, body, size, http_request_keep_alive(q));
}

/* The request was refused (by a limit, the router or the handler). */
static int conn_request_refused(Connection *c)
{
        HttpRequest *q = http_reader_request(c->reader);
        int status = http_reader_status(c->reader);
        const char *ct, *reason = http_reader_reason(c->reader);
        const void *body;
        size_t size;
        int r, reply;

        c->server->stats.requests++;
        reply = q ? http_request_reply_get(q, &ct, &body, &size) : 0;
        if (reply != 0) {
                /* the handler answered itself: no further events for it */
                c->began = false;
                r = conn_queue_response(c, reply, ct, body, size, false);
        } else {
                conn_abort_request(c);
                r = conn_queue_status(c, status, reason);
        }
        refused(c->server, c, reply ?: status, reply ? "refused by handler" : reason);
        c->close_after = true;
        return r;
}

/* ---- the reader's callbacks --------------------------------------------- */

static int on_headers(HttpReader *reader, HttpRequest *q, uint64_t *ret_max_body, void *userdata)
{
        Connection *c = userdata;
        HttpServer *s = c->server;
        const HttpRoute *route = NULL;
        bool path_found = false;
        int r;

        for (unsigned i = 0; i < s->n_routes; i++) {
                if (strcmp(s->routes[i].path, q->path) != 0)
                        continue;
                path_found = true;
                if (strcmp(s->routes[i].method, q->method) == 0) {
                        route = &s->routes[i];
                        break;
                }
        }
        if (!route)
                return path_found ? 405 : 404;
        if (!c->has_peer && !(route->flags & HTTP_ROUTE_ALLOW_UNAUTHENTICATED))
                return 403;
        if (q->content_length > 0 && (uint64_t)q->content_length > route->max_body)
                return 413;

        http_request_set_peer(q, c->has_peer ? &c->peer : NULL);
        c->route = route;
        r = route->handler(q, HTTP_EVENT_BEGIN, NULL, 0, route->userdata);
        if (r < 0)
                return 500;
        if (q->status != 0)
                return q->status < 400 ? 500 : q->status;
        c->began = true;

        if (http_request_expects_continue(q)) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                if (out_append(c, cont, sizeof(cont) - 1) < 0)
                        return 503;
        }
        *ret_max_body = route->max_body;
        return 0;
}

static int on_body(HttpReader *reader, HttpRequest *q, const void *data, size_t size, void *userdata)
{
        Connection *c = userdata;
        int r;

        r = c->route->handler(q, HTTP_EVENT_DATA, data, size, c->route->userdata);
        if (r < 0)
                return 500;
        if (q->status != 0)
                return q->status < 400 ? 500 : q->status;
        return 0;
}

static int on_complete(HttpReader *reader, HttpRequest *q, void *userdata)
{
        Connection *c = userdata;
        int r;

        if (!c->began)
                return 0;
        c->began = false;
        r = c->route->handler(q, HTTP_EVENT_END, NULL, 0, c->route->userdata);
        if (r < 0 && q->status == 0)
                (void)http_request_reply_status(q, 500, "the request could not be completed");
        return 0;
}

static const HttpReaderOps reader_ops = {
        .headers = on_headers,
        .body = on_body,
        .complete = on_complete,
};

/* ---- I/O ------------------------------------------------------------------ */

static int conn_set_events(Connection *c, uint32_t events)
{
        return sd_event_source_set_io_events(c->io, events);
}

static int conn_want(Connection *c)
{
        return conn_set_events(c, wolfSSL_want_write(c->ssl) ? EPOLLOUT : EPOLLIN);
}

static void conn_update_timer(Connection *c)
{
        const HttpServerLimits *l = &c->server->limits;
        usec_t t;

        if (c->state == CONN_HANDSHAKE)
                t = c->t_start + l->handshake_timeout;
        else if (c->state == CONN_LINGER)
                t = c->t_linger + LINGER_USEC;
        else if (c->out_len > 0 || http_reader_in_body(c->reader))
                t = c->t_last_read + l->body_timeout;
        else if (c->in_request)
                t = c->t_request + l->header_timeout;
        else
                t = c->t_idle + l->idle_timeout;

        (void)sd_event_source_set_time(c->timer, t);
        (void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

static void conn_start_linger(Connection *c)
{
        (void)wolfSSL_shutdown(c->ssl);
        (void)shutdown(c->fd, SHUT_WR);
        c->state = CONN_LINGER;
        c->t_linger = now_usec(c->server);
        (void)conn_set_events(c, EPOLLIN);
}

static int conn_handshake(Connection *c)
{
        HttpServer *s = c->server;
        unsigned same = 0;
        int r, e;

        r = wolfSSL_accept(c->ssl);
        if (r != WOLFSSL_SUCCESS) {
                e = wolfSSL_get_error(c->ssl, r);
                if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
                        return -EAGAIN;
                s->stats.handshake_failures++;
                refused(s, c, 0, "TLS handshake failed");
                /* A TLS 1.3 client sends its request right after Finished; a
                 * close() with that unread would reset the connection and
                 * destroy our alert before the client reads it. Drain first. */
                conn_start_linger(c);
                return 0;
        }

        c->state = CONN_OPEN;
        c->t_idle = c->t_last_read = now_usec(s);
        c->in = malloc(IN_BUFFER_SIZE);
        if (!c->in)
                return -ENOMEM;

        r = tls_peer_identity(c->ssl, &c->peer);
        if (r == 0)
                c->has_peer = true;
        else if (r != -ENOKEY) {
                c->close_after = true;
                refused(s, c, 403, "certificate names no Carrel device");
                return conn_queue_status(c, 403, "certificate names no Carrel device");
        }

        if (c->has_peer) {
                for (Connection *o = s->connections; o; o = o->next)
                        if (o != c && o->has_peer && strcmp(o->peer.id, c->peer.id) == 0)
                                same++;
                if (same >= s->limits.max_per_peer) {
                        refused(s, c, 429, "too many connections from this device");
                        return conn_queue_status(c, 429, "too many connections from this device");
                }
        }
        return 0;
}

static int conn_flush(Connection *c)
{
        int n, e;

        while (c->out_len > 0) {
                n = wolfSSL_write(c->ssl, c->out, (int)c->out_len);
                if (n <= 0) {
                        e = wolfSSL_get_error(c->ssl, n);
                        return errno_from_wolfssl(e) ?: -EPIPE;
                }
                memmove(c->out, c->out + n, c->out_len - n);
                c->out_len -= n;
        }
        return 0;
}

/* Returns 0 to wait for the socket, or -errno to close. */
static int conn_process(Connection *c)
{
        HttpServer *s = c->server;
        int r, n, e;

        for (;;) {
                if (c->state == CONN_HANDSHAKE) {
                        r = conn_handshake(c);
                        if (r == -EAGAIN)
                                return conn_want(c);
                        if (r < 0)
                                return r;
                        continue;
                }

                if (c->state == CONN_LINGER) {
                        char sink[4096];
                        ssize_t k = read(c->fd, sink, sizeof(sink));
                        if (k > 0)
                                continue;
                        if (k < 0 && errno == EAGAIN)
                                return 0;
                        return -ECONNRESET;
                }

                if (c->out_len > 0) {
                        r = conn_flush(c);
                        if (r == -EAGAIN)
                                return conn_want(c);
                        if (r < 0)
                                return r;
                        (void)conn_set_events(c, EPOLLIN);
                }
                if (c->close_after) {
                        conn_start_linger(c);
                        continue;
                }

                if (c->in_off < c->in_len) {
                        size_t used = 0;
                        HttpReaderResult res;

                        res = http_reader_feed(c->reader, c->in + c->in_off, c->in_len - c->in_off, &used);
                        c->in_off += used;
                        if (!c->in_request && http_reader_in_request(c->reader)) {
                                c->in_request = true;
                                c->t_request = now_usec(s);
                        }
                        if (res == HTTP_READER_COMPLETE)
                                r = conn_request_done(c);
                        else if (res == HTTP_READER_REFUSED)
                                r = conn_request_refused(c);
                        else
                                r = 0;
                        if (r < 0)
                                return r;
                        continue;
                }

                n = wolfSSL_read(c->ssl, c->in, IN_BUFFER_SIZE);
                if (n > 0) {
                        c->in_off = 0;
                        c->in_len = n;
                        c->t_last_read = now_usec(s);
                        continue;
                }
                e = wolfSSL_get_error(c->ssl, n);
                if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
                        return conn_want(c);

                /* The peer closed (or broke) the stream. */
                if (http_reader_eof(c->reader))
                        refused(s, c, 0, "connection closed in the middle of a request");
                return -ECONNRESET;
        }
}

static int conn_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Connection *c = userdata;

        if (conn_process(c) < 0) {
                conn_free(c);
                return 0;
        }
        conn_update_timer(c);
        return 0;
}

static int conn_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        Connection *c = userdata;
        HttpServer *s = c->server;

        if (c->state == CONN_OPEN && c->in_request && c->out_len == 0 && !c->close_after) {
                /* Slow or stalled request: tell the client, then close. */
                s->stats.timeouts++;
                conn_abort_request(c);
                refused(s, c, 408, "request timed out");
                (void)conn_queue_status(c, 408, "request timed out");
                c->close_after = true;
                if (conn_process(c) < 0) {
                        conn_free(c);
                        return 0;
                }
                conn_update_timer(c);
                return 0;
        }
        if (c->state != CONN_LINGER)
                s->stats.timeouts++;
        conn_free(c);
        return 0;
}

/* ---- listeners ------------------------------------------------------------- */

static void listeners_update(HttpServer *s)
{
        bool pause = s->stats.connections >= s->limits.max_connections;

        if (s->shutting_down || pause == s->accepting_paused)
                return;
        s->accepting_paused = pause;
        for (unsigned i = 0; i < s->n_listeners; i++)
                (void)sd_event_source_set_enabled(s->listeners[i].source,
                                                  pause ? SD_EVENT_OFF : SD_EVENT_ON);
}

static int conn_new(Listener *l, int fd)
{
        HttpServer *s = l->server;
        Connection *c;
        int one = 1, r;

        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

        c = calloc(1, sizeof(*c));
        if (!c) {
                safe_close(fd);
                return -ENOMEM;
        }
        c->server = s;
        c->fd = fd;
        c->state = CONN_HANDSHAKE;
        c->listener = (unsigned)(l - s->listeners);
        c->generation = l->generation;
        c->t_start = now_usec(s);

        /* Link first, so conn_free() can unwind every step below. */
        c->next = s->connections;
        if (c->next)
                c->next->prev = c;
        s->connections = c;
        s->stats.connections++;
        s->stats.accepted++;
        if (s->stats.connections > s->stats.peak_connections)
                s->stats.peak_connections = s->stats.connections;

        r = http_reader_new(&s->reader_limits, &reader_ops, c, &c->reader);
        if (r < 0)
                goto fail;
        c->ssl = wolfSSL_new(l->ctx);
        if (!c->ssl) {
                r = -ENOMEM;
                goto fail;
        }
        if (wolfSSL_set_fd(c->ssl, fd) != WOLFSSL_SUCCESS) {
                r = -EIO;
                goto fail;
        }
        wolfSSL_set_using_nonblock(c->ssl, 1);

        r = sd_event_add_io(s->event, &c->io, fd, EPOLLIN, conn_io, c);
        if (r < 0)
                goto fail;
        r = sd_event_add_time(s->event, &c->timer, CLOCK_MONOTONIC, c->t_start + s->limits.handshake_timeout,
                              0, conn_timeout, c);
        if (r < 0)
                goto fail;
        listeners_update(s);
        return 0;
fail:
        conn_free(c);
        return r;
}

static int listener_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Listener *l = userdata;
        HttpServer *s = l->server;

        while (!s->accepting_paused && !s->shutting_down) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        /* EAGAIN: done; EMFILE and friends: try again on the next event */
                        break;
                }
                (void)conn_new(l, cfd);
        }
        return 0;
}

/* ---- the server ------------------------------------------------------------- */

int http_server_new(sd_event *e, const HttpServerLimits *limits, HttpServer **ret)
{
        HttpServer *s;

        assert_return(e && ret, -EINVAL);

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        if (limits)
                s->limits = *limits;
        else
                http_server_limits_default(&s->limits);
        s->reader_limits = (HttpReaderLimits){
                .max_header_bytes = s->limits.max_header_bytes,
                .max_headers = s->limits.max_headers,
                .max_url = s->limits.max_url,
        };
        *ret = s;
        return 0;
}

HttpServer *http_server_free(HttpServer *s)
{
        if (!s)
                return NULL;
        s->on_done = NULL;
        while (s->connections)
                conn_free(s->connections);
        for (unsigned i = 0; i < s->n_listeners; i++) {
                sd_event_source_disable_unref(s->listeners[i].source);
                safe_close(s->listeners[i].fd);
                tls_ctx_free(s->listeners[i].ctx);
        }
        free(s->listeners);
        free(s->routes);
        sd_event_source_disable_unref(s->grace_timer);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int http_server_add_listener(HttpServer *s, int fd, WOLFSSL_CTX *ctx)
{
        Listener *n;
        int r;

        if (!s || !ctx || fd < 0) {
                safe_close(fd);
                return -EINVAL;
        }
        n = realloc(s->listeners, (s->n_listeners + 1) * sizeof(*n));
        if (!n) {
                safe_close(fd);
                return -ENOMEM;
        }
        s->listeners = n;
        /* Sources point at listeners by address, and realloc may move them. */
        for (unsigned i = 0; i < s->n_listeners; i++)
                (void)sd_event_source_set_userdata(s->listeners[i].source, &s->listeners[i]);

        n = &s->listeners[s->n_listeners];
        *n = (Listener){ .server = s, .fd = fd };
        r = sd_event_add_io(s->event, &n->source, fd, EPOLLIN, listener_io, n);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        if (wolfSSL_CTX_up_ref(ctx) != WOLFSSL_SUCCESS) {
                n->source = sd_event_source_disable_unref(n->source);
                safe_close(fd);
                return -EIO;
        }
        n->ctx = ctx;
        return (int)s->n_listeners++;
}

int http_server_set_tls(HttpServer *s, unsigned idx, WOLFSSL_CTX *ctx)
{
        assert_return(s && ctx && idx < s->n_listeners, -EINVAL);

        if (wolfSSL_CTX_up_ref(ctx) != WOLFSSL_SUCCESS)
                return -EIO;
        tls_ctx_free(s->listeners[idx].ctx);
        s->listeners[idx].ctx = ctx;
        s->listeners[idx].generation++;

        /* A new CRL must reach devices that are already connected: close
         * this listener's idle connections now; the others close after
         * their current request (conn_outdated()). Each reconnects and is
         * checked against the new context. */
        for (Connection *c = s->connections, *next; c; c = next) {
                next = c->next;
                if (c->listener == idx && (c->state == CONN_HANDSHAKE ||
                                           (c->state == CONN_OPEN && !c->in_request && c->out_len == 0)))
                        conn_free(c);
        }
        return 0;
}

int http_server_add_route(HttpServer *s, const HttpRoute *route)
{
        HttpRoute *n;

        assert_return(s && route && route->method && route->path && route->handler, -EINVAL);
        assert_return(route->path[0] == '/', -EINVAL);

        for (unsigned i = 0; i < s->n_routes; i++)
                if (strcmp(s->routes[i].path, route->path) == 0 &&
                    strcmp(s->routes[i].method, route->method) == 0)
                        return -EEXIST;
        n = realloc(s->routes, (s->n_routes + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        s->routes = n;
        s->routes[s->n_routes++] = *route;
        return 0;
}

void http_server_set_refusal_callback(HttpServer *s, HttpServerRefusalCallback cb, void *userdata)
{
        s->refusal_cb = cb;
        s->refusal_userdata = userdata;
}

static int grace_expired(sd_event_source *source, uint64_t usec, void *userdata)
{
        HttpServer *s = userdata;

        while (s->connections)
                conn_free(s->connections);
        return 0;
}

int http_server_shutdown(HttpServer *s, usec_t grace, void (*on_done)(HttpServer *s, void *userdata),
                         void *userdata)
{
        Connection *c, *next;
        int r;

        assert_return(s, -EINVAL);
        if (s->shutting_down)
                return -EALREADY;
        s->shutting_down = true;
        s->on_done = on_done;
        s->on_done_userdata = userdata;

        for (unsigned i = 0; i < s->n_listeners; i++) {
                s->listeners[i].source = sd_event_source_disable_unref(s->listeners[i].source);
                s->listeners[i].fd = safe_close(s->listeners[i].fd);
        }

        r = sd_event_add_time_relative(s->event, &s->grace_timer, CLOCK_MONOTONIC, grace, 0, grace_expired,
                                       s);
        if (r < 0)
                return r;

        for (c = s->connections; c; c = next) {
                next = c->next;
                /* Requests in flight go on; their responses say
                 * Connection: close (see conn_queue_response()). */
                if (c->state == CONN_HANDSHAKE ||
                    (c->state == CONN_OPEN && !c->in_request && c->out_len == 0))
                        conn_free(c);
        }
        if (s->stats.connections == 0 && s->on_done) {
                s->on_done = NULL;
                on_done(s, userdata);
        }
        return 0;
}

void http_server_get_stats(const HttpServer *s, HttpServerStats *ret)
{
        *ret = s->stats;
}

int http_listen(const char *address, uint16_t port)
{
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        socklen_t len;
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        assert_return(address, -EINVAL);
        if (inet_pton(AF_INET, address, &sa.in.sin_addr) == 1) {
                sa.in.sin_family = AF_INET;
                sa.in.sin_port = htons(port);
                len = sizeof(sa.in);
        } else if (inet_pton(AF_INET6, address, &sa.in6.sin6_addr) == 1) {
                sa.in6.sin6_family = AF_INET6;
                sa.in6.sin6_port = htons(port);
                len = sizeof(sa.in6);
        } else
                return -EINVAL;

        fd = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -errno;
        if (bind(fd, &sa.sa, len) < 0)
                return -errno;
        if (listen(fd, 4096) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int http_socket_port(int fd)
{
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        socklen_t len = sizeof(sa);

        if (getsockname(fd, &sa.sa, &len) < 0)
                return -errno;
        if (sa.sa.sa_family == AF_INET)
                return ntohs(sa.in.sin_port);
        if (sa.sa.sa_family == AF_INET6)
                return ntohs(sa.in6.sin6_port);
        return -EAFNOSUPPORT;
}
