/* SPDX-License-Identifier: MIT */
/* stats.c - the counters of the debug-statistics build (stats.h). */
#include "config.h"

#include "common.h"

#if defined(ST_DEBUG_STATS)

#define ST_STAT_DEF(type, name) \
    __thread type name __attribute__((tls_model("initial-exec")));
ST_STAT_COUNTERS(ST_STAT_DEF)

/* A clock check elapsed us after the previous one, by bucket. */
void _st_stat_sched(st_utime_t elapsed)
{
#define ST_STAT_BUCKET(n)                                                 \
    if (elapsed <= n * 1000ULL) {                                         \
        _st_stat_sched_##n##ms++;                                         \
        return;                                                           \
    }
    ST_STAT_SCHED_BUCKETS(ST_STAT_BUCKET)
#undef ST_STAT_BUCKET
    _st_stat_sched_s++;
}

#endif /* ST_DEBUG_STATS */
