/* A small HTTPS/1.1 client for sync and tools: the same TLS 1.3
 * configuration as the server, trusting only the site CA, presenting our
 * device certificate, and checking that the server's certificate names the
 * role we expect (the appliance, or the hub).
 *
 * One request at a time on one keep-alive connection, reopened when the
 * server closed it. Every wait is bounded by the configured timeouts. There
 * is no retry inside: a caller that wants one loops with
 * http_retry_delay() between attempts, for errors that
 * http_client_error_is_transient() accepts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/macro.h"
#include "lib/time-util.h"
#include "lib/net/peer.h"

typedef struct HttpClient HttpClient;

typedef struct HttpClientConfig {
        const char *ca_file; /* the site CA, required */
        const char *cert_file; /* our certificate and key, or NULL for none */
        const char *key_file;
        const char *crl_file; /* or NULL */
        int expected_role; /* PeerRole the server must have, or -1 for any */
        usec_t connect_timeout; /* TCP connect + TLS handshake; 0: 10 s */
        usec_t io_timeout; /* longest silence while sending or receiving; 0: 30 s */
        size_t max_response; /* largest response body accepted; 0: 1 MiB */
} HttpClientConfig;

typedef struct HttpClientResponse {
        int status;
        char *content_type; /* or NULL */
        char *body; /* NUL-terminated (the NUL is not counted) */
        size_t body_size;
} HttpClientResponse;

/* A client for host (a name or an IP literal) and port. Nothing is connected
 * yet. Returns 0 or -errno (-ENOENT, -EBADMSG for bad TLS files). */
int http_client_new(const HttpClientConfig *cfg, const char *host, uint16_t port, HttpClient **ret);
HttpClient *http_client_free(HttpClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpClient *, http_client_free);

/* Send one request and read the whole response. body may be NULL when size
 * is 0. Returns 0 with *ret filled (free with http_client_response_done()),
 * or -errno: -ETIMEDOUT, -ECONNREFUSED, -ECONNRESET, -EPERM (the server's
 * certificate was refused, or it refused ours), -EPROTO / -EBADMSG (a broken
 * response), -EMSGSIZE (response larger than max_response). After an error
 * the connection is closed; the next request reconnects. */
int http_client_request(HttpClient *c, const char *method, const char *path, const char *content_type,
                        const void *body, size_t size, HttpClientResponse *ret);

void http_client_response_done(HttpClientResponse *r);

/* The authenticated server's identity, once connected. */
const PeerIdentity *http_client_server(const HttpClient *c);

/* Whether an error from http_client_request() may go away by itself
 * (timeouts, refused or reset connections), so retrying makes sense. Not for
 * certificate or protocol errors. */
bool http_client_error_is_transient(int r);

/* The delay before retry number attempt (0, 1, 2, ...): exponential from base,
 * capped at cap, with full jitter (uniform in [0, min(cap, base * 2^attempt)]),
 * so that many devices coming back after an outage spread out. */
usec_t http_retry_delay(unsigned attempt, usec_t base, usec_t cap);
