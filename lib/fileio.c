/* See fileio.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/fileio.h"
#include "lib/macro.h"

int read_file_bounded(const char *path, size_t max, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size;
        ssize_t n;

        assert_return(path && ret && ret_size, -EINVAL);

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;

        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        /* A file that grows between fstat() and read() fills the buffer
         * sized from fstat: refuse it rather than read an unbounded amount. */
        n = read_full(fd, buf, (size_t)st.st_size + 1);
        if (n < 0)
                return (int)n;
        size = (size_t)n;
        if (size == (size_t)st.st_size + 1)
                return -EFBIG;
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

ssize_t read_full(int fd, void *buf, size_t size)
{
        size_t done = 0;

        while (done < size) {
                ssize_t n = read(fd, (char *)buf + done, size - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

int write_full(int fd, const void *buf, size_t size)
{
        const char *p = buf;

        while (size > 0) {
                ssize_t n = write(fd, p, size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                size -= (size_t)n;
        }
        return 0;
}

int fsync_parent_dir(const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int dfd = -EBADF;

        if (!copy)
                return -ENOMEM;
        dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        if (fsync(dfd) < 0)
                return negative_errno();
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode)
{
        char tmp[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;
        int r;

        assert_return(path && (data || size == 0), -EINVAL);

        r = snprintf(tmp, sizeof tmp, "%s.tmp-%08x", path, randombytes_random());
        if (r < 0 || (size_t)r >= sizeof tmp)
                return -ENAMETOOLONG;

        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();
        /* The umask may have narrowed mode; set exactly what was asked. */
        if (fchmod(fd, mode) < 0 || (r = write_full(fd, data, size)) < 0 || fsync(fd) < 0) {
                r = r < 0 ? r : negative_errno();
                goto fail;
        }
        fd = safe_close(fd);
        if (rename(tmp, path) < 0) {
                r = negative_errno();
                goto fail;
        }
        return fsync_parent_dir(path);

fail:
        (void)unlink(tmp);
        return r;
}

int unlink_durable(const char *path)
{
        if (unlink(path) < 0) {
                if (errno == ENOENT)
                        return 0;
                return negative_errno();
        }
        return fsync_parent_dir(path);
}
