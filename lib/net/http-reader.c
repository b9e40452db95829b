/* Requests from bytes: http-parser's callbacks, with every header byte and
 * body byte counted against the limits before it is stored or passed on. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/macro.h"
#include "lib/net/http-reader.h"
#include "lib/net/http-request-internal.h"

typedef enum ReaderState {
        READER_IDLE, /* between requests */
        READER_HEADERS, /* request line and headers */
        READER_BODY,
        READER_DONE, /* message complete, request not yet taken */
} ReaderState;

struct HttpReader {
        http_parser parser;
        HttpReaderLimits limits;
        const HttpReaderOps *ops;
        void *userdata;

        HttpRequest *req;
        ReaderState state;
        bool last_was_value; /* header callback state */
        bool in_header; /* a header name has started */
        bool completed; /* on_message_complete fired in this feed */
        size_t header_bytes; /* as sent, approximately: see account() */
        int status; /* refusal */
        const char *reason;
};

static int refuse(HttpReader *r, int status, const char *reason)
{
        if (r->status == 0) {
                r->status = status;
                r->reason = reason;
        }
        http_parser_pause(&r->parser, 1);
        return 0;
}

/* Append header-section bytes to the request's buffer, within the limits.
 * The buffer is sized so that the NULs separating tokens always fit. */
static int append(HttpReader *r, const char *at, size_t n)
{
        HttpRequest *q = r->req;

        if (r->header_bytes + n > r->limits.max_header_bytes)
                return refuse(r, 431, "request header section too large"), -1;
        if (q->buf_used + n + 1 > q->buf_size)
                return refuse(r, 431, "request header section too large"), -1;
        memcpy(q->buf + q->buf_used, at, n);
        q->buf_used += n;
        r->header_bytes += n;
        return 0;
}

static int terminate(HttpReader *r)
{
        HttpRequest *q = r->req;

        if (q->buf_used + 1 > q->buf_size)
                return refuse(r, 431, "request header section too large"), -1;
        q->buf[q->buf_used++] = 0;
        return 0;
}

static int on_message_begin(http_parser *p)
{
        HttpReader *r = p->data;

        r->req = http_request_free(r->req);
        r->req = http_request_new(r->limits.max_header_bytes + 2 * r->limits.max_headers + 16,
                                  r->limits.max_headers);
        if (!r->req)
                return refuse(r, 503, "out of memory");
        r->state = READER_HEADERS;
        r->header_bytes = 0;
        r->in_header = false;
        r->last_was_value = false;
        return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
        HttpReader *r = p->data;

        if (r->req->buf_used + n > r->limits.max_url)
                return refuse(r, 414, "request target too long");
        if (append(r, at, n) < 0)
                return 0;
        return 0;
}

static int finish_url(HttpReader *r)
{
        HttpRequest *q = r->req;

        if (q->url_done)
                return 0;
        q->url_done = true;
        /* request line overhead: method, spaces, version, CRLF */
        r->header_bytes += 16;
        return terminate(r);
}

/* End the header being stored: NUL after its value, or after its name and
 * an empty value when it had none. */
static int finish_header(HttpReader *r)
{
        HttpRequest *q = r->req;

        if (!r->in_header)
                return 0;
        r->in_header = false;
        if (r->last_was_value)
                return terminate(r);
        if (terminate(r) < 0)
                return -1;
        q->headers[q->n_headers - 1].value = q->buf_used;
        return terminate(r);
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
        HttpReader *r = p->data;
        HttpRequest *q = r->req;

        if (finish_url(r) < 0)
                return 0;
        if (!r->in_header || r->last_was_value) {
                if (finish_header(r) < 0)
                        return 0;
                if (q->n_headers >= r->limits.max_headers)
                        return refuse(r, 431, "too many request headers");
                q->headers[q->n_headers].name = q->buf_used;
                q->headers[q->n_headers].value = q->buf_used;
                q->n_headers++;
                r->in_header = true;
                r->last_was_value = false;
                r->header_bytes += 4; /* ": " and CRLF */
        }
        (void)append(r, at, n);
        return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
        HttpReader *r = p->data;
        HttpRequest *q = r->req;

        if (!r->in_header)
                return refuse(r, 400, "header value without a name");
        if (!r->last_was_value) {
                if (terminate(r) < 0)
                        return 0;
                q->headers[q->n_headers - 1].value = q->buf_used;
                r->last_was_value = true;
        }
        (void)append(r, at, n);
        return 0;
}

static int on_headers_complete(http_parser *p)
{
        HttpReader *r = p->data;
        HttpRequest *q = r->req;
        const char *expect;
        uint64_t max_body = 0;
        char *url, *question;
        int status;

        if (finish_url(r) < 0)
                return 0;
        if (finish_header(r) < 0)
                return 0;

        if (p->http_major != 1 || p->http_minor > 1)
                return refuse(r, 505, "only HTTP/1.0 and HTTP/1.1");
        if (p->upgrade)
                return refuse(r, 501, "protocol upgrades and CONNECT are not supported");

        url = q->buf;
        if (url[0] != '/')
                return refuse(r, 400, "request target must be an absolute path");
        question = strchr(url, '?');
        if (question) {
                *question = 0;
                q->query = question + 1;
        }
        if (strchr(url, '#'))
                return refuse(r, 400, "fragment in request target");
        q->path = url;
        strncpy(q->method, http_method_str(p->method), sizeof(q->method) - 1);

        if (p->http_minor == 1 && !http_request_header(q, "Host"))
                return refuse(r, 400, "missing Host header");

        expect = http_request_header(q, "Expect");
        if (expect && strcasecmp(expect, "100-continue") != 0)
                return refuse(r, 417, "only Expect: 100-continue is supported");

        if (p->flags & F_CHUNKED)
                q->content_length = -1;
        else if (p->content_length != ULLONG_MAX && p->content_length > 0)
                q->content_length = p->content_length > INT64_MAX ? INT64_MAX : (int64_t)p->content_length;
        else
                q->content_length = 0;
        q->expect_continue = expect && q->content_length != 0;
        q->keep_alive = http_should_keep_alive(p);

        status = r->ops->headers ? r->ops->headers(r, q, &max_body, r->userdata) : 0;
        if (status != 0)
                return refuse(r, status, NULL);
        q->max_body = max_body;
        if (q->content_length > 0 && (uint64_t)q->content_length > max_body)
                return refuse(r, 413, "request body too large for this resource");

        r->state = READER_BODY;
        return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
        HttpReader *r = p->data;
        HttpRequest *q = r->req;
        int status;

        if (q->body_received + n > q->max_body)
                return refuse(r, 413, "request body too large for this resource");
        q->body_received += n;
        status = r->ops->body ? r->ops->body(r, q, at, n, r->userdata) : 0;
        if (status != 0)
                return refuse(r, status, NULL);
        return 0;
}

