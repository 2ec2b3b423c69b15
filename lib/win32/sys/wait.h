/* SPDX-License-Identifier: MIT */
/* sys/wait.h - process status macros (no fork on Windows: waitpid fails). */
#ifndef ST_WIN32_COMPAT_SYS_WAIT_H
#define ST_WIN32_COMPAT_SYS_WAIT_H

#include <errno.h>
#include <sys/types.h>

#define WIFEXITED(s)    (((s) & 0x7f) == 0)
#define WEXITSTATUS(s)  (((s) >> 8) & 0xff)
#define WIFSIGNALED(s)  (((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#define WTERMSIG(s)     ((s) & 0x7f)
#define WNOHANG         1
static inline int waitpid(int pid, int *status, int options)
{
    (void)pid;
    (void)status;
    (void)options;
    errno = ECHILD;
    return -1;
}

#endif
