/* See verbs.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "appliance/ctl/verbs.h"

void verbs_usage(const char *what, const Verb *verbs, size_t n_verbs)
{
        printf("Usage: %s VERB [ARGS...]\n\n", what);
        for (size_t i = 0; i < n_verbs; i++)
                printf("  %-14s %s\n", verbs[i].name, verbs[i].help ? verbs[i].help : "");
}

int verbs_dispatch(const char *what, const Verb *verbs, size_t n_verbs, int argc, char *argv[])
{
        if (argc < 1) {
                fprintf(stderr, "%s: missing verb (try '%s help')\n", what, what);
                return -EINVAL;
        }
        if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0) {
                verbs_usage(what, verbs, n_verbs);
                return 0;
        }
        for (size_t i = 0; i < n_verbs; i++) {
                const Verb *v = &verbs[i];
                if (strcmp(v->name, argv[0]) != 0)
                        continue;
                if (argc < v->min_args) {
                        fprintf(stderr, "%s %s: too few arguments\n", what, v->name);
                        return -EINVAL;
                }
                if (v->max_args >= 0 && argc > v->max_args) {
                        fprintf(stderr, "%s %s: too many arguments\n", what, v->name);
                        return -EINVAL;
                }
                return v->run(argc, argv);
        }
        /* Do not echo the unknown verb: a mistyped command line may hold a secret. */
        fprintf(stderr, "%s: unknown verb (try '%s help')\n", what, what);
        return -EINVAL;
}