static int on_message_complete(http_parser *p)
{
        HttpReader *r = p->data;
        int status;

        r->state = READER_DONE;
        status = r->ops->complete ? r->ops->complete(r, r->req, r->userdata) : 0;
        if (status != 0)
                return refuse(r, status, NULL);
        r->completed = true;
        http_parser_pause(p, 1);
        return 0;
}

static const http_parser_settings settings = {
        .on_message_begin = on_message_begin,
        .on_url = on_url,
        .on_header_field = on_header_field,
        .on_header_value = on_header_value,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
};

int http_reader_new(const HttpReaderLimits *limits, const HttpReaderOps *ops, void *userdata,
                    HttpReader **ret)
{
        HttpReader *r;

        assert_return(ops && ret, -EINVAL);

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->limits = limits ? *limits
                           : (HttpReaderLimits){
                                     .max_header_bytes = HTTP_READER_MAX_HEADER_BYTES_DEFAULT,
                                     .max_headers = HTTP_READER_MAX_HEADERS_DEFAULT,
                                     .max_url = HTTP_READER_MAX_URL_DEFAULT,
                             };
        if (r->limits.max_url > r->limits.max_header_bytes)
                r->limits.max_url = r->limits.max_header_bytes;
        r->ops = ops;
        r->userdata = userdata;
        http_parser_init(&r->parser, HTTP_REQUEST);
        r->parser.data = r;
        *ret = r;
        return 0;
}

HttpReader *http_reader_free(HttpReader *r)
{
        if (!r)
                return NULL;
        http_request_free(r->req);
        free(r);
        return NULL;
}

static int status_from_parser(enum http_errno e, const char **ret_reason)
{
        switch (e) {
        case HPE_HEADER_OVERFLOW:
                *ret_reason = "request header section too large";
                return 431;
        case HPE_INVALID_METHOD:
                *ret_reason = "unknown method";
                return 501;
        case HPE_INVALID_VERSION:
                *ret_reason = "bad HTTP version";
                return 505;
        case HPE_UNEXPECTED_CONTENT_LENGTH:
        case HPE_INVALID_CONTENT_LENGTH:
                *ret_reason = "bad or conflicting Content-Length";
                return 400;
        case HPE_INVALID_TRANSFER_ENCODING:
                *ret_reason = "unsupported Transfer-Encoding";
                return 501;
        case HPE_CLOSED_CONNECTION:
                *ret_reason = "data after Connection: close";
                return 400;
        default:
                *ret_reason = "malformed request";
                return 400;
        }
}

HttpReaderResult http_reader_feed(HttpReader *r, const void *data, size_t size, size_t *ret_consumed)
{
        enum http_errno e;
        size_t n;

        *ret_consumed = 0;
        if (r->status != 0)
                return HTTP_READER_REFUSED;
        if (size == 0)
                return HTTP_READER_MORE;

        r->completed = false;
        n = http_parser_execute(&r->parser, &settings, data, size);
        e = HTTP_PARSER_ERRNO(&r->parser);
        *ret_consumed = n;

        if (r->status != 0)
                return HTTP_READER_REFUSED;
        if (e == HPE_PAUSED) {
                http_parser_pause(&r->parser, 0);
                if (r->completed)
                        return HTTP_READER_COMPLETE;
                e = HPE_UNKNOWN;
        }
        if (e != HPE_OK) {
                r->status = status_from_parser(e, &r->reason);
                return HTTP_READER_REFUSED;
        }
        if (r->parser.upgrade) {
                /* http-parser stops at an upgrade without calling us back */
                r->status = 501;
                r->reason = "protocol upgrades are not supported";
                return HTTP_READER_REFUSED;
        }
        return HTTP_READER_MORE;
}

bool http_reader_eof(HttpReader *r)
{
        return r->state == READER_HEADERS || r->state == READER_BODY;
}

HttpRequest *http_reader_request(HttpReader *r)
{
        return r->req;
}

HttpRequest *http_reader_steal_request(HttpReader *r)
{
        r->state = READER_IDLE;
        return TAKE_PTR(r->req);
}

bool http_reader_in_request(const HttpReader *r)
{
        return r->state == READER_HEADERS || r->state == READER_BODY;
}

bool http_reader_in_body(const HttpReader *r)
{
        return r->state == READER_BODY;
}

int http_reader_status(const HttpReader *r)
{
        return r->status;
}

const char *http_reader_reason(const HttpReader *r)
{
        return r->reason ?: http_status_reason(r->status);
}
