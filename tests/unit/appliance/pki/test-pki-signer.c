/* appliance/pki/pki-signer: the request table between carrel-pkid and
 * carrel-pki-signer. The decoder refuses every truncation, oversize and
 * field out of range; the serving loop answers a good ISSUE and ends the
 * connection, unanswered, at the first request the table does not allow;
 * the client turns a dead or out-of-step signer into -ENOTCONN; and a
 * pairing whose signer is gone leaves the token unused. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/macro.h"
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "lib/secmem.h"
#include "lib/net/tls.h"
#include "appliance/pki/pki-signer.h"
#include "appliance/pki/pki.h"
#include "tests/unit/test.h"

static char *dir;
static PkiCa *ca;

static int setup(void **state)
{
        signal(SIGPIPE, SIG_IGN);
        dir = test_tmpdir();
        if (!dir || secmem_init() < 0 || tls_init() < 0)
                return -1;
        if (pki_init(dir, "unit", NULL) < 0)
                return -1;
        return pki_ca_load(dir, &ca) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        ca = pki_ca_free(ca);
        test_rmtree(dir);
        free(dir);
        return 0;
}

/* A fresh P-256 key: its point into pub, and (if csr) a PEM CSR for it. */
static void make_key(uint8_t pub[PKI_PUBKEY_SIZE], char *csr, size_t csr_size)
{
        uint8_t der[2048];
        Cert *req = calloc(1, sizeof(Cert));
        word32 n = PKI_PUBKEY_SIZE;
        WC_RNG rng;
        ecc_key key;
        int k;

        assert_non_null(req);
        assert_int_equal(wc_InitRng(&rng), 0);
        assert_int_equal(wc_ecc_init(&key), 0);
        assert_int_equal(wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1), 0);
        assert_int_equal(wc_ecc_export_x963(&key, pub, &n), 0);
        if (csr) {
                assert_int_equal(wc_InitCert(req), 0);
                strcpy(req->subject.commonName, "ignored");
                req->sigType = CTC_SHA256wECDSA;
                k = wc_MakeCertReq_ex(req, der, sizeof(der), ECC_TYPE, &key);
                assert_true(k > 0);
                k = wc_SignCert_ex(req->bodySz, req->sigType, der, sizeof(der), ECC_TYPE, &key, &rng);
                assert_true(k > 0);
                k = wc_DerToPem(der, k, (byte *)csr, csr_size - 1, CERTREQ_TYPE);
                assert_true(k > 0);
                csr[k] = 0;
        }
        wc_ecc_free(&key);
        wc_FreeRng(&rng);
        free(req);
}

static int good_request(uint8_t buf[static PKI_SIGNER_REQUEST_MAX])
{
        PkiSignerRequest req = { .op = PKI_SIGNER_OP_ISSUE, .role = PEER_ROLE_CAMERA, .days = 30 };
        int n;

        strcpy(req.id, "camera-0123abcdef");
        make_key(req.pubkey, NULL, 0);
        n = pki_signer_request_encode(&req, buf);
        assert_true(n > 0);
        return n;
}

static void test_roundtrip(void **state)
{
        uint8_t buf[PKI_SIGNER_REQUEST_MAX];
        PkiSignerRequest got;
        int n = good_request(buf);

        assert_int_equal(n, 6 + 17 + PKI_PUBKEY_SIZE);
        assert_int_equal(pki_signer_request_decode(buf, n, &got), 0);
        assert_int_equal(got.op, PKI_SIGNER_OP_ISSUE);
        assert_int_equal(got.role, PEER_ROLE_CAMERA);
        assert_int_equal(got.days, 30);
        assert_string_equal(got.id, "camera-0123abcdef");
        assert_memory_equal(got.pubkey, buf + 6 + 17, PKI_PUBKEY_SIZE);
}

static void test_encode_refuses(void **state)
{
        uint8_t buf[PKI_SIGNER_REQUEST_MAX];
        PkiSignerRequest req = { .op = PKI_SIGNER_OP_ISSUE, .role = PEER_ROLE_APPLIANCE, .days = 30 };

        strcpy(req.id, "appliance-01");
        req.pubkey[0] = 0x04;
        assert_int_equal(pki_signer_request_encode(&req, buf), -EPERM);
        req.role = PEER_ROLE_DESK;
        assert_int_equal(pki_signer_request_encode(&req, buf), -EINVAL); /* id of another role */
        strcpy(req.id, "desk-01");
        req.days = PKI_CERT_DAYS_DEFAULT + 1;
        assert_int_equal(pki_signer_request_encode(&req, buf), -EINVAL);
        req.days = 1;
        assert_true(pki_signer_request_encode(&req, buf) > 0);
        req.op = 2;
        assert_int_equal(pki_signer_request_encode(&req, buf), -EINVAL);
}

static void expect_refused(const uint8_t *buf, size_t size)
{
        PkiSignerRequest got = { .days = 4242 };

        assert_int_equal(pki_signer_request_decode(buf, size, &got), -EBADMSG);
        assert_int_equal(got.days, 4242); /* untouched */
}

