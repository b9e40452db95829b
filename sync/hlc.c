/* See hlc.h. */
#include <errno.h>
#include <time.h>

#include "lib/macro.h"
#include "sync/hlc.h"

void hlc_init(Hlc *c, uint64_t max_skew_ms)
{
        c->last = 0;
        c->max_skew_ms = max_skew_ms ? max_skew_ms : HLC_DEFAULT_MAX_SKEW_MS;
}

uint64_t hlc_wall_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The next timestamp after both `last` and physical time pt. */
static uint64_t advance(uint64_t last, uint64_t pt)
{
        uint64_t l = hlc_ms(last);

        pt = MIN(pt, HLC_MS_MAX);
        if (pt > l)
                return hlc_make(pt, 0);
        if (hlc_counter(last) == HLC_COUNTER_MAX)
                return hlc_make(l + 1, 0);
        return last + 1;
}

uint64_t hlc_now(Hlc *c, uint64_t now_ms)
{
        c->last = advance(c->last, now_ms);
        return c->last;
}

int hlc_check_skew(const Hlc *c, uint64_t remote, uint64_t now_ms)
{
        if (hlc_ms(remote) > now_ms + c->max_skew_ms)
                return -ERANGE;
        return 0;
}

int64_t hlc_recv(Hlc *c, uint64_t remote, uint64_t now_ms)
{
        if (hlc_check_skew(c, remote, now_ms) < 0)
                return -ERANGE;
        /* max(l, l_m, pt) with the counter rules of the paper: advancing
         * from the larger of the local and remote stamps is equivalent. */
        c->last = advance(MAX(c->last, remote), now_ms);
        return (int64_t)c->last;
}
