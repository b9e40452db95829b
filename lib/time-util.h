/* Durations as Carrel's configuration files write them. */
#pragma once

#include <stdint.h>

typedef uint64_t usec_t;

#define USEC_PER_SEC ((usec_t)1000000)
#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK (7 * USEC_PER_DAY)
/* Like systemd: a month is 30.44 days and a year 365.25 days. */
#define USEC_PER_MONTH ((usec_t)2629800 * USEC_PER_SEC)
#define USEC_PER_YEAR ((usec_t)31557600 * USEC_PER_SEC)

/* Parse a duration such as "30d", "72h", "1h 30min", "6months" or "500ms"
 * into microseconds. A bare number is seconds. Units: us, ms, s/sec, m/min,
 * h/hr, d/day(s), w/week(s), month(s), y/year(s). Returns 0, -EINVAL for
 * a malformed string, or -ERANGE on overflow; *ret_usec is set only on
 * success. */
int parse_duration(const char *s, usec_t *ret_usec);

/* Format a duration as the largest units that divide it, e.g. "30d", "1h 30min". */
const char *format_duration(char *buf, size_t size, usec_t usec);

/* CLOCK_REALTIME / CLOCK_MONOTONIC now, in microseconds. */
usec_t now_realtime_usec(void);
usec_t now_monotonic_usec(void);
