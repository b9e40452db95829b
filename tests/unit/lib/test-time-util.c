/* lib/time-util: duration parsing and formatting. */
#include <errno.h>
#include <string.h>

#include "lib/time-util.h"
#include "tests/unit/test.h"

static void test_parse_ok(void **state)
{
        static const struct {
                const char *s;
                usec_t v;
        } cases[] = {
                { "30d", 30 * USEC_PER_DAY },
                { "72h", 72 * USEC_PER_HOUR },
                { "1h 30min", USEC_PER_HOUR + 30 * USEC_PER_MINUTE },
                { "1h30min", USEC_PER_HOUR + 30 * USEC_PER_MINUTE },
                { "6months", 6 * USEC_PER_MONTH },
                { "6M", 6 * USEC_PER_MONTH },
                { "2 weeks", 2 * USEC_PER_WEEK },
                { "500ms", 500000 },
                { "90", 90 * USEC_PER_SEC },
                { "1y", USEC_PER_YEAR },
                { "5m", 5 * USEC_PER_MINUTE },
                { "0", 0 },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                usec_t v = 12345;
                assert_int_equal(parse_duration(cases[i].s, &v), 0);
                assert_int_equal(v, cases[i].v);
        }
}

static void test_parse_refused(void **state)
{
        static const char *const bad[] = { "", " ", "d", "30x", "-5d", "1h 30", "3.5h", "1 h x", "30dd" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                usec_t v = 42;
                assert_int_equal(parse_duration(bad[i], &v), -EINVAL);
                assert_int_equal(v, 42); /* untouched on failure */
        }
        usec_t v;
        assert_int_equal(parse_duration("99999999999999999999", &v), -ERANGE);
        assert_int_equal(parse_duration("999999999999y", &v), -ERANGE);
        assert_int_equal(parse_duration(NULL, &v), -EINVAL);
}

static void test_format(void **state)
{
        char buf[64];
        assert_string_equal(format_duration(buf, sizeof buf, 30 * USEC_PER_DAY), "4w 2d");
        assert_string_equal(format_duration(buf, sizeof buf, USEC_PER_HOUR + 30 * USEC_PER_MINUTE),
                            "1h 30min");
        assert_string_equal(format_duration(buf, sizeof buf, 0), "0");
        /* Round trip */
        usec_t v;
        assert_int_equal(parse_duration(format_duration(buf, sizeof buf, 123456789012ULL), &v), 0);
        assert_int_equal(v, 123456789012ULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_ok),
                cmocka_unit_test(test_parse_refused),
                cmocka_unit_test(test_format),
        };
        return cmocka_run_group_tests_name("lib/time-util", tests, NULL, NULL);
}
