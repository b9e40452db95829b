/* sync/hlc: the update rules of Kulkarni et al. 2014 for send and receive,
 * the 48/16 bit layout, counter overflow, and the skew bound. */
#include <errno.h>

#include "sync/hlc.h"
#include "tests/unit/test.h"

static void test_layout(void **state)
{
        uint64_t t = hlc_make(1700000000123ull, 5);

        assert_int_equal(hlc_ms(t), 1700000000123ull);
        assert_int_equal(hlc_counter(t), 5);
        assert_true(hlc_make(10, 0xffff) < hlc_make(11, 0));
}

static void test_send_is_monotonic(void **state)
{
        Hlc c;
        uint64_t a, b, d;

        hlc_init(&c, 0);
        a = hlc_now(&c, 1000);
        assert_int_equal(a, hlc_make(1000, 0));
        b = hlc_now(&c, 1000); /* same millisecond: the counter moves */
        assert_int_equal(b, hlc_make(1000, 1));
        d = hlc_now(&c, 900); /* the wall clock stepped back */
        assert_int_equal(d, hlc_make(1000, 2));
        assert_int_equal(hlc_now(&c, 1001), hlc_make(1001, 0));
}

static void test_receive_rules(void **state)
{
        Hlc c;

        hlc_init(&c, 60000);
        (void)hlc_now(&c, 1000); /* (1000,0) */
        assert_int_equal(hlc_recv(&c, hlc_make(1000, 7), 1000), (int64_t)hlc_make(1000, 8)); /* l = l_m */
        assert_int_equal(hlc_recv(&c, hlc_make(999, 50), 1000), (int64_t)hlc_make(1000, 9)); /* l > l_m */
        assert_int_equal(hlc_recv(&c, hlc_make(1500, 3), 1000), (int64_t)hlc_make(1500, 4)); /* l_m > l */
        assert_int_equal(hlc_recv(&c, hlc_make(1200, 3), 2000), (int64_t)hlc_make(2000, 0)); /* pt wins */
}

static void test_counter_overflow_advances_ms(void **state)
{
        Hlc c;

        hlc_init(&c, 0);
        c.last = hlc_make(5000, 0xffff);
        assert_int_equal(hlc_now(&c, 5000), hlc_make(5001, 0));
}

static void test_skew_bound(void **state)
{
        Hlc c;
        uint64_t before;

        hlc_init(&c, 1000);
        before = hlc_now(&c, 10000);
        assert_int_equal(hlc_check_skew(&c, hlc_make(11000, 0), 10000), 0);
        assert_int_equal(hlc_check_skew(&c, hlc_make(11001, 0), 10000), -ERANGE);
        assert_int_equal(hlc_recv(&c, hlc_make(20000, 0), 10000), -ERANGE);
        assert_int_equal(c.last, before); /* untouched */
        hlc_init(&c, 0);
        assert_int_equal(c.max_skew_ms, HLC_DEFAULT_MAX_SKEW_MS);
        assert_true(hlc_wall_ms() > 1600000000000ull);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_layout),        cmocka_unit_test(test_send_is_monotonic),
                cmocka_unit_test(test_receive_rules), cmocka_unit_test(test_counter_overflow_advances_ms),
                cmocka_unit_test(test_skew_bound),
        };
        return cmocka_run_group_tests_name("sync/hlc", tests, NULL, NULL);
}
