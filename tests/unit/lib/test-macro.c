/* lib/macro.h: cleanup handlers run, TAKE_* transfers ownership. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/macro.h"
#include "tests/unit/test.h"

static int freed_count;
static void count_free(int **p)
{
        if (*p) {
                freed_count++;
                free(*p);
        }
}

static void test_cleanup_runs_at_scope_exit(void **state)
{
        freed_count = 0;
        {
                _cleanup_(count_free) int *a = malloc(sizeof(int));
                assert_non_null(a);
        }
        assert_int_equal(freed_count, 1);
}

static void test_take_ptr_disarms_cleanup(void **state)
{
        int *kept;

        freed_count = 0;
        {
                _cleanup_(count_free) int *a = malloc(sizeof(int));
                kept = TAKE_PTR(a);
                assert_null(a);
        }
        assert_int_equal(freed_count, 0);
        free(kept);
}

static void test_take_fd(void **state)
{
        int outer;
        {
                _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                outer = TAKE_FD(fd);
                assert_int_equal(fd, -EBADF);
        }
        /* Still open: the cleanup saw -EBADF. */
        assert_int_equal(fcntl(outer, F_GETFD), FD_CLOEXEC);
        assert_int_equal(safe_close(outer), -EBADF);
        assert_int_equal(fcntl(outer, F_GETFD), -1);
}

static void test_ret_nerrno(void **state)
{
        errno = ENOENT;
        assert_int_equal(RET_NERRNO(-1), -ENOENT);
        assert_int_equal(RET_NERRNO(5), 5);
        errno = 0;
        assert_int_equal(negative_errno(), -EIO);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cleanup_runs_at_scope_exit),
                cmocka_unit_test(test_take_ptr_disarms_cleanup),
                cmocka_unit_test(test_take_fd),
                cmocka_unit_test(test_ret_nerrno),
        };
        return cmocka_run_group_tests_name("lib/macro", tests, NULL, NULL);
}
