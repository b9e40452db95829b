/* libFuzzer target: the request path (lib/net/http-reader: http-parser plus
 * Carrel's limits, the same code the server runs after TLS). The first byte
 * picks how the input is split into reads, so fragmentation of every token
 * is explored; the rest is the byte stream a client sends. Every input must
 * end in requests, a wait for more, or a refusal with a 4xx/5xx status,
 * never a crash, leak, overread, or a body beyond its limit. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/http-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Totals {
        uint64_t body;
        unsigned complete;
} Totals;

static int on_headers(HttpReader *r, HttpRequest *q, uint64_t *ret_max_body, void *userdata)
{
        const char *path = http_request_path(q);

        assert(path && path[0] == '/');
        (void)http_request_header(q, "Host");
        (void)http_request_query(q);
        *ret_max_body = strcmp(path, "/big") == 0 ? 1 << 20 : 4096;
        return strcmp(path, "/deny") == 0 ? 403 : 0;
}

static int on_body(HttpReader *r, HttpRequest *q, const void *data, size_t size, void *userdata)
{
        Totals *t = userdata;

        t->body += size;
        assert(http_request_body_received(q) <=
               (strcmp(http_request_path(q), "/big") == 0 ? 1u << 20 : 4096u));
        return 0;
}

static int on_complete(HttpReader *r, HttpRequest *q, void *userdata)
{
        Totals *t = userdata;

        t->complete++;
        return 0;
}

static const HttpReaderOps ops = { .headers = on_headers, .body = on_body, .complete = on_complete };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        HttpReaderLimits limits = { .max_header_bytes = 1024, .max_headers = 16, .max_url = 256 };
        HttpReader *reader = NULL;
        Totals totals = {};
        size_t step, off;

        if (size < 1)
                return 0;
        step = data[0] == 0 ? size : data[0];
        data++, size--;

        if (http_reader_new(&limits, &ops, &totals, &reader) < 0)
                return 0;
        for (off = 0; off < size;) {
                size_t n = size - off < step ? size - off : step, used = 0;
                HttpReaderResult res = http_reader_feed(reader, data + off, n, &used);

                assert(used <= n);
                off += used;
                if (res == HTTP_READER_REFUSED) {
                        int status = http_reader_status(reader);
                        assert(status >= 400 && status <= 599);
                        assert(http_reader_reason(reader));
                        break;
                }
                if (res == HTTP_READER_COMPLETE) {
                        http_request_free(http_reader_steal_request(reader));
                        continue;
                }
                assert(used == n);
        }
        (void)http_reader_eof(reader);
        http_reader_free(reader);
        return 0;
}
