/* appliance/keys/ask-secret: reading a PIN or recovery key from an fd.
 * read() is wrapped at link time to inject EINTR deterministically. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "appliance/keys/ask-secret.h"
#include "tests/unit/test.h"

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

static int eintr_every_other;
static int calls;

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
        if (eintr_every_other && (++calls % 2) == 1) {
                errno = EINTR;
                return -1;
        }
        return __real_read(fd, buf, n);
}

static int pipe_with(const char *data)
{
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(write(p[1], data, strlen(data)), (ssize_t)strlen(data));
        close(p[1]);
        return p[0];
}

static void test_lines(void **state)
{
        _cleanup_(secret_freep) Secret *a = NULL, *b = NULL, *c = NULL;
        int fd = pipe_with("482916\nABCDE-FGHJK\r\n");

        assert_int_equal(ask_secret(NULL, fd, 64, &a), 0);
        assert_int_equal(a->size, 6);
        assert_memory_equal(a->bytes, "482916", 6);
        /* The second line is still there: one byte at a time. */
        assert_int_equal(ask_secret(NULL, fd, 64, &b), 0);
        assert_int_equal(b->size, 11);
        assert_memory_equal(b->bytes, "ABCDE-FGHJK", 11);
        assert_int_equal(ask_secret(NULL, fd, 64, &c), -ENODATA);
        assert_null(c);
        close(fd);
}

static void test_bounds(void **state)
{
        _cleanup_(secret_freep) Secret *a = NULL;
        int fd = pipe_with("0123456789\nok\n\n");

        assert_int_equal(ask_secret(NULL, fd, 5, &a), -EMSGSIZE);
        /* The overlong line was consumed whole; the next one reads. */
        assert_int_equal(ask_secret(NULL, fd, 5, &a), 0);
        assert_memory_equal(a->bytes, "ok", 2);
        a = secret_free(a);
        assert_int_equal(ask_secret(NULL, fd, 5, &a), -ENODATA);
        close(fd);
        assert_int_equal(ask_secret(NULL, 1000, 5, &a), -EBADF);
}

static void test_eintr(void **state)
{
        _cleanup_(secret_freep) Secret *a = NULL;
        int fd = pipe_with("1234\n");

        eintr_every_other = 1;
        assert_int_equal(ask_secret(NULL, fd, 16, &a), 0);
        eintr_every_other = 0;
        assert_int_equal(a->size, 4);
        assert_true(calls >= 10);
        close(fd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lines),
                cmocka_unit_test(test_bounds),
                cmocka_unit_test(test_eintr),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
