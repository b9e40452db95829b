/* See time-util.h. Hand-written: no Debian C library parses systemd-style
 * durations without pulling in a daemon's worth of code. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/macro.h"
#include "lib/time-util.h"

static const struct {
        const char *suffix;
        usec_t usec;
} units[] = {
        /* Longest suffixes first so that "min" is not read as "m" + "in". */
        { "months", USEC_PER_MONTH },
        { "month", USEC_PER_MONTH },
        { "years", USEC_PER_YEAR },
        { "year", USEC_PER_YEAR },
        { "weeks", USEC_PER_WEEK },
        { "week", USEC_PER_WEEK },
        { "days", USEC_PER_DAY },
        { "day", USEC_PER_DAY },
        { "hours", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },
        { "min", USEC_PER_MINUTE },
        { "sec", USEC_PER_SEC },
        { "ms", 1000 },
        { "us", 1 },
        { "M", USEC_PER_MONTH },
        { "y", USEC_PER_YEAR },
        { "w", USEC_PER_WEEK },
        { "d", USEC_PER_DAY },
        { "h", USEC_PER_HOUR },
        { "m", USEC_PER_MINUTE },
        { "s", USEC_PER_SEC },
};

int parse_duration(const char *s, usec_t *ret_usec)
{
        usec_t total = 0;
        int parts = 0;

        if (!s)
                return -EINVAL;

        for (;;) {
                usec_t n = 0, mult = USEC_PER_SEC;
                size_t digits = 0;

                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s == '\0')
                        break;
                while (isdigit((unsigned char)*s)) {
                        if (n > (UINT64_MAX - 9) / 10)
                                return -ERANGE;
                        n = n * 10 + (usec_t)(*s++ - '0');
                        digits++;
                }
                if (digits == 0)
                        return -EINVAL;
                while (*s == ' ')
                        s++;
                if (isalpha((unsigned char)*s)) {
                        size_t i;
                        for (i = 0; i < ELEMENTSOF(units); i++) {
                                size_t len = strlen(units[i].suffix);
                                if (strncmp(s, units[i].suffix, len) == 0 &&
                                    !isalpha((unsigned char)s[len])) {
                                        mult = units[i].usec;
                                        s += len;
                                        break;
                                }
                        }
                        if (i == ELEMENTSOF(units))
                                return -EINVAL;
                } else if (parts > 0) {
                        return -EINVAL; /* "1h 30" is ambiguous */
                }
                if (n != 0 && mult > UINT64_MAX / n)
                        return -ERANGE;
                if (total > UINT64_MAX - n * mult)
                        return -ERANGE;
                total += n * mult;
                parts++;
        }
        if (parts == 0)
                return -EINVAL;
        *ret_usec = total;
        return 0;
}

const char *format_duration(char *buf, size_t size, usec_t usec)
{
        static const struct {
                const char *suffix;
                usec_t usec;
        } fmt[] = {
                { "y", USEC_PER_YEAR },
                { "month", USEC_PER_MONTH },
                { "w", USEC_PER_WEEK },
                { "d", USEC_PER_DAY },
                { "h", USEC_PER_HOUR },
                { "min", USEC_PER_MINUTE },
                { "s", USEC_PER_SEC },
                { "ms", 1000 },
                { "us", 1 },
        };
        size_t len = 0;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        if (usec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }
        for (size_t i = 0; i < ELEMENTSOF(fmt) && usec > 0; i++) {
                usec_t n = usec / fmt[i].usec;
                if (n == 0)
                        continue;
                int w = snprintf(buf + len, size - len, "%s%llu%s", len ? " " : "", (unsigned long long)n,
                                 fmt[i].suffix);
                if (w < 0 || (size_t)w >= size - len)
                        break;
                len += (size_t)w;
                usec -= n * fmt[i].usec;
        }
        return buf;
}

static usec_t now_usec(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

usec_t now_realtime_usec(void)
{
        return now_usec(CLOCK_REALTIME);
}

usec_t now_monotonic_usec(void)
{
        return now_usec(CLOCK_MONOTONIC);
}
