/* Small language helpers shared by every Carrel module: scope-bound cleanup,
 * ownership transfer and array sizes. Modelled on systemd's macro.h. */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _const_ __attribute__((const))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Take ownership of *ptr: return its value and leave NULL behind, so that a
 * _cleanup_ handler on the old name does nothing. */
#define TAKE_PTR(ptr)                             \
        ({                                        \
                __typeof__(ptr) *_pptr_ = &(ptr); \
                __typeof__(ptr) _ptr_ = *_pptr_;  \
                *_pptr_ = NULL;                   \
                _ptr_;                            \
        })

/* The same for file descriptors, which use -EBADF as "none". */
#define TAKE_FD(fd)                 \
        ({                          \
                int *_pfd_ = &(fd); \
                int _fd_ = *_pfd_;  \
                *_pfd_ = -EBADF;    \
                _fd_;               \
        })

/* Define NAME##p(type *p), calling func(*p) when *p is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p)     \
        {                                       \
                if (*p)                         \
                        func(*p);               \
        }

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Close fd if valid, keeping errno intact; returns -EBADF so callers can
 * write fd = safe_close(fd). */
static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void)close(fd);
                errno = saved;
        }
        return -EBADF;
}

static inline void closep(int *fd)
{
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Return a negative errno from a libc call that sets errno, never 0. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

#define RET_NERRNO(expr)                               \
        ({                                             \
                __typeof__(expr) _r_ = (expr);         \
                _r_ < 0 ? negative_errno() : (int)_r_; \
        })

#define assert_return(expr, r)           \
        do {                             \
                if (_unlikely_(!(expr))) \
                        return (r);      \
        } while (0)

/* Guarded: wolfSSL's headers define their own when unset. */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
