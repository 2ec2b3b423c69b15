/* SPDX-License-Identifier: MIT */
/* signal.h - MinGW's signal.h plus a sigaction that records nothing. */
/*
 * Windows has no SIGPIPE to ignore (Winsock reports a broken connection
 * as an error) and no other signal that libst handles: sigaction exists
 * so that the portable code compiles.
 */
#ifndef ST_WIN32_COMPAT_SIGNAL_H
#define ST_WIN32_COMPAT_SIGNAL_H

#include_next <signal.h>
#include <errno.h>
#include <sys/types.h>

#ifndef SIGPIPE
#define SIGPIPE         13              /* never raised on Windows */
#endif

#if !defined(_POSIX)
typedef _sigset_t sigset_t;
#endif
/* Signal numbers the tests and examples name; nothing sends them. */
#ifndef SIGHUP
#define SIGHUP          1
#endif
#ifndef SIGKILL
#define SIGKILL         9
#endif
#ifndef SIGUSR1
#define SIGUSR1         10
#endif
#ifndef SIGALRM
#define SIGALRM         14
#endif
#ifndef SIGCHLD
#define SIGCHLD         17
#endif
#define SIG_BLOCK       0
#define SIG_UNBLOCK     1
#define SIG_SETMASK     2
static inline int kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = ENOSYS;
    return -1;
}
static inline int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    (void)how;
    (void)set;
    if (old != 0)
        *old = 0;
    return 0;
}

struct sigaction {
    void (*sa_handler)(int);            /* SIG_DFL, SIG_IGN or a handler */
    void (*sa_sigaction)(int, void *, void *); /* unused */
    sigset_t sa_mask;                   /* unused */
    int sa_flags;                       /* unused */
};
#define SA_SIGINFO      0x4
#define SA_ONSTACK      0x8000000
#define SA_RESTART      0x10000000
static inline int sigemptyset(sigset_t *s) { *s = 0; return 0; }
static inline int sigaddset(sigset_t *s, int n)
{
    *s |= (sigset_t)1 << n;
    return 0;
}
static inline int sigaction(int sig, const struct sigaction *sa,
                            struct sigaction *old)
{
    (void)sig;
    (void)sa;
    if (old != 0) {
        old->sa_handler = SIG_DFL;
        old->sa_sigaction = 0;
        old->sa_mask = 0;
        old->sa_flags = 0;
    }
    return 0;
}

#endif