static void test_decode_refuses(void **state)
{
        uint8_t good[PKI_SIGNER_REQUEST_MAX], b[PKI_SIGNER_REQUEST_MAX + 8] = {};
        int n = good_request(good);

        /* every truncation, and one byte too many */
        for (int i = 0; i < n; i++)
                expect_refused(good, i);
        memcpy(b, good, n);
        expect_refused(b, n + 1);
        expect_refused(b, sizeof(b));
        expect_refused(NULL, 0);

#define MUTATE(off, val)              \
        do {                          \
                memcpy(b, good, n);   \
                b[off] = (val);       \
                expect_refused(b, n); \
        } while (0)
        MUTATE(0, 2); /* version */
        MUTATE(1, 0); /* unknown op */
        MUTATE(1, 2); /* unknown op */
        MUTATE(1, 0xff); /* unknown op */
        MUTATE(2, PEER_ROLE_APPLIANCE); /* never signed for the network side */
        MUTATE(2, PEER_ROLE_DESK); /* id of another role */
        MUTATE(2, 7); /* no such role */
        MUTATE(4, 0); /* 0 days */
        MUTATE(3, 0xff); /* too many days */
        MUTATE(5, 16); /* id length disagrees with the size */
        MUTATE(5, 0); /* empty id */
        MUTATE(6 + 8, 'A'); /* id character */
        MUTATE(6 + 8, 0); /* NUL inside the id */
        MUTATE(6 + 17, 0x02); /* compressed point */
#undef MUTATE
}

static void write_raw(int fd, const void *p, size_t n)
{
        assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void test_frame_read(void **state)
{
        uint8_t buf[16];
        size_t size = 77;
        int sv[2];

        /* clean end of file: 0 */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        safe_close(sv[1]);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), 0);
        assert_int_equal(size, 77);
        safe_close(sv[0]);

        /* truncated length */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        write_raw(sv[1], "\0\0", 2);
        safe_close(sv[1]);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), -EBADMSG);
        safe_close(sv[0]);

        /* truncated body */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        write_raw(sv[1],
                  "\0\0\0\x08"
                  "abc",
                  7);
        safe_close(sv[1]);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), -EBADMSG);
        safe_close(sv[0]);

        /* oversized: refused before a byte of body is read */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        write_raw(sv[1], "\xff\xff\xff\xff", 4);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), -EMSGSIZE);
        write_raw(sv[1], "\0\0\0\x11", 4);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), -EMSGSIZE);

        /* exactly the maximum, then an empty frame */
        assert_int_equal(pki_signer_frame_write(sv[1], "0123456789abcdef", 16), 0);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), 1);
        assert_int_equal(size, 16);
        assert_memory_equal(buf, "0123456789abcdef", 16);
        assert_int_equal(pki_signer_frame_write(sv[1], NULL, 0), 0);
        assert_int_equal(pki_signer_frame_read(sv[0], buf, sizeof(buf), &size), 1);
        assert_int_equal(size, 0);
        safe_close(sv[0]);
        safe_close(sv[1]);
}

/* Nothing more to read on fd, and the peer has closed (a reset if it left
 * bytes unread). */
static void assert_ended(int fd)
{
        uint8_t b;
        ssize_t k = read(fd, &b, 1);

        assert_true(k == 0 || (k < 0 && errno == ECONNRESET));
}

/* Feed the serving loop raw bytes, then run it to its end. Returns its
 * result; the test end sv[1] is returned in *ret_fd with the loop's end
 * closed, as the signer's exit would. */
static int serve_bytes(const void *p, size_t n, int *ret_fd)
{
        int sv[2], r;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        write_raw(sv[1], p, n);
        assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
        r = pki_signer_serve(sv[0], ca);
        safe_close(sv[0]);
        *ret_fd = sv[1];
        return r;
}

static void test_serve_refusals_end_connection(void **state)
{
        uint8_t good[PKI_SIGNER_REQUEST_MAX], frame[4 + PKI_SIGNER_REQUEST_MAX + 1];
        int n = good_request(good), fd;

        /* truncated frame */
        frame[0] = frame[1] = frame[2] = 0, frame[3] = n;
        memcpy(frame + 4, good, n);
        assert_int_equal(serve_bytes(frame, 4 + n - 1, &fd), -EBADMSG);
        assert_ended(fd);
        safe_close(fd);

        /* oversized frame */
        frame[3] = PKI_SIGNER_REQUEST_MAX + 1;
        assert_int_equal(serve_bytes(frame, sizeof(frame), &fd), -EMSGSIZE);
        assert_ended(fd);
        safe_close(fd);

        /* unknown op */
        frame[3] = n;
        frame[4 + 1] = 9;
        assert_int_equal(serve_bytes(frame, 4 + n, &fd), -EBADMSG);
        assert_ended(fd);
        safe_close(fd);

        /* a point that is not on the curve */
        memcpy(frame + 4, good, n);
        memset(frame + 4 + n - 32, 0x11, 32);
        assert_int_equal(serve_bytes(frame, 4 + n, &fd), -EBADMSG);
        assert_ended(fd);
        safe_close(fd);

        /* a clean close with nothing asked */
        assert_int_equal(serve_bytes("", 0, &fd), 0);
        safe_close(fd);
}

