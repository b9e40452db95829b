/* One HTTP request as a route handler sees it. The request, its headers and
 * anything attached with http_request_set_userdata() live until the response
 * has been sent or the request is aborted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net/peer.h"

typedef struct HttpRequest HttpRequest;

/* What a handler is told, in this order: BEGIN once the headers passed every
 * limit; DATA for each piece of the body as it arrives (never buffered whole);
 * then exactly one of END (the whole body arrived, as framed by
 * Content-Length or the final chunk) or ABORT (the peer went away, timed out
 * or broke the framing: the body is incomplete and must be discarded). */
typedef enum HttpEvent {
        HTTP_EVENT_BEGIN,
        HTTP_EVENT_DATA,
        HTTP_EVENT_END,
        HTTP_EVENT_ABORT,
} HttpEvent;

/* Handlers reply with http_request_reply() at BEGIN (a refusal: the body is
 * not read and the connection closes) or at END. A negative return means an
 * internal error: the client gets 500 (if nothing was sent) and the
 * connection closes. ABORT's return value is ignored. */
typedef int (*HttpHandler)(HttpRequest *req, HttpEvent event, const void *data, size_t size, void *userdata);

const char *http_request_method(const HttpRequest *req);
/* The path of the request target, without the query; always starts with '/'. */
const char *http_request_path(const HttpRequest *req);
/* The query string without '?', or NULL. */
const char *http_request_query(const HttpRequest *req);
/* The first header with this name (case-insensitive), or NULL. */
const char *http_request_header(const HttpRequest *req, const char *name);
/* The Content-Length, or -1 for a chunked body. 0 when there is no body. */
int64_t http_request_content_length(const HttpRequest *req);
/* Body bytes received so far. */
uint64_t http_request_body_received(const HttpRequest *req);
/* The authenticated peer, or NULL on a server-authenticated-only listener. */
const PeerIdentity *http_request_peer(const HttpRequest *req);

/* Attach per-request state; free_func (may be NULL) runs when the request
 * ends, after END/ABORT. */
void http_request_set_userdata(HttpRequest *req, void *userdata, void (*free_func)(void *));
void *http_request_get_userdata(const HttpRequest *req);

/* Queue the response: status (100..599), a Content-Type (NULL for none) and
 * a body of size bytes (copied; at most HTTP_RESPONSE_MAX). Only the first
 * reply counts. Returns 0, -EALREADY if a reply was queued already, -E2BIG
 * or -EINVAL. */
#define HTTP_RESPONSE_MAX (1024 * 1024)
int http_request_reply(HttpRequest *req, int status, const char *content_type, const void *body,
                       size_t size);
/* A short text/plain reply, status and reason as the body. */
int http_request_reply_status(HttpRequest *req, int status, const char *reason);

/* The standard reason phrase for a status ("Payload Too Large"). */
const char *http_status_reason(int status);
