/* Logging for Carrel programs (never for library code: libraries return
 * -errno and let the caller decide what to say).
 *
 * Messages go to journald with structured fields when the process runs under
 * systemd (its stderr is the journal stream), and to stderr otherwise. Log
 * opaque ids and decisions only: never a personal field value or a secret.
 * Tests scan logs for planted secrets, so a slip fails the build. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "lib/macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO, /* journal if stderr is our journal stream, else stderr */
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_NULL,
} LogTarget;

/* Set the process-wide maximum level (LOG_ERR..LOG_DEBUG) and target. */
void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_target(LogTarget target);
/* Name shown in front of stderr lines and as SYSLOG_IDENTIFIER. */
void log_set_ident(const char *ident);

/* Read CARREL_LOG_LEVEL (err, warning, notice, info, debug or 3..7) and
 * CARREL_LOG_TARGET (auto, stderr, journal, null) from the environment.
 * Unknown values are ignored; returns -EINVAL if any was. */
int log_parse_environment(void);

/* Parse a level name or number; returns the level or -EINVAL. */
int log_level_from_string(const char *s);

/* Emit one message. `error` is a positive or negative errno, or 0; it is put
 * in errno for %m and as the ERRNO= field. `fields` is NULL or a
 * NULL-terminated list of extra "KEY=value" journal fields (keys in capitals,
 * values opaque ids). Returns -abs(error), or 0 when error is 0, so callers
 * can `return log_error_errno(r, "...")`. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *const *fields, const char *format, ...) _printf_(7, 8);
int log_internalv(int level, int error, const char *file, int line, const char *func,
                  const char *const *fields, const char *format, va_list ap) _printf_(7, 0);

#define log_full_errno(level, error, ...)                                                             \
        ({                                                                                            \
                int _level_ = (level), _e_ = (error);                                                 \
                _level_ <= log_get_max_level()                                                        \
                        ? log_internal(_level_, _e_, __FILE__, __LINE__, __func__, NULL, __VA_ARGS__) \
                        : (_e_ < 0 ? _e_ : -_e_);                                                     \
        })
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

/* A message with extra journal fields:
 *   log_struct(LOG_NOTICE, 0, LOG_FIELDS("CARREL_EVENT=grant-approved", "CARREL_GRANT=42"), "Grant approved");
 */
#define LOG_FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define log_struct(level, error, fields, ...)                                                           \
        ({                                                                                              \
                int _level_ = (level), _e_ = (error);                                                   \
                _level_ <= log_get_max_level()                                                          \
                        ? log_internal(_level_, _e_, __FILE__, __LINE__, __func__, fields, __VA_ARGS__) \
                        : (_e_ < 0 ? _e_ : -_e_);                                                       \
        })
