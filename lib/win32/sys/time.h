/* SPDX-License-Identifier: MIT */
/* sys/time.h - MinGW's sys/time.h plus interval timers that never fire. */
#ifndef ST_WIN32_COMPAT_SYS_TIME_H
#define ST_WIN32_COMPAT_SYS_TIME_H

#include_next <sys/time.h>
#include <errno.h>

#define ITIMER_REAL     0
struct itimerval {
    struct timeval it_interval;         /* period */
    struct timeval it_value;            /* first expiry */
};
/* No SIGALRM on Windows: setitimer fails, and tests that need it are
 * skipped. */
static inline int setitimer(int which, const struct itimerval *v,
                            struct itimerval *old)
{
    (void)which;
    (void)v;
    (void)old;
    errno = ENOSYS;
    return -1;
}

#endif
