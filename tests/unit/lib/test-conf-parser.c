/* lib/conf-parser: values, tables, and every refusal with its line number. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf-parser.h"
#include "lib/fileio.h"
#include "tests/unit/test.h"

typedef struct Settings {
        bool enabled;
        uint64_t limit;
        usec_t retention;
        char *name;
} Settings;

static const ConfigTableItem items[] = {
        { "Service", "Enabled", config_value_bool, offsetof(Settings, enabled) },
        { "Service", "Limit", config_value_uint64, offsetof(Settings, limit) },
        { "Service", "Name", config_value_string, offsetof(Settings, name) },
        { "Retention", "Recordings", config_value_duration, offsetof(Settings, retention) },
};

static int parse(const char *text, Settings *s, ConfigError *err)
{
        ConfigTable t = { items, sizeof items / sizeof items[0], s };
        return config_parse_text("test.conf", text, strlen(text), config_table_handler, &t, err);
}

static void test_table_ok(void **state)
{
        Settings s = { 0 };
        ConfigError err;
        const char *text = "# comment\n"
                           "[Service]\n"
                           "Enabled = yes\n"
                           "Limit = 42 ; inline comment\n"
                           "Name = front-desk\n"
                           "\n"
                           "[Retention]\n"
                           "Recordings = 72h\n";
        assert_int_equal(parse(text, &s, &err), 0);
        assert_true(s.enabled);
        assert_int_equal(s.limit, 42);
        assert_string_equal(s.name, "front-desk");
        assert_int_equal(s.retention, 72 * USEC_PER_HOUR);
        free(s.name);
}

static void expect_error(const char *text, unsigned line, const char *needle)
{
        Settings s = { 0 };
        ConfigError err;
        int r = parse(text, &s, &err);
        free(s.name);
        assert_true(r < 0);
        assert_string_equal(err.file, "test.conf");
        if (err.line != line || !strstr(err.message, needle))
                fail_msg("expected line %u '%s', got line %u '%s'", line, needle, err.line, err.message);
}

static void test_refusals(void **state)
{
        char long_line[400];

        expect_error("[Service]\nBogus = 1\n", 2, "unknown key 'Bogus'");
        expect_error("[Nope]\nEnabled = 1\n", 2, "unknown section");
        expect_error("[Service]\nEnabled = maybe\n", 2, "not a boolean");
        expect_error("[Service]\nLimit = -3\n", 2, "non-negative integer");
        expect_error("[Service]\nLimit = 99999999999999999999999\n", 2, "out of range");
        expect_error("[Retention]\n\nRecordings = 3 fortnights\n", 3, "bad duration");
        expect_error("[Service]\nthis line has no equals sign\n", 2, "syntax error");
        expect_error("[Service\nEnabled = 1\n", 1, "syntax error");

        snprintf(long_line, sizeof long_line, "[Service]\nName = %0300d\n", 7);
        expect_error(long_line, 2, "line longer than");

        snprintf(long_line, sizeof long_line, "[%080d]\nName = x\n", 1);
        expect_error(long_line, 1, "section name longer");

        expect_error("[Service]\nName = a\x01z\n", 2, "control or NUL");
}

static void test_nul_byte(void **state)
{
        static const char text[] = "[Service]\nName = a\0b\n";
        Settings s = { 0 };
        ConfigError err;
        ConfigTable t = { items, sizeof items / sizeof items[0], &s };
        assert_int_equal(config_parse_text("n.conf", text, sizeof text - 1, config_table_handler, &t, &err),
                         -EBADMSG);
        assert_int_equal(err.line, 2);
        free(s.name);
}

static int collect(void *userdata, const char *section, const char *key, const char *value, unsigned line,
                   ConfigError *err)
{
        char *buf = userdata;
        size_t len = strlen(buf);
        snprintf(buf + len, 512 - len, "%u:%s.%s=%s|", line, section, key, value);
        return 0;
}

static void test_continuation_lines(void **state)
{
        char seen[512] = "";
        ConfigError err;
        const char *text = "[role librarian]\nread = name email\n  phone address\n";
        assert_int_equal(config_parse_text("c.conf", text, strlen(text), collect, seen, &err), 0);
        assert_string_equal(seen, "2:role librarian.read=name email|3:role librarian.read=phone address|");
}

static int refuse_second(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line, ConfigError *err)
{
        if (line == 3)
                return config_error_set(err, line, -EEXIST, "duplicate %s", key);
        return 0;
}

static void test_handler_error_stops(void **state)
{
        ConfigError err;
        const char *text = "[a]\nx = 1\nx = 2\nbroken line\n";
        assert_int_equal(config_parse_text("h.conf", text, strlen(text), refuse_second, NULL, &err),
                         -EEXIST);
        assert_int_equal(err.line, 3);
        assert_string_equal(err.message, "duplicate x");
}

static void test_file(void **state)
{
        char *dir = test_tmpdir(), path[512];
        Settings s = { 0 };
        ConfigError err;
        ConfigTable t = { items, sizeof items / sizeof items[0], &s };
        const char *text = "[Service]\nLimit=7\n";

        snprintf(path, sizeof path, "%s/x.conf", dir);
        assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
        assert_int_equal(config_parse_file(path, config_table_handler, &t, &err), 0);
        assert_int_equal(s.limit, 7);

        snprintf(path, sizeof path, "%s/missing.conf", dir);
        assert_int_equal(config_parse_file(path, config_table_handler, &t, &err), -ENOENT);
        assert_int_equal(err.line, 0);
        assert_non_null(strstr(err.message, "cannot read"));
        test_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_ok),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_continuation_lines),
                cmocka_unit_test(test_handler_error_stops),
                cmocka_unit_test(test_file),
        };
        return cmocka_run_group_tests_name("lib/conf-parser", tests, NULL, NULL);
}
