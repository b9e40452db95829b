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
#include "lib/helper-path.h"
#include "lib/log.h"
#include "lib/macro.h"

int verb_keys(int argc, char *argv[])
{
        char helper[PATH_MAX];
        int r;

        /* CARREL_KEYS_HELPER points elsewhere for tests and development. */
        r = helper_path_find("carrel-keys", getenv("CARREL_KEYS_HELPER"), helper);
        if (r < 0)
                return log_error_errno(r, "keys: cannot find carrel-keys (the key custody helper): %m");
        /* argv[0] becomes the helper's name; argv[1..] is VERB ARGS. */
        argv[0] = helper;
        execv(helper, argv);
        return log_error_errno(errno, "keys: cannot run %s: %m", helper);
}
