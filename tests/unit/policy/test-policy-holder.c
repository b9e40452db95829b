/* policy/policy-holder: reload swaps in a valid policy, keeps the old one
 * when the new file is bad and says why; references taken before a swap
 * stay valid. The SIGHUP path is tested for real: a child process runs an
 * sd-event loop with the holder attached and the test sends it SIGHUP. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "lib/fileio.h"
#include "policy/policy-holder.h"
#include "tests/unit/test.h"

static const char v1[] = "[Policy]\nVersion = 1\n"
                         "[Role:desk]\nAllow = circulation.*\n"
                         "[Registration]\nNotCollected = card_number name address postcode email phone\n"
                         "  birth_date gender guardian photo category home_branch\n";
static const char v2[] = "[Policy]\nVersion = 1\n"
                         "[Role:desk]\nAllow = circulation.checkin\n"
                         "[Registration]\nNotCollected = card_number name address postcode email phone\n"
                         "  birth_date gender guardian photo category home_branch\n";
static const char bad[] = "[Policy]\nVersion = 1\n"
                          "[Role:desk]\nAllow = circulation.*\nColour = blue\n";

static char *dir;
static char path[512];

static int setup(void **state)
{
        dir = test_tmpdir();
        snprintf(path, sizeof path, "%s/policy.conf", dir);
        return write_file_atomic(path, v1, strlen(v1), 0644);
}

static int teardown(void **state)
{
        test_rmtree(dir);
        free(dir);
        return 0;
}

static PolicyVerdict checkout(Policy *p)
{
        return policy_check(p, (PolicyActor){ 0 }, POLICY_OP_CIRCULATION_CHECKOUT, 0, NULL);
}

static void test_reload_in_process(void **state)
{
        _cleanup_policy_holder_ PolicyHolder *h = NULL;
        Policy *before, *after;
        ConfigError err;

        assert_int_equal(policy_holder_new(path, &h, &err), 0);
        assert_int_equal(policy_holder_generation(h), 1);
        before = policy_holder_get(h);
        assert_int_equal(checkout(before), POLICY_ALLOW);

        assert_int_equal(write_file_atomic(path, v2, strlen(v2), 0644), 0);
        assert_int_equal(policy_holder_reload(h, &err), 0);
        assert_int_equal(policy_holder_generation(h), 2);
        after = policy_holder_get(h);
        assert_int_equal(checkout(after), POLICY_DENY);
        /* A request that began before the reload still holds the old policy. */
        assert_int_equal(checkout(before), POLICY_ALLOW);
        policy_unref(before);

        assert_int_equal(write_file_atomic(path, bad, strlen(bad), 0644), 0);
        assert_int_equal(policy_holder_reload(h, &err), -EINVAL);
        assert_int_equal(err.line, 5);
        assert_non_null(strstr(err.message, "unknown key 'Colour'"));
        assert_int_equal(policy_holder_generation(h), 2);
        Policy *still = policy_holder_get(h);
        assert_ptr_equal(still, after);
        policy_unref(still);
        policy_unref(after);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(policy_holder_reload(h, &err), -ENOENT);
        assert_int_equal(policy_holder_generation(h), 2);
}

static void test_initial_load_must_succeed(void **state)
{
        PolicyHolder *h = NULL;
        ConfigError err;

        assert_int_equal(write_file_atomic(path, bad, strlen(bad), 0644), 0);
        assert_int_equal(policy_holder_new(path, &h, &err), -EINVAL);
        assert_null(h);
        assert_int_equal(err.line, 5);
}

/* --- the child: a service's event loop --- */

static int report_fd = -1;

static void report(const char *line)
{
        (void)!write(report_fd, line, strlen(line));
}

static void on_reload(PolicyHolder *h, int r, const ConfigError *err, void *userdata)
{
        _cleanup_policy_ Policy *p = policy_holder_get(h);
        char buf[256];

        if (r < 0)
                snprintf(buf, sizeof buf, "err line=%u gen=%llu checkout=%s\n", err->line,
                         (unsigned long long)policy_holder_generation(h),
                         policy_verdict_to_string(checkout(p)));
        else
                snprintf(buf, sizeof buf, "ok gen=%llu checkout=%s\n",
                         (unsigned long long)policy_holder_generation(h),
                         policy_verdict_to_string(checkout(p)));
        report(buf);
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static _noreturn_ void child_main(int fd)
{
        _cleanup_policy_holder_ PolicyHolder *h = NULL;
        sd_event *e = NULL;
        ConfigError err;
        sigset_t mask;

        report_fd = fd;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 || sd_event_new(&e) < 0 ||
            policy_holder_new(path, &h, &err) < 0 || policy_holder_attach(h, e, on_reload, NULL) < 0 ||
            sd_event_add_signal(e, NULL, SIGTERM, on_term, NULL) < 0)
                _exit(2);
        report("ready\n");
        int r = sd_event_loop(e);
        h = policy_holder_free(h);
        sd_event_unref(e);
        _exit(r < 0 ? 3 : 0);
}

/* Read one line from the child, waiting at most 10 s. */
static void expect_line(int fd, const char *want)
{
        char buf[256];
        size_t n = 0;

        while (n < sizeof buf - 1) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                assert_int_equal(poll(&pfd, 1, 10000), 1);
                assert_int_equal(read(fd, buf + n, 1), 1);
                if (buf[n++] == '\n')
                        break;
        }
        buf[n] = '\0';
        if (strcmp(buf, want) != 0)
                fail_msg("child said \"%s\", expected \"%s\"", buf, want);
}

static void test_sighup_in_a_real_loop(void **state)
{
        int fds[2], status;
        pid_t pid;

        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                child_main(fds[1]);
        }
        close(fds[1]);
        expect_line(fds[0], "ready\n");

        assert_int_equal(write_file_atomic(path, v2, strlen(v2), 0644), 0);
        assert_int_equal(kill(pid, SIGHUP), 0);
        expect_line(fds[0], "ok gen=2 checkout=deny\n");

        assert_int_equal(write_file_atomic(path, bad, strlen(bad), 0644), 0);
        assert_int_equal(kill(pid, SIGHUP), 0);
        expect_line(fds[0], "err line=5 gen=2 checkout=deny\n");

        assert_int_equal(write_file_atomic(path, v1, strlen(v1), 0644), 0);
        assert_int_equal(kill(pid, SIGHUP), 0);
        expect_line(fds[0], "ok gen=3 checkout=allow\n");

        assert_int_equal(kill(pid, SIGTERM), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        close(fds[0]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_reload_in_process, setup, teardown),
                cmocka_unit_test_setup_teardown(test_initial_load_must_succeed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sighup_in_a_real_loop, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
