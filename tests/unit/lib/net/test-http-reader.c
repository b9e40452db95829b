/* lib/net/http-reader: requests from bytes under Carrel's limits. Each case
 * is fed whole and then one byte at a time, so every token is also seen
 * split across reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/http-reader.h"
#include "tests/unit/test.h"

typedef struct Seen {
        unsigned headers, complete;
        uint64_t body;
        char body_text[256];
        char path[64], method[16];
        int64_t content_length;
        bool expect_continue, keep_alive;
        char host[32];
} Seen;

static int on_headers(HttpReader *r, HttpRequest *q, uint64_t *ret_max_body, void *userdata)
{
        Seen *s = userdata;
        const char *h = http_request_header(q, "host");

        s->headers++;
        strncpy(s->path, http_request_path(q), sizeof(s->path) - 1);
        strncpy(s->method, http_request_method(q), sizeof(s->method) - 1);
        if (h)
                strncpy(s->host, h, sizeof(s->host) - 1);
        s->content_length = http_request_content_length(q);
        s->expect_continue = http_request_expects_continue(q);
        s->keep_alive = http_request_keep_alive(q);
        *ret_max_body = 100;
        return strcmp(http_request_path(q), "/forbidden") == 0 ? 403 : 0;
}

static int on_body(HttpReader *r, HttpRequest *q, const void *data, size_t size, void *userdata)
{
        Seen *s = userdata;

        if (s->body + size < sizeof(s->body_text))
                memcpy(s->body_text + s->body, data, size);
        s->body += size;
        return 0;
}

static int on_complete(HttpReader *r, HttpRequest *q, void *userdata)
{
        Seen *s = userdata;
        s->complete++;
        return 0;
}

static const HttpReaderOps ops = { .headers = on_headers, .body = on_body, .complete = on_complete };

/* Feed input with reads of at most step bytes; returns the refusal status,
 * or 0. Completed requests are taken and freed. */
static int feed(const char *input, size_t step, Seen *seen, bool *ret_truncated)
{
        HttpReaderLimits limits = { .max_header_bytes = 512, .max_headers = 8, .max_url = 128 };
        HttpReader *r = NULL;
        size_t size = strlen(input), off = 0;
        int status = 0;

        memset(seen, 0, sizeof(*seen));
        assert_int_equal(http_reader_new(&limits, &ops, seen, &r), 0);
        while (off < size) {
                size_t n = MIN(step, size - off), used = 0;
                HttpReaderResult res = http_reader_feed(r, input + off, n, &used);
                off += used;
                if (res == HTTP_READER_REFUSED) {
                        status = http_reader_status(r);
                        assert_non_null(http_reader_reason(r));
                        break;
                }
                if (res == HTTP_READER_COMPLETE)
                        http_request_free(http_reader_steal_request(r));
                else
                        assert_int_equal(used, n);
        }
        if (ret_truncated)
                *ret_truncated = http_reader_eof(r);
        http_reader_free(r);
        return status;
}

static void both(const char *input, int expect_status, Seen *seen)
{
        Seen whole;

        assert_int_equal(feed(input, strlen(input), &whole, NULL), expect_status);
        assert_int_equal(feed(input, 1, seen, NULL), expect_status);
        assert_int_equal(whole.complete, seen->complete);
        assert_int_equal(whole.body, seen->body);
}

static void test_simple_get(void **state)
{
        Seen s;

        both("GET /v1/whoami?x=1 HTTP/1.1\r\nHost: appliance\r\n\r\n", 0, &s);
        assert_int_equal(s.complete, 1);
        assert_string_equal(s.path, "/v1/whoami");
        assert_string_equal(s.method, "GET");
        assert_string_equal(s.host, "appliance");
        assert_int_equal(s.content_length, 0);
        assert_true(s.keep_alive);
}

static void test_bodies(void **state)
{
        Seen s;

        both("PUT /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", 0, &s);
        assert_int_equal(s.complete, 1);
        assert_string_equal(s.body_text, "hello");
        assert_false(s.keep_alive);

        both("PUT /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
             "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
             0, &s);
        assert_int_equal(s.complete, 1);
        assert_int_equal(s.content_length, -1);
        assert_string_equal(s.body_text, "abcde");

        both("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", 0, &s);
        assert_true(s.expect_continue);
}

static void test_pipelined(void **state)
{
        Seen s;

        both("GET /a HTTP/1.1\r\nHost: a\r\n\r\nPUT /b HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET "
             "/c "
             "HTTP/1.1\r\nHost: a\r\n\r\n",
             0, &s);
        assert_int_equal(s.complete, 3);
        assert_int_equal(s.headers, 3);
}

static void test_truncated(void **state)
{
        Seen s;
        bool truncated;

        assert_int_equal(
                feed("PUT /u HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\n\r\nonly-part", 4, &s, &truncated),
                0);
        assert_int_equal(s.complete, 0);
        assert_true(truncated);

        assert_int_equal(feed("PUT /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 3,
                              &s, &truncated),
                         0);
        assert_int_equal(s.complete, 0);
        assert_true(truncated);

        assert_int_equal(feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 3, &s, &truncated), 0);
        assert_false(truncated);
}

static void test_limits(void **state)
{
        char buf[2048];
        Seen s;
        int n;

        /* header bytes */
        n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX: %0600d\r\n\r\n", 0);
        assert_true(n > 0);
        both(buf, 431, &s);
        assert_int_equal(s.headers, 0);
        /* header count */
        strcpy(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 9; i++)
                strcat(buf, "X-N: v\r\n");
        strcat(buf, "\r\n");
        both(buf, 431, &s);
        /* URL */
        n = snprintf(buf, sizeof(buf), "GET /%0200d HTTP/1.1\r\nHost: a\r\n\r\n", 0);
        both(buf, 414, &s);
        /* body by Content-Length, and by chunks */
        both("PUT /u HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", 413, &s);
        assert_int_equal(s.body, 0);
        strcpy(buf, "PUT /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 11; i++)
                strcat(buf, "a\r\n0123456789\r\n");
        both(buf, 413, &s);
        assert_true(s.body <= 100);
}

static void test_refusals(void **state)
{
        Seen s;

        both("GET / HTTP/1.1\r\n\r\n", 400, &s); /* no Host */
        both("GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, &s); /* absolute form */
        both("GET / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n", 417, &s); /* Expect */
        both("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, &s);
        both("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
             &s);
        both("PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, &s);
        both("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 501, &s);
        both("PUT /forbidden HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 403, &s);
        assert_int_equal(s.body, 0);
        both("\x01\x02\x03 garbage\r\n\r\n", 501, &s);
        both("GET / HTTP/1.0\r\n\r\n", 0, &s); /* HTTP/1.0 needs no Host */
}

static void test_reasons(void **state)
{
        assert_string_equal(http_status_reason(413), "Payload Too Large");
        assert_string_equal(http_status_reason(431), "Request Header Fields Too Large");
        assert_string_equal(http_status_reason(599), "Internal Server Error");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_simple_get), cmocka_unit_test(test_bodies),
                cmocka_unit_test(test_pipelined),  cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_limits),     cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_reasons),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
