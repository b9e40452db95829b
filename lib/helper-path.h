/* Finding Carrel's own helper programs (carrel-keys, carrel-pki-signer...). */
#pragma once

#include <limits.h>

/* Where `make install` puts helpers when nothing says otherwise. */
#ifndef CARREL_LIBEXECDIR
#define CARREL_LIBEXECDIR "/usr/libexec/carrel"
#endif

/* Find the executable helper NAME into ret: `override` if given (a command
 * line option or environment variable of the caller; tests, development),
 * else next to the running program ($prefix/sbin -> $prefix/libexec/carrel,
 * or the build tree's build/sbin -> build/libexec), else CARREL_LIBEXECDIR.
 * Returns 0, -ENAMETOOLONG, or -ENOENT/-EACCES when nothing executable is
 * found. */
int helper_path_find(const char *name, const char *override, char ret[static PATH_MAX]);
