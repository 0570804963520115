/*
 * vhu-log.c: the library's logging, with a rate limit for messages that a
 * frontend or guest can provoke.  Users such as OVS install a sink with
 * vhu_set_log_fn(); by default lines go to stderr.
 */
#include "vhu-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static _Atomic(vhu_log_fn *) log_fn;

/* Token bucket shared by all rate-limited lines: a burst of 'VHU_RL_BURST'
 * lines, then one every 'VHU_RL_MS'. */
#define VHU_RL_BURST 10
#define VHU_RL_MS 1000
static atomic_llong rl_last_ms;
static atomic_int rl_tokens = VHU_RL_BURST;
static atomic_ullong rl_dropped;

void
vhu_set_log_fn(vhu_log_fn *fn)
{
    atomic_store(&log_fn, fn);
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

    va_start(args, fmt);
    vhu_vlog(level, fmt, args);
    va_end(args);
}

static bool
rl_allow(void)
{
    long long now = vhu_now_ms();
    long long last = atomic_load(&rl_last_ms);

    if (now - last >= VHU_RL_MS
        && atomic_compare_exchange_strong(&rl_last_ms, &last, now)) {
        long long refill = (now - last) / VHU_RL_MS;
        int tokens = atomic_load(&rl_tokens);

        atomic_store(&rl_tokens, refill + tokens > VHU_RL_BURST
                                 ? VHU_RL_BURST : (int) (refill + tokens));
    }
    if (atomic_fetch_sub(&rl_tokens, 1) > 0) {
        return true;
    }
    atomic_fetch_add(&rl_tokens, 1);
    atomic_fetch_add(&rl_dropped, 1);
    return false;
}

void
vhu_log_rl(int level, const char *fmt, ...)
{
    unsigned long long dropped;
    va_list args;

    if (!rl_allow()) {
        return;
    }
    dropped = atomic_exchange(&rl_dropped, 0);
    if (dropped) {
        vhu_log(level, "(%llu similar messages suppressed)", dropped);
    }
    va_start(args, fmt);
    vhu_vlog(level, fmt, args);
    va_end(args);
}
