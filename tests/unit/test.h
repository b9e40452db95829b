/* Common includes for cmocka unit tests. cmocka needs these before it. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Make a fresh temporary directory for one test; returns a malloc()ed path. */
char *test_tmpdir(void);
/* Remove a directory tree made by test_tmpdir(). */
void test_rmtree(const char *path);
