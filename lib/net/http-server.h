/* An HTTPS/1.1 server on sd-event: TLS 1.3 (lib/net/tls.h), one event loop,
 * every resource a peer can make it use bounded by HttpServerLimits.
 *
 * A program registers routes (method + exact path, a body limit, whether a
 * connection without a client certificate may use it, a handler) and one or
 * more listening sockets, each with its own TLS context. Handlers see bodies
 * streamed in pieces (lib/net/http-request.h). Every response carries HSTS.
 * The server never logs: it counts, and it tells the program about refusals
 * through an optional callback. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>
/* before wolfSSL, whose wolfmath.h defines MIN/MAX only if unset */
#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "lib/macro.h"
#include "lib/time-util.h"
#include "lib/net/http-request.h"

typedef struct HttpServer HttpServer;

typedef struct HttpServerLimits {
        size_t max_header_bytes; /* request line + headers (431 above) */
        unsigned max_headers; /* (431 above) */
        size_t max_url; /* (414 above) */
        usec_t handshake_timeout; /* TCP accept to finished TLS handshake */
        usec_t header_timeout; /* first byte of a request to the end of its headers (408) */
        usec_t body_timeout; /* longest silence while a body is arriving (408, aborted) */
        usec_t idle_timeout; /* keep-alive wait for the next request */
        unsigned max_connections; /* accepting pauses at this many */
        unsigned max_per_peer; /* connections per authenticated device (429 above) */
        unsigned max_requests; /* per connection, then Connection: close */
} HttpServerLimits;

/* The defaults: 8 KiB / 64 headers / 2 KiB URL; 10 s handshake and headers,
 * 30 s body silence, 60 s idle; 4096 connections, 64 per device, 1000
 * requests per connection. */
void http_server_limits_default(HttpServerLimits *ret);

typedef enum HttpRouteFlags {
        HTTP_ROUTE_ALLOW_UNAUTHENTICATED = 1 << 0, /* usable without a client certificate (pairing) */
} HttpRouteFlags;

typedef struct HttpRoute {
        const char *method; /* "GET", "PUT", ... */
        const char *path; /* exact match */
        uint64_t max_body; /* bytes; larger bodies get 413 */
        HttpRouteFlags flags;
        HttpHandler handler;
        void *userdata;
} HttpRoute;

/* Counters, for tests and status output. */
typedef struct HttpServerStats {
        unsigned connections; /* open now */
        unsigned peak_connections;
        uint64_t accepted, handshake_failures, requests, refused, aborted, timeouts;
} HttpServerStats;

/* Called when the server refuses a request or a connection, with the status
 * (0 for a failed handshake or a timeout between requests), the peer's device
 * id if known, and the reason; for the program's log. */
typedef void (*HttpServerRefusalCallback)(HttpServer *s, int status, const char *peer_id, const char *reason,
                                          void *userdata);

/* Create a server attached to event loop e. limits NULL means the defaults.
 * Returns 0 or -errno. */
int http_server_new(sd_event *e, const HttpServerLimits *limits, HttpServer **ret);
HttpServer *http_server_free(HttpServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpServer *, http_server_free);

/* Serve connections arriving on listening socket fd (non-blocking, ours from
 * now on, even on failure) with TLS context ctx (a reference is taken).
 * Returns the listener's index or -errno. */
int http_server_add_listener(HttpServer *s, int fd, WOLFSSL_CTX *ctx);

/* Replace listener idx's TLS context, e.g. after the CRL changed. New
 * connections use it at once; connections authenticated under the old one
 * are closed when idle, or after their current request (Connection: close),
 * so that a revoked device cannot keep a connection open. Returns 0 or
 * -errno. */
int http_server_set_tls(HttpServer *s, unsigned idx, WOLFSSL_CTX *ctx);

/* Register a route (copied; strings must outlive the server). A method/path
 * pair may be registered once. Returns 0, -EEXIST or -ENOMEM. */
int http_server_add_route(HttpServer *s, const HttpRoute *route);

void http_server_set_refusal_callback(HttpServer *s, HttpServerRefusalCallback cb, void *userdata);

/* Stop accepting; close idle connections now; let requests in flight finish
 * (their responses say Connection: close) for up to grace, then abort the
 * rest. on_done runs once no connection is left. Returns 0 or -errno. */
int http_server_shutdown(HttpServer *s, usec_t grace, void (*on_done)(HttpServer *s, void *userdata),
                         void *userdata);

void http_server_get_stats(const HttpServer *s, HttpServerStats *ret);

/* Open a listening TCP socket on address (IPv4 or IPv6 literal) and port (0
 * picks one); non-blocking, close-on-exec, SO_REUSEADDR. Returns the fd or
 * -errno. */
int http_listen(const char *address, uint16_t port);
/* The port a socket is bound to, or -errno. */
int http_socket_port(int fd);
