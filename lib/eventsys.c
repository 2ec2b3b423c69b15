/* SPDX-License-Identifier: MIT */
/* eventsys.c - choosing an event system; fork detection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include "common.h"

static const _st_eventsys_ops_t *find(int val)
{
    switch (val) {
    case ST_EVENTSYS_DEFAULT:
    case ST_EVENTSYS_SELECT:
        return &_st_eventsys_select;
#if defined(ST_HAVE_POLL_BACKEND)
    case ST_EVENTSYS_POLL:
        return &_st_eventsys_poll;
#endif
    case ST_EVENTSYS_ALT:
#if defined(ST_HAVE_KQUEUE_BACKEND)
        return &_st_eventsys_kqueue;
#elif defined(ST_HAVE_EPOLL_BACKEND)
        return &_st_eventsys_epoll;
#else
        return NULL;
#endif
#if defined(ST_HAVE_IO_URING_BACKEND)
    case ST_EVENTSYS_IO_URING:
        return &_st_eventsys_io_uring;
#endif
    default:
        return NULL;
    }
}

int st_set_eventsys(int eventsys)
{
    _st_vp_t *vp = VP;
    const _st_eventsys_ops_t *ops;

    if (vp->ev != NULL) {
        errno = EBUSY;
        return -1;
    }
    ops = find(eventsys);
    if (ops == NULL || (ops->probe != NULL && ops->probe() < 0)) {
        errno = EINVAL;
        return -1;
    }
    vp->ev = ops;
    return 0;
}

int st_get_eventsys(void)
{
    return VP->ev ? VP->ev->val : -1;
}

const char *st_get_eventsys_name(void)
{
    return VP->ev ? VP->ev->name : "";
}

/* ---- fork detection --------------------------------------------------- */

static unsigned long fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* (Unused where pthread_atfork is a macro that does nothing: MinGW.) */
static __attribute__((unused)) void in_child(void)
{
    __atomic_add_fetch(&fork_gen, 1, __ATOMIC_RELAXED);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, in_child);
}

/* Changes in a child process after fork: backends whose kernel objects
 * are shared with the parent compare it at each dispatch and rebuild. */
unsigned long _st_fork_generation(void)
{
    return __atomic_load_n(&fork_gen, __ATOMIC_RELAXED);
}

/* Called by st_init: settle the default and arm fork detection. */
int _st_eventsys_resolve(void)
{
    if (VP->ev == NULL)
        VP->ev = find(ST_EVENTSYS_DEFAULT);
    pthread_once(&atfork_once, register_atfork);
    return 0;
}

int _st_fd_check_open(int fd)
{
    if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
        errno = EBADF;
        return -1;
    }
    return 0;
}
