/* lib/secmem: locked allocations, process hardening, constant-time compare. */
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "lib/secmem.h"
#include "tests/unit/test.h"

static void test_alloc_is_zeroed_and_usable(void **state)
{
        _cleanup_secmem_ uint8_t *k = secmem_alloc(64);
        assert_non_null(k);
        for (size_t i = 0; i < 64; i++)
                assert_int_equal(k[i], 0);
        memset(k, 0xa5, 64);
        assert_int_equal(k[63], 0xa5);
}

static void test_free_null(void **state)
{
        assert_null(secmem_free(NULL));
        assert_null(secret_free(NULL));
}

static void test_secret(void **state)
{
        _cleanup_(secret_freep) Secret *s = NULL;
        assert_int_equal(secret_new(32, &s), 0);
        assert_int_equal(s->size, 32);
        memset(s->bytes, 7, s->size);
        secmem_wipe(s->bytes, s->size);
        for (size_t i = 0; i < s->size; i++)
                assert_int_equal(s->bytes[i], 0);
}

static void test_compare(void **state)
{
        uint8_t a[16] = { 1, 2, 3 }, b[16] = { 1, 2, 3 };
        assert_int_equal(secmem_compare(a, b, sizeof a), 0);
        b[15] = 1;
        assert_int_not_equal(secmem_compare(a, b, sizeof a), 0);
}

static void test_harden_process(void **state)
{
        struct rlimit rl;

        assert_int_equal(secmem_harden_process(), 0);
        assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
        assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
        assert_int_equal(rl.rlim_cur, 0);
        assert_int_equal(rl.rlim_max, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_alloc_is_zeroed_and_usable),
                cmocka_unit_test(test_free_null),
                cmocka_unit_test(test_secret),
                cmocka_unit_test(test_compare),
                cmocka_unit_test(test_harden_process),
        };
        return cmocka_run_group_tests_name("lib/secmem", tests, NULL, NULL);
}
