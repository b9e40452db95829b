/* Hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks
 * and Consistent Snapshots in Globally Distributed Databases", 2014).
 *
 * A timestamp is one u64: the upper 48 bits are milliseconds since the Unix
 * epoch (the largest physical time seen), the lower 16 a logical counter that
 * orders events within one millisecond. Timestamps compare as integers.
 * Deviation from the paper: when the counter would overflow, the millisecond
 * part is advanced instead (the clock runs at most 1 ms ahead per 65536
 * events), so a timestamp never wraps. */
#pragma once

#include <stdint.h>

#define HLC_COUNTER_BITS 16
#define HLC_COUNTER_MAX 0xffffu
#define HLC_MS_MAX ((UINT64_C(1) << 48) - 1)
#define HLC_DEFAULT_MAX_SKEW_MS (5 * 60 * 1000)

typedef struct Hlc {
        uint64_t last; /* the last timestamp issued or merged */
        uint64_t max_skew_ms; /* forward skew accepted on receive */
} Hlc;

static inline uint64_t hlc_make(uint64_t ms, uint16_t counter)
{
        return (ms << HLC_COUNTER_BITS) | counter;
}
static inline uint64_t hlc_ms(uint64_t hlc)
{
        return hlc >> HLC_COUNTER_BITS;
}
static inline uint16_t hlc_counter(uint64_t hlc)
{
        return (uint16_t)(hlc & HLC_COUNTER_MAX);
}

/* Initialise a clock; max_skew_ms 0 selects HLC_DEFAULT_MAX_SKEW_MS. */
void hlc_init(Hlc *c, uint64_t max_skew_ms);

/* The wall clock in ms (CLOCK_REALTIME). */
uint64_t hlc_wall_ms(void);

/* A timestamp for a local event or a send, given the wall clock now_ms:
 * strictly greater than every timestamp issued or merged before. */
uint64_t hlc_now(Hlc *c, uint64_t now_ms);

/* Check a remote timestamp against the receiver's wall clock: -ERANGE if its
 * physical part is more than max_skew_ms ahead of now_ms, else 0. */
int hlc_check_skew(const Hlc *c, uint64_t remote, uint64_t now_ms);

/* Merge a received timestamp (after hlc_check_skew() accepted it): the clock
 * moves past it. Returns the new local timestamp, or -ERANGE (as a negative
 * int64) if the remote is too far ahead, leaving the clock untouched. */
int64_t hlc_recv(Hlc *c, uint64_t remote, uint64_t now_ms);
