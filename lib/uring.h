/* SPDX-License-Identifier: MIT */
/* uring.h - what the io_uring event system's two files share. */
/*
 * ev_io_uring.c is the event system: the ring, polls, dispatch and
 * descriptors.  uring_io.c holds the operations it performs itself (the
 * sock_io and file_io of its table) and what they teach it about
 * receive queues.  See ev_io_uring.c for the design.
 */
#ifndef ST_URING_H
#define ST_URING_H

#include <liburing.h>

#include "common.h"

#define UR_DIRS         (POLLIN | POLLOUT | POLLPRI)
#define UR_SQ_ENTRIES   256
#define UR_CQ_ENTRIES   4096

/* user_data: low two bits say what the CQE belongs to. */
#define TAG_NONE        0ULL            /* removals and cancels: ignored */
#define TAG_POLL        1ULL            /* gen << 34 | fd << 2 | 1 */
#define TAG_OP          2ULL            /* (ur_op_t *) | 2 */
#define TAG_RPOLL       3ULL            /* readiness: gen << 34 | fd << 2 | 3 */
#define TAG_MASK        3ULL
#define GEN_MASK        0x3fffffffu

typedef struct ur_fd {
    int rd, wr, ex;                     /* poll waiters per direction */
    int nops;                           /* pending operations */
    int refs;                           /* netfds wrapping the descriptor */
    unsigned int armed;                 /* mask of the armed poll, 0 = none */
    unsigned int gen;                   /* generation of the armed poll */
    short revents;                      /* scratch: fired bits (POLL*) */
    char dirty;                         /* on the dirty list */
    char nosock;                        /* socket operations fail: use polls */
    char rpoll;                         /* latest readiness poll pending */
    char opoll;                         /* an older one still armed */
    char empty;                         /* receive queue known empty */
    char multi;                         /* the armed poll is the standing
                                           (multishot POLLIN) one */
    char stream;                        /* 0 not asked yet, 1 a TCP or
                                           AF_UNIX stream socket, 2 not */
    unsigned int rgen;                  /* generation of the latest */
    unsigned int ogen;                  /* and of the older one */
    unsigned int reg_tail;              /* CQ tail when the latest poll
                                           waiter came: CQEs before it may
                                           tell of data read since */
    _st_pollnode_t *waiters;            /* NULL-terminated node list */
} ur_fd_t;

typedef struct ur_op {
    _st_clist_t links;                  /* E->ops while pending */
    const _st_io_req_t *req;            /* what to do */
    _st_thread_t *thread;               /* who waits */
    unsigned long long seq;             /* registration order */
    int res;                            /* CQE result once done */
    int done;                           /* CQE seen */
    int cancelling;                     /* cancel queued */
    int linked;                         /* a readiness poll follows it */
    unsigned int pgen;                  /* that poll's generation */
    int gated;                          /* test hook: a gate read precedes */
    uint64_t gatebuf;                   /* its byte (8-aligned: its address
                                           is the read's TAG_NONE user_data) */
} ur_op_t;

typedef struct ur_ready {
    unsigned long long seq;             /* registration order */
    _st_pollq_t *pq;                    /* a poll request, or */
    ur_op_t *op;                        /* an operation */
} ur_ready_t;

struct ur_state {
    struct io_uring ring;               /* the ring */
    unsigned long fork_gen;             /* _st_fork_generation at creation */
    ur_fd_t *tab;                       /* indexed by descriptor */
    int tabsize;                        /* entries in tab */
    int *dirty;                         /* descriptors to reconcile */
    int ndirty;                         /* entries used */
    int *fired;                         /* scratch: descriptors fired */
    ur_ready_t *ready;                  /* scratch: requests to wake */
    int readycap;                       /* its entries */
    _st_clist_t ops;                    /* pending operations */
    unsigned int scan;                  /* CQ index scanned for news up to */
    int gate;                           /* test hook: ST_TEST_FILEIO_GATE */
    int iowq;                           /* bounded io-wq workers set, or -1 */
};

/* The scheduler's ring state (NULL before init). */
extern __thread struct ur_state *_st_ur_state ST_HIDDEN
    __attribute__((tls_model("initial-exec")));
#define E _st_ur_state

/* ev_io_uring.c */
struct io_uring_sqe *_st_ur_get_sqe(void) ST_HIDDEN;
uint64_t _st_ur_rpoll_ud(int fd, unsigned int gen) ST_HIDDEN;
void _st_ur_remove_rpoll(int fd, unsigned int gen) ST_HIDDEN;
int _st_ur_reserve(int fd) ST_HIDDEN;
void _st_ur_rebuild(void) ST_HIDDEN;

/* After fork the ring belongs to the parent: make our own first. */
static inline void _st_ur_check_fork(void)
{
    if (_st_unlikely(E->fork_gen != _st_fork_generation()))
        _st_ur_rebuild();
}

/* uring_io.c */
void _st_ur_queue_op(ur_op_t *op) ST_HIDDEN;
void _st_ur_op_finish(ur_op_t *op, int res) ST_HIDDEN;
void _st_ur_note_op(ur_fd_t *e, const ur_op_t *op, int res) ST_HIDDEN;
long _st_ur_sock_io(const _st_io_req_t *req, st_utime_t timeout) ST_HIDDEN;
int _st_ur_sock_doomed(int osfd) ST_HIDDEN;
void _st_ur_sock_drained(int osfd) ST_HIDDEN;
long _st_ur_file_io(const _st_io_req_t *req, st_utime_t timeout) ST_HIDDEN;
void _st_ur_cancel_all(void) ST_HIDDEN;

#endif /* ST_URING_H */
