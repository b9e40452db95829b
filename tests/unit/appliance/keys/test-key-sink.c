/* appliance/keys/key-sink: frames handed to consumers, and the fd sink. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "appliance/keys/key-sink.h"
#include "tests/unit/test.h"

static KeySet *sample(uint8_t seed)
{
        _cleanup_(secret_freep) Secret *amk = NULL, *vk = NULL;
        KeySet *k = NULL;

        assert_int_equal(secret_new(AMK_SIZE, &amk), 0);
        memset(amk->bytes, seed, AMK_SIZE);
        assert_int_equal(secret_new(VOLUME_KEY_SIZE, &vk), 0);
        memset(vk->bytes, seed ^ 0x5a, VOLUME_KEY_SIZE);
        assert_int_equal(keyset_derive(amk, vk, &k), 0);
        return k;
}

static void assert_same(const KeySet *a, const KeySet *b)
{
        assert_memory_equal(a->volume->bytes, b->volume->bytes, VOLUME_KEY_SIZE);
        assert_memory_equal(a->db_wrap->bytes, b->db_wrap->bytes, SUBKEY_SIZE);
        assert_memory_equal(a->backup->bytes, b->backup->bytes, SUBKEY_SIZE);
        assert_memory_equal(a->audit_mac->bytes, b->audit_mac->bytes, SUBKEY_SIZE);
}

static void test_frames_roundtrip(void **state)
{
        _cleanup_(keyset_freep) KeySet *a = sample(1), *b = sample(2);
        uint8_t *buf;
        size_t size;
        KeyFrame f;

        assert_int_equal(key_frame_build(KEY_FRAME_SET, NULL, a, &buf, &size), 0);
        assert_int_equal(size, 8 + 2 + 4 * 2 + 64 + 3 * 32);
        assert_int_equal(key_frame_parse(buf, size, &f), 0);
        assert_int_equal(f.op, KEY_FRAME_SET);
        assert_null(f.old_keys);
        assert_same(a, f.keys);
        key_frame_done(&f);
        /* Every truncation and an extra byte are refused. */
        for (size_t n = 0; n < size; n++)
                assert_int_equal(key_frame_parse(buf, n, &f), -EBADMSG);
        secmem_free(buf);

        assert_int_equal(key_frame_build(KEY_FRAME_REKEY, a, b, &buf, &size), 0);
        assert_int_equal(key_frame_parse(buf, size, &f), 0);
        assert_same(a, f.old_keys);
        assert_same(b, f.keys);
        key_frame_done(&f);
        assert_null(f.keys);
        secmem_free(buf);

        assert_int_equal(key_frame_build(KEY_FRAME_CLEAR, NULL, NULL, &buf, &size), 0);
        assert_int_equal(size, 10);
        assert_int_equal(key_frame_parse(buf, size, &f), 0);
        assert_int_equal(f.op, KEY_FRAME_CLEAR);
        secmem_free(buf);

        assert_int_equal(key_frame_build(KEY_FRAME_SET, NULL, NULL, &buf, &size), -EINVAL);
        assert_int_equal(key_frame_build(KEY_FRAME_CLEAR, NULL, a, &buf, &size), -EINVAL);
        assert_int_equal(key_frame_build(7, NULL, a, &buf, &size), -EINVAL);
}

static void test_frame_refusals(void **state)
{
        _cleanup_(keyset_freep) KeySet *a = sample(3);
        uint8_t *buf, copy[KEY_FRAME_MAX + 8];
        size_t size;
        KeyFrame f = { 0 };

        assert_int_equal(key_frame_build(KEY_FRAME_SET, NULL, a, &buf, &size), 0);
        memcpy(copy, buf, size);
        copy[8] = 9; /* op */
        assert_int_equal(key_frame_parse(copy, size, &f), -EBADMSG);
        memcpy(copy, buf, size);
        copy[9] = 2; /* set count */
        assert_int_equal(key_frame_parse(copy, size, &f), -EBADMSG);
        memcpy(copy, buf, size);
        copy[11] = 63; /* volume key length */
        assert_int_equal(key_frame_parse(copy, size, &f), -EBADMSG);
        memcpy(copy, buf, size);
        copy[10] = 2; /* ids out of order */
        assert_int_equal(key_frame_parse(copy, size, &f), -EBADMSG);
        memcpy(copy, buf, size);
        copy[0] = 'X';
        assert_int_equal(key_frame_parse(copy, size, &f), -EBADMSG);
        memset(copy, 0, sizeof copy);
        assert_int_equal(key_frame_parse(copy, sizeof copy, &f), -EBADMSG);
        assert_null(f.keys);
        secmem_free(buf);
}

static void test_fd_sink(void **state)
{
        _cleanup_(keyset_freep) KeySet *a = sample(4), *b = sample(5);
        uint8_t buf[KEY_FRAME_MAX * 2];
        int p[2], fd;
        ssize_t n;
        KeySink sink;
        KeyFrame f;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        fd = p[1];
        key_sink_fd_init(&sink, &fd);
        assert_string_equal(sink.name, "fd");
        assert_int_equal(sink.set_keys(sink.userdata, a), 0);
        n = read(p[0], buf, sizeof buf);
        assert_int_equal(key_frame_parse(buf, (size_t)n, &f), 0);
        assert_same(a, f.keys);
        key_frame_done(&f);
        assert_int_equal(sink.rekey(sink.userdata, a, b), 0);
        n = read(p[0], buf, sizeof buf);
        assert_int_equal(key_frame_parse(buf, (size_t)n, &f), 0);
        assert_same(b, f.keys);
        key_frame_done(&f);
        assert_int_equal(sink.clear(sink.userdata), 0);
        n = read(p[0], buf, sizeof buf);
        assert_int_equal(n, 10);
        close(p[0]);
        /* A consumer that went away is an error, not a silent success. */
        assert_int_equal(sink.clear(sink.userdata), -EPIPE);
        close(p[1]);

        assert_int_equal(key_sink_null.set_keys(NULL, a), 0);
        assert_int_equal(key_sink_null.clear(NULL), 0);
}

int main(void)
{
        signal(SIGPIPE, SIG_IGN);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_frames_roundtrip),
                cmocka_unit_test(test_frame_refusals),
                cmocka_unit_test(test_fd_sink),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
