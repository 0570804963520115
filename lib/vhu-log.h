/*
 * vhu-log.h: the library's logging, with per-call-site rate limits, and the
 * monotonic clock that the rate limits run on.
 *
 * The bottom of the library's own include graph: it depends on nothing of
 * ours but vhu.h (log levels and the user's sink), so any lib/ file may use
 * it.  The user-facing half (vhu_set_log_fn() and friends) is in vhu.h.
 */
#ifndef VHU_LOG_H
#define VHU_LOG_H 1

#include <stdatomic.h>
#include <stdbool.h>

#include "vhu.h"

#define VHU_PRINTF(FMT, ARG1) __attribute__((format(printf, FMT, ARG1)))

/* Milliseconds on the monotonic clock. */
long long vhu_now_ms(void);

/* Returns true if a line at 'level' would be logged. */
bool vhu_log_enabled(int level);
void vhu_log(int level, const char *fmt, ...) VHU_PRINTF(2, 3);

/* A rate limit of its own for one call site: 'burst' lines, then one every
 * 'interval_ms'. */
struct vhu_rl {
    int burst;
    int interval_ms;
    atomic_llong last_ms;       /* 0: never used. */
    atomic_int tokens;
    atomic_ullong dropped;
};
void vhu_log_rl_(struct vhu_rl *, int level, const char *fmt, ...)
    VHU_PRINTF(3, 4);

/* Rate-limited lines, for anything a frontend or guest can trigger: each
 * call site has its own budget of 10 lines, then one a second. */
#define vhu_log_rl(LEVEL, ...) \
    vhu_log_rl_n(10, 1000, LEVEL, __VA_ARGS__)
#define vhu_log_rl_n(BURST, INTERVAL_MS, LEVEL, ...)                    \
    do {                                                                \
        static struct vhu_rl rl_ = { .burst = (BURST),                  \
                                     .interval_ms = (INTERVAL_MS) };    \
        vhu_log_rl_(&rl_, LEVEL, __VA_ARGS__);                          \
    } while (0)

#endif /* vhu-log.h */
