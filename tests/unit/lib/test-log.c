/* lib/log: levels, return values, %m, stderr format, journal fields.
 * sd_journal_sendv is wrapped at link time so journal output is captured. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/unit/test.h"

static char journal_capture[8192];
static int journal_calls;

int __wrap_sd_journal_sendv(const struct iovec *iov, int n);
int __wrap_sd_journal_sendv(const struct iovec *iov, int n)
{
        size_t len = 0;

        journal_calls++;
        journal_capture[0] = '\0';
        for (int i = 0; i < n && len + iov[i].iov_len + 2 < sizeof journal_capture; i++) {
                memcpy(journal_capture + len, iov[i].iov_base, iov[i].iov_len);
                len += iov[i].iov_len;
                journal_capture[len++] = '\n';
        }
        journal_capture[len] = '\0';
        return 0;
}

/* Run fn with stderr redirected to a temporary file; return what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
        static char buf[8192];
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO);
        ssize_t n;

        assert_non_null(f);
        dup2(fileno(f), STDERR_FILENO);
        fn();
        dup2(saved, STDERR_FILENO);
        close(saved);
        rewind(f);
        n = (ssize_t)fread(buf, 1, sizeof buf - 1, f);
        buf[n > 0 ? n : 0] = '\0';
        fclose(f);
        return buf;
}

static void emit_error(void)
{
        log_set_target(LOG_TARGET_STDERR);
        log_set_ident("unit");
        (void)log_error_errno(-ENOENT, "Failed to open policy: %m");
}

static void test_stderr_line(void **state)
{
        char *out = capture_stderr(emit_error);
        assert_string_equal(out, "unit: <err> Failed to open policy: No such file or directory\n");
}

static void test_return_value(void **state)
{
        log_set_target(LOG_TARGET_NULL);
        assert_int_equal(log_error_errno(-EACCES, "x"), -EACCES);
        assert_int_equal(log_error_errno(EACCES, "x"), -EACCES);
        /* Suppressed levels still return the error. */
        log_set_max_level(LOG_ERR);
        assert_int_equal(log_debug_errno(-EIO, "x"), -EIO);
        log_set_max_level(LOG_INFO);
}

static void emit_debug(void)
{
        log_set_target(LOG_TARGET_STDERR);
        log_debug("hidden");
        log_info("shown");
}

static void test_level_filter(void **state)
{
        log_set_max_level(LOG_INFO);
        log_set_ident(NULL);
        assert_string_equal(capture_stderr(emit_debug), "shown\n");
}

static void test_journal_fields(void **state)
{
        log_set_target(LOG_TARGET_JOURNAL);
        log_set_ident("unit");
        journal_calls = 0;
        (void)log_struct(LOG_NOTICE, -EPERM, LOG_FIELDS("CARREL_EVENT=grant-denied", "CARREL_GRANT=7"),
                         "Grant %d denied", 7);
        assert_int_equal(journal_calls, 1);
        assert_non_null(strstr(journal_capture, "MESSAGE=Grant 7 denied\n"));
        assert_non_null(strstr(journal_capture, "PRIORITY=5\n"));
        assert_non_null(strstr(journal_capture, "ERRNO=1\n"));
        assert_non_null(strstr(journal_capture, "CARREL_EVENT=grant-denied\n"));
        assert_non_null(strstr(journal_capture, "CARREL_GRANT=7\n"));
        assert_non_null(strstr(journal_capture, "SYSLOG_IDENTIFIER=unit\n"));
        assert_non_null(strstr(journal_capture, "CODE_FUNC=test_journal_fields\n"));
}

static void test_auto_target_uses_journal_stream(void **state)
{
        struct stat st;
        char env[64];

        assert_int_equal(fstat(STDERR_FILENO, &st), 0);
        snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", env, 1);
        log_set_target(LOG_TARGET_AUTO);
        journal_calls = 0;
        log_info("to the journal");
        assert_int_equal(journal_calls, 1);
        unsetenv("JOURNAL_STREAM");
        log_set_target(LOG_TARGET_NULL);
        log_info("nowhere");
        assert_int_equal(journal_calls, 1);
}

static void test_environment(void **state)
{
        setenv("CARREL_LOG_LEVEL", "debug", 1);
        setenv("CARREL_LOG_TARGET", "null", 1);
        assert_int_equal(log_parse_environment(), 0);
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        setenv("CARREL_LOG_LEVEL", "loud", 1);
        assert_int_equal(log_parse_environment(), -EINVAL);
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        assert_int_equal(log_level_from_string("4"), LOG_WARNING);
        assert_int_equal(log_level_from_string("8"), -EINVAL);
        unsetenv("CARREL_LOG_LEVEL");
        unsetenv("CARREL_LOG_TARGET");
        log_set_max_level(LOG_INFO);
}

static void emit_long(void)
{
        char big[10000];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        log_set_target(LOG_TARGET_STDERR);
        log_set_ident(NULL);
        log_info("%s", big);
}

static void test_long_message_truncated_to_one_line(void **state)
{
        char *out = capture_stderr(emit_long);
        size_t len = strlen(out);
        assert_true(len > 1000 && len < 5000);
        assert_int_equal(out[len - 1], '\n');
        assert_null(strchr(out, '\n') != out + len - 1 ? out : NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stderr_line),
                cmocka_unit_test(test_return_value),
                cmocka_unit_test(test_level_filter),
                cmocka_unit_test(test_journal_fields),
                cmocka_unit_test(test_auto_target_uses_journal_stream),
                cmocka_unit_test(test_environment),
                cmocka_unit_test(test_long_message_truncated_to_one_line),
        };
        return cmocka_run_group_tests_name("lib/log", tests, NULL, NULL);
}
