/* See log.h. Journal output uses sd_journal_sendv() so that every message
 * carries CODE_FILE/CODE_LINE/CODE_FUNC, PRIORITY, ERRNO and the caller's
 * CARREL_* fields; stderr output is one line per message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* We pass CODE_FILE/LINE/FUNC of the caller ourselves. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "lib/log.h"

#define LOG_LINE_MAX 2048
#define LOG_FIELDS_MAX 16

static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_AUTO;
static const char *log_ident = NULL;

void log_set_max_level(int level)
{
        if (level >= LOG_EMERG && level <= LOG_DEBUG)
                log_max_level = level;
}

int log_get_max_level(void)
{
        return log_max_level;
}

void log_set_target(LogTarget target)
{
        log_target = target;
}

void log_set_ident(const char *ident)
{
        log_ident = ident;
}

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s)
{
        if (!s || !*s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (int)i;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        return -EINVAL;
}

int log_parse_environment(void)
{
        int r = 0;
        const char *e = getenv("CARREL_LOG_LEVEL");
        if (e) {
                int level = log_level_from_string(e);
                if (level < 0)
                        r = -EINVAL;
                else
                        log_set_max_level(level);
        }
        e = getenv("CARREL_LOG_TARGET");
        if (e) {
                if (strcmp(e, "auto") == 0)
                        log_target = LOG_TARGET_AUTO;
                else if (strcmp(e, "stderr") == 0)
                        log_target = LOG_TARGET_STDERR;
                else if (strcmp(e, "journal") == 0)
                        log_target = LOG_TARGET_JOURNAL;
                else if (strcmp(e, "null") == 0)
                        log_target = LOG_TARGET_NULL;
                else
                        r = -EINVAL;
        }
        return r;
}

/* systemd sets JOURNAL_STREAM=dev:ino for a service whose stderr is connected
 * to journald; only then is structured output worth the socket round trip. */
static int stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return 0;
        if (fstat(STDERR_FILENO, &st) < 0)
                return 0;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static LogTarget effective_target(void)
{
        if (log_target != LOG_TARGET_AUTO)
                return log_target;
        return stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
}

static void write_journal(int level, int error, const char *file, int line, const char *func,
                          const char *const *fields, const char *message)
{
        char priority[16], code_file[256], code_line[32], code_func[128], err[32], ident[64];
        char msg[LOG_LINE_MAX + 16];
        struct iovec iov[8 + LOG_FIELDS_MAX];
        size_t n = 0;

        snprintf(msg, sizeof msg, "MESSAGE=%s", message);
        snprintf(priority, sizeof priority, "PRIORITY=%d", level);
        snprintf(code_file, sizeof code_file, "CODE_FILE=%s", file);
        snprintf(code_line, sizeof code_line, "CODE_LINE=%d", line);
        snprintf(code_func, sizeof code_func, "CODE_FUNC=%s", func);
        iov[n++] = (struct iovec){ msg, strlen(msg) };
        iov[n++] = (struct iovec){ priority, strlen(priority) };
        iov[n++] = (struct iovec){ code_file, strlen(code_file) };
        iov[n++] = (struct iovec){ code_line, strlen(code_line) };
        iov[n++] = (struct iovec){ code_func, strlen(code_func) };
        if (error != 0) {
                snprintf(err, sizeof err, "ERRNO=%d", error);
                iov[n++] = (struct iovec){ err, strlen(err) };
        }
        if (log_ident) {
                snprintf(ident, sizeof ident, "SYSLOG_IDENTIFIER=%s", log_ident);
                iov[n++] = (struct iovec){ ident, strlen(ident) };
        }
        for (size_t i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
                iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };

        (void)sd_journal_sendv(iov, (int)n);
}

/* Append to a fixed buffer, truncating rather than overflowing. */
static _printf_(4, 5) void buf_append(char *buf, size_t size, size_t *len, const char *format, ...)
{
        va_list ap;
        int n;

        if (*len >= size - 1)
                return;
        va_start(ap, format);
        n = vsnprintf(buf + *len, size - *len, format, ap);
        va_end(ap);
        if (n > 0)
                *len = MIN(*len + (size_t)n, size - 1);
}

static void write_stderr(int level, const char *const *fields, const char *message)
{
        char buf[LOG_LINE_MAX * 2];
        size_t len = 0;

        if (log_ident)
                buf_append(buf, sizeof buf - 1, &len, "%s: ", log_ident);
        if (level <= LOG_WARNING || log_max_level >= LOG_DEBUG)
                buf_append(buf, sizeof buf - 1, &len, "<%s> ", level_names[level]);
        buf_append(buf, sizeof buf - 1, &len, "%s", message);
        for (size_t i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
                buf_append(buf, sizeof buf - 1, &len, " %s", fields[i]);
        buf[len++] = '\n';
        /* One write() per message so that concurrent writers do not interleave. */
        (void)!write(STDERR_FILENO, buf, len);
}

int log_internalv(int level, int error, const char *file, int line, const char *func,
                  const char *const *fields, const char *format, va_list ap)
{
        char message[LOG_LINE_MAX];
        int saved_errno = errno;
        int e = error < 0 ? -error : error;

        if (level < LOG_EMERG || level > LOG_DEBUG)
                level = LOG_ERR;
        if (level > log_max_level)
                return -e;

        errno = e; /* for %m */
        vsnprintf(message, sizeof message, format, ap);

        switch (effective_target()) {
        case LOG_TARGET_JOURNAL:
                write_journal(level, e, file, line, func, fields, message);
                break;
        case LOG_TARGET_NULL:
                break;
        default:
                write_stderr(level, fields, message);
                break;
        }

        errno = saved_errno;
        return -e;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *const *fields, const char *format, ...)
{
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, file, line, func, fields, format, ap);
        va_end(ap);
        return r;
}
