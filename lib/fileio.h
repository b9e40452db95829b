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

/* Read until size bytes or end of file, retrying on EINTR and short reads.
 * Returns the number of bytes read (less than size only at end of file) or
 * -errno. */
ssize_t read_full(int fd, void *buf, size_t size);

/* Write all size bytes, retrying on EINTR and short writes. Returns 0 or -errno. */
int write_full(int fd, const void *buf, size_t size);

/* fsync the directory that contains path. Returns 0 or -errno. */
int fsync_parent_dir(const char *path);

/* Remove a file and make the removal durable. Missing is not an error. */
int unlink_durable(const char *path);
