/* HttpRequest accessors and the reply a handler queues. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/macro.h"
#include "lib/net/http-reader.h"
#include "lib/net/http-request-internal.h"

HttpRequest *http_request_new(size_t buf_size, unsigned max_headers)
{
        HttpRequest *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        q->buf = malloc(buf_size);
        q->headers = calloc(max_headers ?: 1, sizeof(*q->headers));
        if (!q->buf || !q->headers) {
                free(q->buf);
                free(q->headers);
                free(q);
                return NULL;
        }
        q->buf[0] = 0;
        q->buf_size = buf_size;
        q->max_headers = max_headers;
        q->path = q->buf;
        return q;
}

HttpRequest *http_request_free(HttpRequest *q)
{
        if (!q)
                return NULL;
        if (q->free_func)
                q->free_func(q->userdata);
        free(q->content_type);
        free(q->body);
        free(q->headers);
        free(q->buf);
        free(q);
        return NULL;
}

const char *http_request_method(const HttpRequest *q)
{
        return q->method;
}

const char *http_request_path(const HttpRequest *q)
{
        return q->path;
}

const char *http_request_query(const HttpRequest *q)
{
        return q->query;
}

const char *http_request_header(const HttpRequest *q, const char *name)
{
        for (unsigned i = 0; i < q->n_headers; i++)
                if (strcasecmp(q->buf + q->headers[i].name, name) == 0)
                        return q->buf + q->headers[i].value;
        return NULL;
}

int64_t http_request_content_length(const HttpRequest *q)
{
        return q->content_length;
}

uint64_t http_request_body_received(const HttpRequest *q)
{
        return q->body_received;
}

const PeerIdentity *http_request_peer(const HttpRequest *q)
{
        return q->has_peer ? &q->peer : NULL;
}

void http_request_set_peer(HttpRequest *q, const PeerIdentity *peer)
{
        q->has_peer = peer != NULL;
        if (peer)
                q->peer = *peer;
}

bool http_request_expects_continue(const HttpRequest *q)
{
        return q->expect_continue;
}

bool http_request_keep_alive(const HttpRequest *q)
{
        return q->keep_alive;
}

void http_request_set_userdata(HttpRequest *q, void *userdata, void (*free_func)(void *))
{
        q->userdata = userdata;
        q->free_func = free_func;
}

void *http_request_get_userdata(const HttpRequest *q)
{
        return q->userdata;
}

int http_request_reply(HttpRequest *q, int status, const char *content_type, const void *body, size_t size)
{
        _cleanup_free_ char *ct = NULL;
        _cleanup_free_ void *b = NULL;

        assert_return(q, -EINVAL);
        assert_return(status >= 100 && status <= 599, -EINVAL);
        assert_return(size <= HTTP_RESPONSE_MAX, -E2BIG);
        assert_return(body || size == 0, -EINVAL);
        if (q->status != 0)
                return -EALREADY;
        /* A header value must not end the header section early. */
        if (content_type && strpbrk(content_type, "\r\n"))
                return -EINVAL;

        if (content_type) {
                ct = strdup(content_type);
                if (!ct)
                        return -ENOMEM;
        }
        if (size > 0) {
                b = malloc(size);
                if (!b)
                        return -ENOMEM;
                memcpy(b, body, size);
        }
        q->status = status;
        q->content_type = TAKE_PTR(ct);
        q->body = TAKE_PTR(b);
        q->body_size = size;
        return 0;
}

int http_request_reply_status(HttpRequest *q, int status, const char *reason)
{
        char text[256];
        int n;

        n = snprintf(text, sizeof(text), "%d %s\n", status, reason ?: http_status_reason(status));
        if (n < 0)
                return -EINVAL;
        return http_request_reply(q, status, "text/plain; charset=utf-8", text,
                                  MIN((size_t)n, sizeof(text) - 1));
}

int http_request_reply_get(const HttpRequest *q, const char **ret_content_type, const void **ret_body,
                           size_t *ret_size)
{
        if (ret_content_type)
                *ret_content_type = q->content_type;
        if (ret_body)
                *ret_body = q->body;
        if (ret_size)
                *ret_size = q->body_size;
        return q->status;
}

const char *http_status_reason(int status)
{
        switch (status) {
        case 100:
                return "Continue";
        case 200:
                return "OK";
        case 201:
                return "Created";
        case 204:
                return "No Content";
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 408:
                return "Request Timeout";
        case 409:
                return "Conflict";
        case 410:
                return "Gone";
        case 411:
                return "Length Required";
        case 413:
                return "Payload Too Large";
        case 414:
                return "URI Too Long";
        case 415:
                return "Unsupported Media Type";
        case 417:
                return "Expectation Failed";
        case 422:
                return "Unprocessable Content";
        case 429:
                return "Too Many Requests";
        case 431:
                return "Request Header Fields Too Large";
        case 500:
                return "Internal Server Error";
        case 501:
                return "Not Implemented";
        case 503:
                return "Service Unavailable";
        case 505:
                return "HTTP Version Not Supported";
        default:
                return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
        }
}
