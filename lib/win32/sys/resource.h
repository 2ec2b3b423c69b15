/* SPDX-License-Identifier: MIT */
/* sys/resource.h - getrlimit/setrlimit: Windows has no descriptor limit
 * to adjust. */
#ifndef ST_WIN32_COMPAT_SYS_RESOURCE_H
#define ST_WIN32_COMPAT_SYS_RESOURCE_H

#include <sys/types.h>

typedef unsigned long long rlim_t;
struct rlimit {
    rlim_t rlim_cur;                    /* soft limit */
    rlim_t rlim_max;                    /* hard limit */
};
#define RLIMIT_NOFILE   7
#define RLIM_INFINITY   (~(rlim_t)0)

/* Sockets are kernel handles, limited only by memory. */
static inline int getrlimit(int res, struct rlimit *rl)
{
    (void)res;
    rl->rlim_cur = rl->rlim_max = RLIM_INFINITY;
    return 0;
}

static inline int setrlimit(int res, const struct rlimit *rl)
{
    (void)res;
    (void)rl;
    return 0;
}

#endif
