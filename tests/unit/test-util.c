/* Helpers shared by unit tests. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/test.h"

char *test_tmpdir(void)
{
        const char *base = getenv("TMPDIR");
        char *path;

        if (asprintf(&path, "%s/carrel-test-XXXXXX", base && *base ? base : "/tmp") < 0)
                return NULL;
        if (!mkdtemp(path)) {
                free(path);
                return NULL;
        }
        return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

void test_rmtree(const char *path)
{
        if (path)
                (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
