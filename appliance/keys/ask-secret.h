/* Reading a PIN or a recovery key from a person or a test, into locked
 * memory and never from the command line. */
#pragma once

#include <stddef.h>

#include "lib/secmem.h"

/* Read one line (without its newline) of at most max bytes into *ret.
 *   fd >= 0: read from fd (a pipe set up by a script or test);
 *   fd <  0: prompt on /dev/tty with echo off, or read stdin when there is
 *            no controlling terminal.
 * Returns 0, -EMSGSIZE when the line is longer than max, -ENODATA for an
 * empty line or EOF, or -errno. */
int ask_secret(const char *prompt, int fd, size_t max, Secret **ret);
