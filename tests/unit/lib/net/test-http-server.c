/* lib/net/http-server and lib/net/http-client together, in one process: the
 * server runs its sd-event loop in a thread, the client talks to it over
 * loopback with certificates from a fresh site PKI (appliance/pki). Covers
 * the client's API (identity and role pinning, keep-alive, bounded responses,
 * timeouts, refused connections, retry delays) and the server's routing. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "lib/net/http-client.h"
#include "lib/net/http-server.h"
#include "lib/net/tls.h"
#include "appliance/pki/pki.h"
#include "tests/unit/test.h"

static char *dir, *ca, *crt, *key, *crl;
static int port;
static int stop_pipe[2];
static pthread_t thread;
static sd_event *event;
static HttpServer *server;

static int route_hello(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        const PeerIdentity *p = http_request_peer(req);
        char text[128];

        if (ev != HTTP_EVENT_END)
                return 0;
        snprintf(text, sizeof(text), "hello %s", p ? peer_role_to_string(p->role) : "nobody");
        return http_request_reply(req, 200, "text/plain", text, strlen(text));
}

static int route_count(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        uint64_t *n = http_request_get_userdata(req);
        char text[64];

        switch (ev) {
        case HTTP_EVENT_BEGIN:
                n = calloc(1, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                http_request_set_userdata(req, n, free);
                return 0;
        case HTTP_EVENT_DATA:
                *n += size;
                return 0;
        case HTTP_EVENT_END:
                snprintf(text, sizeof(text), "%llu", (unsigned long long)*n);
                return http_request_reply(req, 200, NULL, text, strlen(text));
        default:
                return 0;
        }
}

static int route_big(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        static char big[100];

        if (ev != HTTP_EVENT_END)
                return 0;
        memset(big, 'b', sizeof(big));
        return http_request_reply(req, 200, NULL, big, sizeof(big));
}

static int route_fail(HttpRequest *req, HttpEvent ev, const void *data, size_t size, void *userdata)
{
        return ev == HTTP_EVENT_END ? -EIO : 0;
}

static int on_stop(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void *server_thread(void *arg)
{
        (void)sd_event_loop(event);
        /* wolfCrypt's fixed-point ECC cache is per thread (FP_ECC with
         * thread-local storage in Debian's build): release this one's. */
        wc_ecc_fp_free();
        return NULL;
}

