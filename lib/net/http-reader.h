/* The request side of HTTP/1.1: Debian's http-parser plus Carrel's limits.
 * It turns bytes (already decrypted) into requests, headers checked against
 * the limits, and body pieces, and knows nothing of sockets or TLS, so the
 * fuzzer drives exactly the code the server runs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

#include "lib/macro.h"
#include "lib/net/http-request.h"

typedef struct HttpReaderLimits {
        size_t max_header_bytes; /* request line + header lines, as sent */
        unsigned max_headers;
        size_t max_url;
} HttpReaderLimits;

#define HTTP_READER_MAX_HEADER_BYTES_DEFAULT 8192
#define HTTP_READER_MAX_HEADERS_DEFAULT 64
#define HTTP_READER_MAX_URL_DEFAULT 2048

typedef struct HttpReader HttpReader;

/* Callbacks return 0 to go on, or an HTTP status (400..599) to stop the
 * request with that status. */
typedef struct HttpReaderOps {
        /* The headers are complete and within the limits. Set
         * *ret_max_body to the largest body this request may have. */
        int (*headers)(HttpReader *reader, HttpRequest *req, uint64_t *ret_max_body, void *userdata);
        int (*body)(HttpReader *reader, HttpRequest *req, const void *data, size_t size, void *userdata);
        int (*complete)(HttpReader *reader, HttpRequest *req, void *userdata);
} HttpReaderOps;

typedef enum HttpReaderResult {
        HTTP_READER_MORE, /* everything consumed, send more */
        HTTP_READER_COMPLETE, /* one request finished; the rest is the next one */
        HTTP_READER_REFUSED, /* stop: reply http_reader_status() and close */
} HttpReaderResult;

/* limits NULL means the defaults. Returns 0 or -ENOMEM. */
int http_reader_new(const HttpReaderLimits *limits, const HttpReaderOps *ops, void *userdata,
                    HttpReader **ret);
HttpReader *http_reader_free(HttpReader *reader);

/* Parse up to size bytes. *ret_consumed says how many were used; feed the
 * rest again after handling the result. */
HttpReaderResult http_reader_feed(HttpReader *reader, const void *data, size_t size, size_t *ret_consumed);

/* The peer closed the stream. Returns true when it was in the middle of a
 * request (so that request is truncated), false between requests. */
bool http_reader_eof(HttpReader *reader);

/* The request being parsed (or just completed), or NULL between requests. */
HttpRequest *http_reader_request(HttpReader *reader);
/* Detach the current request, which the caller now owns (free with
 * http_request_free()); the reader is ready for the next one. */
HttpRequest *http_reader_steal_request(HttpReader *reader);
/* Whether any byte of a request has arrived since the last one ended. */
bool http_reader_in_request(const HttpReader *reader);
/* Whether the headers of the current request are complete. */
bool http_reader_in_body(const HttpReader *reader);

/* After HTTP_READER_REFUSED: the status to send and a short reason. */
int http_reader_status(const HttpReader *reader);
const char *http_reader_reason(const HttpReader *reader);

HttpRequest *http_request_free(HttpRequest *req);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpRequest *, http_request_free);
/* Set the peer identity a request carries (the server does, per connection). */
void http_request_set_peer(HttpRequest *req, const PeerIdentity *peer);
/* Whether the request asked for 100 Continue and has a body. */
bool http_request_expects_continue(const HttpRequest *req);
/* Whether the connection may be kept open after this request. */
bool http_request_keep_alive(const HttpRequest *req);
/* The reply queued by the handler: status 0 if none. */
int http_request_reply_get(const HttpRequest *req, const char **ret_content_type, const void **ret_body,
                           size_t *ret_size);
