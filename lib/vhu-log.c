/*
 * vhu-log.c: the library's logging.
 *
 * Users such as OVS install a sink with vhu_set_log_fn() and, optionally, a
 * filter with vhu_set_log_enabled_fn(); by default lines up to INFO go to
 * stderr.  A line whose level is filtered out costs one call and consumes
 * no rate-limit budget.
 *
 * Lines that a frontend or guest can provoke are rate limited per call
 * site (vhu_log_rl() declares its own bucket, like OVS's
 * VLOG_RATE_LIMIT_INIT), so a flood of one kind of line can never hide
 * another kind.  The buckets run on vhu_now_ms(), the library's monotonic
 * clock, which lives here so that logging depends on no other file of ours.
 */
#include "vhu-log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static _Atomic(vhu_log_fn *) log_fn;
static _Atomic(vhu_log_enabled_fn *) log_enabled_fn;
static atomic_int log_level = VHU_LOG_INFO;

void
vhu_set_log_fn(vhu_log_fn *fn)
{
    atomic_store(&log_fn, fn);
}

void
vhu_set_log_enabled_fn(vhu_log_enabled_fn *fn)
{
    atomic_store(&log_enabled_fn, fn);
}

void
vhu_set_log_level(int level)
{
    atomic_store(&log_level, level);
}

long long
vhu_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool
vhu_log_enabled(int level)
{
    vhu_log_enabled_fn *fn = atomic_load(&log_enabled_fn);

    return fn ? fn(level) : level <= atomic_load(&log_level);
}

static void
vhu_vlog(int level, const char *fmt, va_list args)
{
    vhu_log_fn *fn = atomic_load(&log_fn);
    char msg[512];

    vsnprintf(msg, sizeof msg, fmt, args);
    if (fn) {
        fn(level, msg);
    } else {
        fprintf(stderr, "vhu: %s\n", msg);
    }
}

void
vhu_log(int level, const char *fmt, ...)
{
    va_list args;

    if (!vhu_log_enabled(level)) {
        return;
    }
    va_start(args, fmt);
    vhu_vlog(level, fmt, args);
    va_end(args);
}

/* Token bucket: 'burst' lines at once, then one more every 'interval_ms'.
 * Lock-free, so datapath threads may log through it. */
static bool
rl_allow(struct vhu_rl *rl)
{
    long long now = vhu_now_ms();
    long long last = atomic_load(&rl->last_ms);

    if (!last) {
        /* First use: start full. */
        if (atomic_compare_exchange_strong(&rl->last_ms, &last, now)) {
            atomic_store(&rl->tokens, rl->burst);
        }
    } else if (now - last >= rl->interval_ms
               && atomic_compare_exchange_strong(&rl->last_ms, &last, now)) {
        long long refill = (now - last) / rl->interval_ms;
        int tokens = atomic_load(&rl->tokens);

        atomic_store(&rl->tokens, refill + tokens > rl->burst
                                  ? rl->burst : (int) (refill + tokens));
    }
    if (atomic_fetch_sub(&rl->tokens, 1) > 0) {
        return true;
    }
    atomic_fetch_add(&rl->tokens, 1);
    atomic_fetch_add(&rl->dropped, 1);
    return false;
}

void
vhu_log_rl_(struct vhu_rl *rl, int level, const char *fmt, ...)
{
    unsigned long long dropped;
    va_list args;

    if (!vhu_log_enabled(level) || !rl_allow(rl)) {
        return;
    }
    dropped = atomic_exchange(&rl->dropped, 0);
    if (dropped) {
        vhu_log(level, "(%llu similar messages suppressed)", dropped);
    }
    va_start(args, fmt);
    vhu_vlog(level, fmt, args);
    va_end(args);
}
