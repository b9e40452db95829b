/* The HttpRequest structure, shared by the reader (which fills it) and the
 * server (which answers it). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/net/http-request.h"

typedef struct HttpHeaderSlot {
        uint32_t name, value; /* offsets into buf, NUL-terminated */
} HttpHeaderSlot;

struct HttpRequest {
        char method[16];
        char *path; /* into buf */
        char *query; /* into buf, or NULL */
        char *buf; /* url\0name\0value\0... */
        size_t buf_used, buf_size;
        bool url_done;
        HttpHeaderSlot *headers;
        unsigned n_headers, max_headers;

        int64_t content_length; /* -1 chunked */
        bool expect_continue;
        bool keep_alive;
        uint64_t body_received;
        uint64_t max_body;

        PeerIdentity peer;
        bool has_peer;

        void *userdata;
        void (*free_func)(void *);

        /* the reply */
        int status;
        char *content_type;
        void *body;
        size_t body_size;
};

/* A request with room for buf_size header bytes and max_headers headers. */
HttpRequest *http_request_new(size_t buf_size, unsigned max_headers);
