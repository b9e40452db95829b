/* Whole-file reads and crash-safe writes. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Read a regular file of at most max bytes into a NUL-terminated buffer.
 * Returns 0, -EFBIG if larger, or another -errno. *ret and *ret_size are set
 * only on success; free(*ret) after. */
int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_size);

/* Write data to path atomically and durably: a temporary file in the same
 * directory with the given mode (created O_EXCL, so never world-readable even
 * briefly), fsync, rename over path, fsync the directory. After a crash, path
 * holds either the old or the new content, never a mix. Returns 0 or -errno. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* fsync the directory that contains path. Returns 0 or -errno. */
int fsync_parent_dir(const char *path);

/* Remove a file and make the removal durable. Missing is not an error. */
int unlink_durable(const char *path);
