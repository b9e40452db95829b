/* carrelctl keys: hands the whole command line to carrel-keys.
 *
 * carrelctl is a multi-purpose tool that links other components' parsers;
 * it never holds a key. carrel-keys is small, links only key custody, and
 * hardens itself before it reads a PIN or unseals anything. exec (not fork)
 * keeps stdin, stdout, stderr and any --pin-fd/--key-fd descriptors the
 * officer or a unit passed, and gives the exit status through unchanged. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appliance/ctl/ctl-keys.h"
#include "lib/log.h"
#include "lib/macro.h"

#ifndef CARREL_LIBEXECDIR
#define CARREL_LIBEXECDIR "/usr/libexec/carrel"
#endif

/* Next to carrelctl first ($prefix/sbin -> $prefix/libexec/carrel, or the
 * build tree's build/sbin -> build/libexec), then the configured libexecdir.
 * CARREL_KEYS_HELPER overrides both (tests, development). */
static int find_helper(char buf[static PATH_MAX])
{
        static const char *const rel[] = { "/../libexec/carrel/carrel-keys", "/../libexec/carrel-keys" };
        const char *e = getenv("CARREL_KEYS_HELPER");
        char self[PATH_MAX];
        ssize_t n;

        if (e && *e) {
                if (strlen(e) >= PATH_MAX)
                        return -ENAMETOOLONG;
                strcpy(buf, e);
                return 0;
        }
        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
                char *slash;
                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        for (size_t i = 0; i < ELEMENTSOF(rel); i++)
                                if ((size_t)snprintf(buf, PATH_MAX, "%s%s", self, rel[i]) < PATH_MAX &&
                                    access(buf, X_OK) == 0)
                                        return 0;
                }
        }
        if ((size_t)snprintf(buf, PATH_MAX, "%s/carrel-keys", CARREL_LIBEXECDIR) >= PATH_MAX)
                return -ENAMETOOLONG;
        return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

int verb_keys(int argc, char *argv[])
{
        char helper[PATH_MAX];
        int r;

        r = find_helper(helper);
        if (r < 0)
                return log_error_errno(r, "keys: cannot find carrel-keys (the key custody helper): %m");
        /* argv[0] becomes the helper's name; argv[1..] is VERB ARGS. */
        argv[0] = helper;
        execv(helper, argv);
        return log_error_errno(errno, "keys: cannot run %s: %m", helper);
}