static int setup(void **state)
{
        TlsConfig cfg;
        WOLFSSL_CTX *ctx = NULL;
        int fd;
        char localhost[] = "localhost";
        char *names[] = { localhost, NULL };

        dir = test_tmpdir();
        if (!dir || pki_init(dir, "unit", names) < 0)
                return -1;
        ca = pki_path(dir, "ca.crt");
        crt = pki_path(dir, "server.crt");
        key = pki_path(dir, "server.key");
        crl = pki_path(dir, "crl.pem");
        cfg = (TlsConfig){ .ca_file = ca,
                           .cert_file = crt,
                           .key_file = key,
                           .crl_file = crl,
                           .peer_auth = TLS_PEER_REQUIRE };
        if (tls_server_ctx_new(&cfg, &ctx) < 0)
                return -1;
        if (sd_event_new(&event) < 0 || http_server_new(event, NULL, &server) < 0)
                return -1;
        fd = http_listen("127.0.0.1", 0);
        if (fd < 0)
                return -1;
        port = http_socket_port(fd);
        if (http_server_add_listener(server, fd, ctx) < 0)
                return -1;
        tls_ctx_free(ctx);
        if (http_server_add_route(server, &(HttpRoute){ "GET", "/hello", 0, 0, route_hello, NULL }) < 0 ||
            http_server_add_route(server, &(HttpRoute){ "PUT", "/count", 1 << 20, 0, route_count, NULL }) <
                    0 ||
            http_server_add_route(server, &(HttpRoute){ "GET", "/big", 0, 0, route_big, NULL }) < 0 ||
            http_server_add_route(server, &(HttpRoute){ "GET", "/fail", 0, 0, route_fail, NULL }) < 0)
                return -1;
        if (http_server_add_route(server, &(HttpRoute){ "GET", "/hello", 0, 0, route_hello, NULL }) !=
            -EEXIST)
                return -1;
        if (pipe2(stop_pipe, O_CLOEXEC) < 0 ||
            sd_event_add_io(event, NULL, stop_pipe[0], EPOLLIN, on_stop, NULL) < 0)
                return -1;
        return pthread_create(&thread, NULL, server_thread, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
        if (write(stop_pipe[1], "x", 1) != 1)
                return -1;
        pthread_join(thread, NULL);
        http_server_free(server);
        sd_event_unref(event);
        close(stop_pipe[0]);
        close(stop_pipe[1]);
        test_rmtree(dir);
        free(dir), free(ca), free(crt), free(key), free(crl);
        return 0;
}

static HttpClientConfig client_config(void)
{
        return (HttpClientConfig){ .ca_file = ca,
                                   .cert_file = crt,
                                   .key_file = key,
                                   .crl_file = crl,
                                   .expected_role = PEER_ROLE_APPLIANCE };
}

static void test_requests(void **state)
{
        HttpClientConfig cfg = client_config();
        _cleanup_(http_client_freep) HttpClient *c = NULL;
        HttpClientResponse r = {};
        char *body = malloc(300000);

        assert_non_null(body);
        memset(body, 'x', 300000);
        assert_int_equal(http_client_new(&cfg, "localhost", port, &c), 0);
        assert_null(http_client_server(c));

        assert_int_equal(http_client_request(c, "GET", "/hello", NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "hello appliance");
        assert_string_equal(r.content_type, "text/plain");
        assert_int_equal(http_client_server(c)->role, PEER_ROLE_APPLIANCE);
        http_client_response_done(&r);

        /* same connection, a streamed body */
        assert_int_equal(
                http_client_request(c, "PUT", "/count", "application/octet-stream", body, 300000, &r), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "300000");
        http_client_response_done(&r);

        assert_int_equal(http_client_request(c, "GET", "/nope", NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 404);
        http_client_response_done(&r);
        assert_int_equal(http_client_request(c, "GET", "/fail", NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 500);
        http_client_response_done(&r);

        /* too large for the route: refused before the body is read */
        assert_int_equal(http_client_request(c, "PUT", "/count", NULL, body, 300000, &r), 0);
        http_client_response_done(&r);
        free(body);

        assert_int_equal(http_client_request(c, "GET", "bad path", NULL, NULL, 0, &r), -EINVAL);
}

static void test_response_bound(void **state)
{
        HttpClientConfig cfg = client_config();
        _cleanup_(http_client_freep) HttpClient *c = NULL;
        HttpClientResponse r = {};

        cfg.max_response = 50; /* "hello appliance" fits, 100 bytes do not */
        assert_int_equal(http_client_new(&cfg, "127.0.0.1", port, &c), 0);
        assert_int_equal(http_client_request(c, "GET", "/big", NULL, NULL, 0, &r), -EMSGSIZE);
        assert_null(r.body);
        /* and the client recovers on a fresh connection */
        assert_int_equal(http_client_request(c, "GET", "/hello", NULL, NULL, 0, &r), 0);
        http_client_response_done(&r);
}

static void test_identity_refusals(void **state)
{
        HttpClientConfig cfg = client_config();
        _cleanup_(http_client_freep) HttpClient *c = NULL, *anon = NULL;
        HttpClientResponse r = {};
        int k;

        cfg.expected_role = PEER_ROLE_HUB;
        assert_int_equal(http_client_new(&cfg, "localhost", port, &c), 0);
        assert_int_equal(http_client_request(c, "GET", "/hello", NULL, NULL, 0, &r), -EPERM);
        assert_false(http_client_error_is_transient(-EPERM));

        cfg = client_config();
        cfg.cert_file = cfg.key_file = NULL;
        assert_int_equal(http_client_new(&cfg, "localhost", port, &anon), 0);
        k = http_client_request(anon, "GET", "/hello", NULL, NULL, 0, &r);
        assert_true(k < 0);
}

static void test_timeouts(void **state)
{
        HttpClientConfig cfg = client_config();
        _cleanup_(http_client_freep) HttpClient *c = NULL, *d = NULL;
        HttpClientResponse r = {};
        int fd, silent_port, closed_port;
        usec_t t0;

        /* A socket that listens but never speaks TLS. */
        fd = http_listen("127.0.0.1", 0);
        assert_true(fd >= 0);
        silent_port = http_socket_port(fd);
        cfg.connect_timeout = 300 * 1000;
        assert_int_equal(http_client_new(&cfg, "127.0.0.1", silent_port, &c), 0);
        t0 = now_monotonic_usec();
        assert_int_equal(http_client_request(c, "GET", "/hello", NULL, NULL, 0, &r), -ETIMEDOUT);
        assert_true(now_monotonic_usec() - t0 < 5 * USEC_PER_SEC);
        assert_true(http_client_error_is_transient(-ETIMEDOUT));
        close(fd);

        /* A port nobody listens on. */
        fd = http_listen("127.0.0.1", 0);
        closed_port = http_socket_port(fd);
        close(fd);
        assert_int_equal(http_client_new(&cfg, "127.0.0.1", closed_port, &d), 0);
        assert_int_equal(http_client_request(d, "GET", "/hello", NULL, NULL, 0, &r), -ECONNREFUSED);
        assert_true(http_client_error_is_transient(-ECONNREFUSED));
}

static void test_retry_delay(void **state)
{
        for (unsigned attempt = 0; attempt < 40; attempt++)
                for (int i = 0; i < 50; i++) {
                        usec_t d = http_retry_delay(attempt, 100 * 1000, 60 * USEC_PER_SEC);
                        usec_t ceiling = attempt < 20 ? MIN((usec_t)100 * 1000 << attempt, 60 * USEC_PER_SEC)
                                                      : 60 * USEC_PER_SEC;
                        assert_true(d <= ceiling);
                }
        assert_int_equal(http_retry_delay(3, 0, 0), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_requests),          cmocka_unit_test(test_response_bound),
                cmocka_unit_test(test_identity_refusals), cmocka_unit_test(test_timeouts),
                cmocka_unit_test(test_retry_delay),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
