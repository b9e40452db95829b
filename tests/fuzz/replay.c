/* Seed-corpus replay for `make check`: runs a libFuzzer target's
 * LLVMFuzzerTestOneInput over every file of a directory (or the files given)
 * without libFuzzer, and prints one TAP line per input. Built with gcc into
 * every flavour, so the sanitizer build replays the corpora too. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (4 * 1024 * 1024)

static int n_tests;

static int replay_file(const char *path)
{
        char *data;
        size_t size;
        int r = read_file_bounded(path, REPLAY_MAX, &data, &size);

        n_tests++;
        if (r < 0) {
                printf("not ok %d - %s (unreadable)\n", n_tests, path);
                return 1;
        }
        /* A crash or sanitizer report aborts the process: that is the failure. */
        LLVMFuzzerTestOneInput((const uint8_t *)data, size);
        free(data);
        printf("ok %d - %s\n", n_tests, path);
        fflush(stdout);
        return 0;
}

static int cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char *argv[])
{
        int failed = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        printf("not ok %d - %s (missing)\n", ++n_tests, argv[i]);
                        failed++;
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        failed += replay_file(argv[i]);
                        continue;
                }
                DIR *d = opendir(argv[i]);
                struct dirent *de;
                char **names = NULL;
                size_t n = 0;
                while (d && (de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        names = realloc(names, (n + 1) * sizeof *names);
                        if (!names || asprintf(&names[n], "%s/%s", argv[i], de->d_name) < 0)
                                return 2;
                        n++;
                }
                if (d)
                        closedir(d);
                qsort(names, n, sizeof *names, cmp);
                for (size_t j = 0; j < n; j++) {
                        failed += replay_file(names[j]);
                        free(names[j]);
                }
                free(names);
        }
        if (n_tests == 0) {
                printf("not ok 1 - empty corpus\n");
                return 1;
        }
        printf("1..%d\n", n_tests);
        return failed ? 1 : 0;
}
