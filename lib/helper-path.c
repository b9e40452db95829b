/* See helper-path.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/helper-path.h"
#include "lib/macro.h"

int helper_path_find(const char *name, const char *override, char ret[static PATH_MAX])
{
        static const char *const beside[] = { "../libexec/carrel", "../libexec" };
        char self[PATH_MAX], *slash;
        ssize_t n;

        if (override && *override) {
                if (strlen(override) >= PATH_MAX)
                        return -ENAMETOOLONG;
                strcpy(ret, override);
                return access(ret, X_OK) == 0 ? 0 : negative_errno();
        }
        n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        for (size_t i = 0; i < ELEMENTSOF(beside); i++)
                                if ((size_t)snprintf(ret, PATH_MAX, "%s/%s/%s", self, beside[i], name) <
                                            PATH_MAX &&
                                    access(ret, X_OK) == 0)
                                        return 0;
                }
        }
        if ((size_t)snprintf(ret, PATH_MAX, "%s/%s", CARREL_LIBEXECDIR, name) >= PATH_MAX)
                return -ENAMETOOLONG;
        return access(ret, X_OK) == 0 ? 0 : -ENOENT;
}
