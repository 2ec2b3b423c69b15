/* SPDX-License-Identifier: MIT */
/* sys/event.h - kqueue(2) for the test build on Linux (kqueue_emu.c). */
/*
 * The interface of FreeBSD's <sys/event.h> (the layout of FreeBSD 12 and
 * later), reduced to what the emulation implements: the read and write
 * filters on descriptors.  Only tests/local.am puts this directory on
 * the include path; a host with a real kqueue never sees this file.
 */
#ifndef ST_TEST_SYS_EVENT_H
#define ST_TEST_SYS_EVENT_H

#include <stdint.h>
#include <time.h>

#define EVFILT_READ     (-1)
#define EVFILT_WRITE    (-2)

/* actions */
#define EV_ADD          0x0001          /* add or modify the event */
#define EV_DELETE       0x0002          /* delete it */
#define EV_ENABLE       0x0004          /* report it again */
#define EV_DISABLE      0x0008          /* keep it, but do not report it */
/* flags */
#define EV_ONESHOT      0x0010          /* delete it once reported */
#define EV_CLEAR        0x0020          /* reset its state once reported */
#define EV_RECEIPT      0x0040          /* report every change as EV_ERROR */
#define EV_DISPATCH     0x0080          /* disable it once reported */
/* returned */
#define EV_ERROR        0x4000          /* a change failed: data is errno */
#define EV_EOF          0x8000          /* end of file, hang-up */

/* fflags of EVFILT_READ (NOTE_LOWAT is not emulated, so not defined) */
#define NOTE_FILE_POLL  0x0002          /* regular files: behave like poll */

struct kevent {
    uintptr_t ident;                    /* the descriptor */
    short filter;                       /* EVFILT_* */
    unsigned short flags;               /* EV_* */
    unsigned int fflags;                /* filter-specific flags */
    int64_t data;                       /* filter-specific data */
    void *udata;                        /* opaque, returned as given */
    uint64_t ext[4];                    /* extensions (unused here) */
};

#define EV_SET(kevp, a, b, c, d, e, f) do {     \
        struct kevent *ev_set_p_ = (kevp);      \
        ev_set_p_->ident = (a);                 \
        ev_set_p_->filter = (b);                \
        ev_set_p_->flags = (c);                 \
        ev_set_p_->fflags = (d);                \
        ev_set_p_->data = (e);                  \
        ev_set_p_->udata = (f);                 \
        ev_set_p_->ext[0] = 0;                  \
        ev_set_p_->ext[1] = 0;                  \
        ev_set_p_->ext[2] = 0;                  \
        ev_set_p_->ext[3] = 0;                  \
    } while (0)

int kqueue(void);
int kevent(int kq, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents,
           const struct timespec *timeout);

#endif /* ST_TEST_SYS_EVENT_H */