static void test_serve_answers_then_ends(void **state)
{
        uint8_t good[PKI_SIGNER_REQUEST_MAX], frames[2 * (4 + PKI_SIGNER_REQUEST_MAX)];
        _cleanup_free_ uint8_t *reply = malloc(PKI_SIGNER_REPLY_MAX);
        int n = good_request(good), fd;
        size_t size;

        assert_non_null(reply);
        /* a good request, then one with an unknown op */
        frames[0] = frames[1] = frames[2] = 0, frames[3] = n;
        memcpy(frames + 4, good, n);
        memcpy(frames + 4 + n, frames, 4 + n);
        frames[4 + n + 4 + 1] = 0x7f;
        assert_int_equal(serve_bytes(frames, 2 * (4 + n), &fd), -EBADMSG);

        assert_int_equal(pki_signer_frame_read(fd, reply, PKI_SIGNER_REPLY_MAX, &size), 1);
        assert_true(size > 2 + PKI_SERIAL_HEX);
        assert_int_equal(reply[0], PKI_SIGNER_VERSION);
        assert_int_equal(reply[1], 0);
        assert_int_equal(memcmp(reply + 2 + PKI_SERIAL_HEX, "-----BEGIN CERTIFICATE-----", 27), 0);
        /* and nothing for the second */
        assert_ended(fd);
        safe_close(fd);
}

/* A signer in a child process on one end of a socket pair; returns the
 * other end. */
static int signer_fork(pid_t *ret_pid)
{
        int sv[2];
        pid_t pid;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                safe_close(sv[1]);
                _exit(pki_signer_serve(sv[0], ca) < 0 ? 1 : 0);
        }
        safe_close(sv[0]);
        *ret_pid = pid;
        return sv[1];
}

static int signer_reap(pid_t pid)
{
        int status;

        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void test_client(void **state)
{
        _cleanup_free_ char *serial = NULL, *pem = NULL;
        uint8_t pub[PKI_PUBKEY_SIZE];
        char *s = NULL, *p = NULL;
        pid_t pid;
        int fd = signer_fork(&pid);

        make_key(pub, NULL, 0);
        assert_int_equal(pki_signer_issue(&fd, "hub-42", PEER_ROLE_HUB, pub, 90, &serial, &pem), 0);
        assert_int_equal(strlen(serial), PKI_SERIAL_HEX);
        assert_non_null(strstr(pem, "-----END CERTIFICATE-----"));
        /* refused here, before the signer sees it; the channel stays */
        assert_int_equal(pki_signer_issue(&fd, "appliance-1", PEER_ROLE_APPLIANCE, pub, 90, &s, &p), -EPERM);
        assert_true(fd >= 0);
        /* an invalid point ends the connection: -ENOTCONN, for good */
        memset(pub + 1, 0x11, 64);
        assert_int_equal(pki_signer_issue(&fd, "hub-42", PEER_ROLE_HUB, pub, 90, &s, &p), -ENOTCONN);
        assert_true(fd < 0);
        assert_int_equal(pki_signer_issue(&fd, "hub-42", PEER_ROLE_HUB, pub, 90, &s, &p), -ENOTCONN);
        assert_null(s);
        assert_null(p);
        assert_int_equal(signer_reap(pid), 1);
}

static void test_pair_through_signer(void **state)
{
        _cleanup_free_ char *id = NULL, *token = NULL, *pem = NULL;
        uint8_t pub[PKI_PUBKEY_SIZE];
        char csr[4096];
        pid_t pid;
        int fd;

        make_key(pub, csr, sizeof(csr));
        assert_int_equal(pki_enroll(dir, PEER_ROLE_DESK, "desk-signer", 3600, &id, &token), 0);

        /* the signer is gone: 503 material, and the token is not spent */
        fd = signer_fork(&pid);
        kill(pid, SIGKILL);
        assert_int_equal(signer_reap(pid), 128);
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), pki_signer_issue, &fd, &pem), -ENOTCONN);
        assert_null(pem);
        assert_true(fd < 0);

        /* with a signer it pairs, once */
        fd = signer_fork(&pid);
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), pki_signer_issue, &fd, &pem), 0);
        assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
        free(pem);
        pem = NULL;
        assert_int_equal(pki_pair(dir, token, csr, strlen(csr), pki_signer_issue, &fd, &pem), -EACCES);
        safe_close(fd);
        assert_int_equal(signer_reap(pid), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_encode_refuses),
                cmocka_unit_test(test_decode_refuses),
                cmocka_unit_test(test_frame_read),
                cmocka_unit_test(test_serve_refusals_end_connection),
                cmocka_unit_test(test_serve_answers_then_ends),
                cmocka_unit_test(test_client),
                cmocka_unit_test(test_pair_through_signer),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
