/* lib/fileio: atomic writes and bounded reads. read() is wrapped at link
 * time so that EINTR and short reads are exercised deterministically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "tests/unit/test.h"

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

static int read_mode; /* 0 real, 1 EINTR then one byte at a time */
static int read_calls;

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
        read_calls++;
        if (read_mode == 1) {
                if (read_calls % 2 == 1) {
                        errno = EINTR;
                        return -1;
                }
                return __real_read(fd, buf, n > 0 ? 1 : 0);
        }
        return __real_read(fd, buf, n);
}

static char *dir;

static int setup(void **state)
{
        dir = test_tmpdir();
        return dir ? 0 : -1;
}

static int teardown(void **state)
{
        test_rmtree(dir);
        free(dir);
        return 0;
}

static void test_atomic_write_mode_and_content(void **state)
{
        char path[512];
        struct stat st;
        char *data;
        size_t size;

        snprintf(path, sizeof path, "%s/sealed.blob", dir);
        umask(0);
        assert_int_equal(write_file_atomic(path, "abc", 3, 0600), 0);
        umask(022);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(read_file_bounded(path, 100, &data, &size), 0);
        assert_int_equal(size, 3);
        assert_string_equal(data, "abc");
        free(data);

        /* Replacing keeps exactly one file and no temporaries behind. */
        assert_int_equal(write_file_atomic(path, "defg", 4, 0600), 0);
        assert_int_equal(read_file_bounded(path, 100, &data, &size), 0);
        assert_string_equal(data, "defg");
        free(data);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_read_bounds(void **state)
{
        char path[512];
        char *data = (char *)0x1;
        size_t size = 99;

        snprintf(path, sizeof path, "%s/big", dir);
        assert_int_equal(write_file_atomic(path, "0123456789", 10, 0644), 0);
        assert_int_equal(read_file_bounded(path, 9, &data, &size), -EFBIG);
        assert_ptr_equal(data, (char *)0x1);
        assert_int_equal(size, 99);
        assert_int_equal(read_file_bounded(dir, 100, &data, &size), -EBADFD);
        snprintf(path, sizeof path, "%s/none", dir);
        assert_int_equal(read_file_bounded(path, 100, &data, &size), -ENOENT);
}

static void test_read_eintr_and_short_reads(void **state)
{
        char path[512];
        char *data;
        size_t size;

        snprintf(path, sizeof path, "%s/slow", dir);
        assert_int_equal(write_file_atomic(path, "hello world", 11, 0644), 0);
        read_mode = 1;
        read_calls = 0;
        assert_int_equal(read_file_bounded(path, 100, &data, &size), 0);
        read_mode = 0;
        assert_true(read_calls >= 22);
        assert_int_equal(size, 11);
        assert_string_equal(data, "hello world");
        free(data);
}

static void test_unlink_durable(void **state)
{
        char path[512];
        snprintf(path, sizeof path, "%s/gone", dir);
        assert_int_equal(write_file_atomic(path, "x", 1, 0600), 0);
        assert_int_equal(unlink_durable(path), 0);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(unlink_durable(path), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_atomic_write_mode_and_content, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_bounds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_eintr_and_short_reads, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unlink_durable, setup, teardown),
        };
        return cmocka_run_group_tests_name("lib/fileio", tests, NULL, NULL);
}
