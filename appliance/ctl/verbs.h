/* Sub-command dispatch for carrelctl: `carrelctl GROUP VERB ARGS...`. Each
 * group (policy, keys, pki, volume, ...) lives in its own ctl-GROUP.c and
 * exposes one entry point with the VerbFunction signature. */
#pragma once

#include <stddef.h>

/* argv[0] is the verb itself. Returns 0, or a negative errno after printing
 * one line on stderr. */
typedef int (*VerbFunction)(int argc, char *argv[]);

typedef struct Verb {
        const char *name;
        int min_args, max_args; /* counting the verb; -1 for no maximum */
        VerbFunction run;
        const char *help; /* one line for the usage text */
} Verb;

/* Find argv[0] in verbs and run it. Unknown verbs and wrong argument counts
 * are refused with one line on stderr and -EINVAL. `what` names the level
 * ("carrelctl", "carrelctl keys") in messages. */
int verbs_dispatch(const char *what, const Verb *verbs, size_t n_verbs, int argc, char *argv[]);

/* Print "what VERB - help" lines for a group. */
void verbs_usage(const char *what, const Verb *verbs, size_t n_verbs);
