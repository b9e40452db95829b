/* appliance/volume/volume-key: raw or hex keys, exact lengths only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "appliance/volume/volume-key.h"
#include "lib/macro.h"
#include "tests/unit/test.h"

static void test_raw(void **state)
{
        uint8_t in[64], key[64];
        for (int i = 0; i < 64; i++)
                in[i] = (uint8_t)(i * 7);
        assert_int_equal(volume_key_parse(in, 64, key), 0);
        assert_memory_equal(in, key, 64);
}

static void test_hex(void **state)
{
        char hex[130];
        uint8_t key[64];
        for (int i = 0; i < 64; i++)
                snprintf(hex + 2 * i, 3, "%02X", i);
        assert_int_equal(volume_key_parse((uint8_t *)hex, 128, key), 0);
        for (int i = 0; i < 64; i++)
                assert_int_equal(key[i], i);
        hex[128] = '\n';
        assert_int_equal(volume_key_parse((uint8_t *)hex, 129, key), 0);
        hex[5] = 'g';
        memset(key, 0xcc, sizeof key);
        assert_int_equal(volume_key_parse((uint8_t *)hex, 129, key), -EINVAL);
        assert_int_equal(key[0], 0xcc); /* untouched on refusal */
}

static void test_lengths(void **state)
{
        uint8_t in[200] = { 0 }, key[64];
        const size_t bad[] = { 0, 1, 63, 65, 127, 130, 131, 200 };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(volume_key_parse(in, bad[i], key), -EINVAL);
        /* 129 bytes without a trailing newline is not a key either. */
        memset(in, 'a', 129);
        assert_int_equal(volume_key_parse(in, 129, key), -EINVAL);
}

static void test_read_fd(void **state)
{
        int p[2];
        uint8_t in[64], key[64];

        memset(in, 0x42, sizeof in);
        assert_int_equal(pipe(p), 0);
        assert_int_equal(write(p[1], in, 32), 32);
        assert_int_equal(write(p[1], in + 32, 32), 32);
        close(p[1]);
        assert_int_equal(volume_key_read_fd(p[0], key), 0);
        assert_memory_equal(key, in, 64);
        close(p[0]);

        /* A stream longer than any key is refused without reading on. */
        assert_int_equal(pipe(p), 0);
        uint8_t big[300];
        memset(big, 'f', sizeof big);
        assert_int_equal(write(p[1], big, sizeof big), (ssize_t)sizeof big);
        close(p[1]);
        assert_int_equal(volume_key_read_fd(p[0], key), -EINVAL);
        close(p[0]);
        assert_int_equal(volume_key_read_fd(-1, key), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_raw),
                cmocka_unit_test(test_hex),
                cmocka_unit_test(test_lengths),
                cmocka_unit_test(test_read_fd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
