/* SPDX-License-Identifier: MIT */
/* common.h - internal types and helpers shared by the portable library. */
#ifndef ST_COMMON_H
#define ST_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>

#include "st.h"
#include "md.h"
#include "stats.h"

#define _st_likely(x)   __builtin_expect(!!(x), 1)
#define _st_unlikely(x) __builtin_expect(!!(x), 0)

/* Abort with file:line on a broken internal invariant (never for bad
 * caller input, which gets an errno). */
#define ST_ASSERT(cond) \
    do { if (_st_unlikely(!(cond))) _st_fatal(__FILE__, __LINE__, #cond); } \
    while (0)
void _st_fatal(const char *file, int line, const char *what) ST_HIDDEN
    __attribute__((noreturn));

#define ST_KEYS_MAX             16
#define ST_MAX_FD_INDEX         (1 << 28)   /* largest descriptor a table grows to */
#define ST_DEFAULT_STACK_SIZE   (128 * 1024)

/* ---- circular doubly-linked lists ------------------------------------ */
typedef struct _st_clist {
    struct _st_clist *next;             /* following node, or the head */
    struct _st_clist *prev;             /* preceding node, or the head */
} _st_clist_t;

#define ST_CLIST_INIT(l)    ((l)->next = (l)->prev = (l))
#define ST_CLIST_EMPTY(l)   ((l)->next == (l))
#define ST_CONTAINER(p, type, member) \
    ((type *)(void *)((char *)(p) - offsetof(type, member)))

static inline void _st_clist_append(_st_clist_t *head, _st_clist_t *e)
{
    e->next = head;
    e->prev = head->prev;
    head->prev->next = e;
    head->prev = e;
}

static inline void _st_clist_prepend(_st_clist_t *head, _st_clist_t *e)
{
    e->prev = head;
    e->next = head->next;
    head->next->prev = e;
    head->next = e;
}

static inline void _st_clist_remove(_st_clist_t *e)
{
    e->next->prev = e->prev;
    e->prev->next = e->next;
    e->next = e->prev = e;
}

/* Remove e and leave its links stale: for the hot paths, where e is
 * linked again before anyone looks at it. */
static inline void _st_clist_unlink(_st_clist_t *e)
{
    e->next->prev = e->prev;
    e->prev->next = e->next;
}

/* ---- stacks ----------------------------------------------------------- */
typedef struct _st_stack {
    _st_clist_t links;                  /* stack cache membership */
    char *vaddr;                        /* start of the whole mapping */
    size_t vaddr_size;                  /* length of the whole mapping */
    char *bottom;                       /* lowest usable address */
    char *top;                          /* highest usable address (excl.) */
    size_t size;                        /* usable bytes, >= the request */
    unsigned int gen;                   /* times this mapping was used */
    int guarded;                        /* ST_GUARD_*: what the low zone is */
    int randomized;                     /* has a spare page for st_randomize_stacks */
    void *tcb;                          /* where the thread block goes */
    unsigned int valgrind_id;           /* VALGRIND_STACK_REGISTER id */
    unsigned int valgrind_boot_id;      /* that of the boot area (setjmp) */
    void *tsan_fiber;                   /* ThreadSanitizer fiber */
} _st_stack_t;

enum {
    ST_GUARD_NONE,                      /* never-written: switch-time check */
    ST_GUARD_PAGES,                     /* PROT_NONE, within the budget */
    ST_GUARD_REGION                     /* MADV_GUARD_INSTALL markers */
};

/* ---- threads ---------------------------------------------------------- */
enum {
    ST_ST_RUNNING,                      /* the current thread */
    ST_ST_RUNNABLE,                     /* on the run queue */
    ST_ST_IO_WAIT,                      /* in st_poll */
    ST_ST_LOCK_WAIT,                    /* queued on a mutex */
    ST_ST_COND_WAIT,                    /* queued on a cond (or join) */
    ST_ST_SLEEPING,                     /* timed sleep */
    ST_ST_SUSPENDED,                    /* sleep with no timeout */
    ST_ST_ZOMBIE,                       /* exited joinable, not joined */
    ST_ST_DEAD                          /* finished; resources released */
};

#define ST_FL_PRIMORDIAL    0x01        /* runs on the process stack */
#define ST_FL_IDLE          0x02        /* the idle thread */
#define ST_FL_ON_SLEEPQ     0x04        /* has a timer in the heap */
#define ST_FL_INTERRUPT     0x08        /* interrupt pending */
#define ST_FL_TIMEDOUT      0x10        /* woken by its timer */
#define ST_FL_JOINABLE      0x20        /* created joinable */
#define ST_FL_JOINED        0x40        /* a joiner took its value */

struct _st_cond {
    _st_clist_t wait_q;                 /* threads linked by wait_links */
};

struct _st_mutex {
    struct _st_thread *owner;           /* NULL when free */
    uint64_t owner_serial;              /* and its serial: a later thread
                                           whose block reuses the address
                                           is not the owner */
    _st_clist_t wait_q;                 /* threads linked by wait_links */
};

typedef struct _st_thread _st_thread_t;
struct _st_thread {
    /* What a switch touches first, in the block's first cache line (with
     * the asm methods, whose context is one word). */
    int state;                          /* ST_ST_* */
    int flags;                          /* ST_FL_* */
    struct _st_thread *rnext;           /* next in the run queue (stale
                                           otherwise) */
    _st_clist_t wait_links;             /* cond or mutex wait queue */
    const volatile uint64_t *red_word;  /* unguarded stack: the top word of
                                           its red zone, non-zero after an
                                           overflow; else NULL (no check) */
    _st_md_context_t ctx;               /* saved machine context */
    uintptr_t stack_limit;              /* sp below this is an overflow */
    _st_clist_t all_links;              /* every live thread, for debuggers */
    void *(*start)(void *arg);          /* start function */
    void *arg;                          /* its argument */
    void *retval;                       /* value passed to st_thread_exit */
    _st_stack_t *stack;                 /* NULL for the primordial thread */
    st_utime_t due;                     /* timer deadline, in clock ticks
                                           (timer.c) */
    size_t heap_index;                  /* slot in the timer heap */
    struct _st_cond term;               /* joiners wait here */
    uintptr_t magic;                    /* handle check, see THREAD_MAGIC */
    uint64_t serial;                    /* unique in its scheduler */
    int nkeys;                          /* private_data[0..nkeys) are set;
                                           the rest read as NULL */
    char name[ST_THREAD_NAME_MAX];      /* optional name, NUL-terminated */
    void *asan_fake_stack;              /* AddressSanitizer fiber state */
    void *private_data[ST_KEYS_MAX];    /* thread-specific values */
};

#define ST_THREAD_MAGIC ((uintptr_t)0x5354687265616421ULL)
#define ST_THREAD_VALID(t) \
    ((t) != NULL && (t)->magic == ((uintptr_t)(t) ^ ST_THREAD_MAGIC))
/* A handle that still names a thread (not finished, not joined). */
#define ST_THREAD_LIVE(t) \
    (ST_THREAD_VALID(t) && (t)->state != ST_ST_DEAD && \
     !((t)->flags & ST_FL_JOINED))

/* ---- poll requests and event systems --------------------------------- */
typedef struct _st_pollq _st_pollq_t;

/* One per pollfd entry; backends that index waiters by descriptor
 * (epoll) link these into per-descriptor lists. */
typedef struct _st_pollnode {
    _st_clist_t links;                  /* per-descriptor waiter list */
    _st_pollq_t *pq;                    /* owning request */
} _st_pollnode_t;

struct _st_pollq {
    _st_clist_t links;                  /* the scheduler's I/O list */
    struct pollfd *pds;                 /* caller's array */
    int npds;                           /* its length */
    int on_ioq;                         /* still registered */
    _st_thread_t *thread;               /* the waiting thread */
    unsigned long long seq;             /* registration order */
    _st_pollnode_t *nodes;              /* npds nodes, or NULL */
    int ready;                          /* scratch for dispatch */
    void (*notify)(_st_pollq_t *pq);    /* NULL: wake thread; else called
                                           instead (internal requests) */
};

/* What a backend may perform itself instead of a poll wait: a socket
 * call that would block (io_uring queues it on its ring) and a call on a
 * regular file (the ring, or the helper pool of fileio.c). */
enum {
    ST_IO_RECV, ST_IO_RECVMSG, ST_IO_ACCEPT, ST_IO_SEND, ST_IO_SENDMSG,
    ST_IO_FREAD,                        /* read/readv/pread on a file */
    ST_IO_FWRITE,                       /* write/writev/pwrite on a file */
    ST_IO_FSYNC,                        /* fsync */
    ST_IO_FDATASYNC                     /* fdatasync */
};
struct msghdr;
struct sockaddr;
struct iovec;
typedef struct _st_io_req {
    int kind;                           /* ST_IO_* */
    int osfd;                           /* the descriptor */
    void *buf;                          /* RECV/SEND/FREAD/FWRITE buffer */
    size_t len;                         /* its length */
    struct msghdr *msg;                 /* RECVMSG/SENDMSG header */
    int flags;                          /* msg flags, or accept4 flags */
    struct sockaddr *addr;              /* ACCEPT peer address or NULL */
    unsigned int *addrlen;              /* its length (socklen_t) or NULL */
    const struct iovec *iov;            /* FREAD/FWRITE vectors, and */
    int iovcnt;                         /* their number (> 0 or iov set:
                                           the vector form) */
    off_t off;                          /* FREAD/FWRITE offset, -1 = the
                                           file position (read/write) */
} _st_io_req_t;

typedef struct _st_eventsys_ops {
    const char *name;                   /* reported by st_get_eventsys_name */
    int val;                            /* ST_EVENTSYS_* */
    int (*probe)(void);                 /* 0 if usable on this kernel */
    int (*init)(void);                  /* per-scheduler set-up */
    void (*destroy)(void);              /* release everything */
    int (*pollset_add)(_st_pollq_t *pq);/* register atomically, or -1 */
    void (*pollset_del)(_st_pollq_t *pq);/* unregister */
    void (*dispatch)(void);             /* wait and wake ready requests */
    int (*fd_new)(int osfd);            /* a netfd is made on osfd */
    int (*fd_close)(int osfd);          /* EBUSY if waited on */
    void (*fd_free)(int osfd);          /* the netfd on osfd went away */
    int (*fd_getlimit)(void);           /* 0 = no limit */
    /* Perform a socket call that would block (req->kind < ST_IO_FREAD),
     * waiting up to timeout: its result (>= 0), -1 with errno (ETIME,
     * EINTR, the kernel's error), or -2 when the caller must wait with a
     * poll and retry the system call.  NULL: always the poll. */
    long (*sock_io)(const _st_io_req_t *req, st_utime_t timeout);
    /* NULL, or: a read or accept of osfd would certainly fail with EAGAIN
     * now (the caller skips the system call and goes to sock_io). */
    int (*sock_doomed)(int osfd);
    /* NULL, or: a read system call of osfd just returned fewer bytes than
     * asked (more than none), so a stream socket's receive queue was
     * empty when it returned (io_uring keeps its standing poll then). */
    void (*sock_drained)(int osfd);
    /* Perform a call on a regular file so that only the calling thread
     * waits: the result (>= 0) or -1 with errno, as fileio.c documents
     * for timeouts and interrupts. */
    long (*file_io)(const _st_io_req_t *req, st_utime_t timeout);
} _st_eventsys_ops_t;

extern const _st_eventsys_ops_t _st_eventsys_select ST_HIDDEN;
extern const _st_eventsys_ops_t _st_eventsys_poll ST_HIDDEN;
extern const _st_eventsys_ops_t _st_eventsys_epoll ST_HIDDEN;
extern const _st_eventsys_ops_t _st_eventsys_kqueue ST_HIDDEN;
extern const _st_eventsys_ops_t _st_eventsys_io_uring ST_HIDDEN;

/* fileio.c: the helper pool, the file_io of every event system without
 * a ring (and io_uring's fallback); the call itself, done in the caller
 * or a helper; the pool's part of st_destroy and of the idle loop. */
long _st_pool_file_io(const _st_io_req_t *req, st_utime_t timeout) ST_HIDDEN;
long _st_file_call(const _st_io_req_t *req) ST_HIDDEN;
void _st_pool_destroy(void) ST_HIDDEN;
void _st_pool_rearm(void) ST_HIDDEN;
int _st_fileio_gate(int *note) ST_HIDDEN;

/* ---- netfds ----------------------------------------------------------- */
struct _st_netfd {
    int osfd;                           /* wrapped descriptor */
    int inuse;                          /* 0 while on the free list */
    void *private_data;                 /* st_netfd_setspecific value */
    void (*destructor)(void *);         /* and its destructor */
    struct _st_netfd *next;             /* free list */
    struct _st_netfd *all_next;         /* every object ever allocated */
    int regular;                        /* a regular file (fstat at open):
                                           its calls go to file_io */
    int nfile;                          /* file calls in flight */
    struct _st_mutex fpos;              /* serializes the calls that use
                                           the file position */
};

/* ---- the per-OS-thread scheduler -------------------------------------- */
typedef struct _st_vp {
    int initialized;                    /* st_init done */
    uint64_t thread_serial;             /* the last serial given */
    _st_thread_t *current;              /* running thread */
    _st_thread_t *idle;                 /* idle thread */
    _st_thread_t *primordial;           /* st_init's caller */
    _st_thread_t *runq_head;            /* runnable threads, by rnext; */
    _st_thread_t **runq_tail;           /* the last one's rnext, or
                                           &runq_head when empty */
    _st_clist_t io_q;                   /* poll requests (links) */
    _st_clist_t all_q;                  /* all live threads (all_links) */
    _st_thread_t **heap;                /* timer min-heap by due */
    size_t heap_len;                    /* threads in the heap */
    size_t heap_cap;                    /* allocated slots */
    st_utime_t last_clock;              /* last clock reading */
    int clock_stale;                    /* a clock check was skipped */
    int fine_clock;                     /* built-in clock: ticks are ns */
#if !defined(ST_DEBUG_STATS)           /* else TLS variables (stats.h) */
    int active_count;                   /* threads keeping us alive */
#endif
    int nthreads;                       /* live threads (introspection) */
    st_switch_cb_t switch_in_cb;        /* run after switching in */
    st_switch_cb_t switch_out_cb;       /* run before switching out */
    int hooks;                          /* either of them is set */
    const _st_eventsys_ops_t *ev;       /* chosen backend or NULL */
    unsigned long long pollq_seq;       /* next poll request number */
    size_t pagesize;                    /* cached sysconf value */
    _st_clist_t stack_cache;            /* free stacks, most recent first */
#if !defined(ST_DEBUG_STATS)
    size_t stack_cache_len;             /* stacks in the cache */
#endif
    struct _st_netfd *netfd_free;       /* LIFO of free netfd objects */
    struct _st_netfd *netfd_all;        /* all objects, for st_destroy */
    time_t cached_time;                 /* st_time cache, 0 = off */
    st_utime_t cached_time_stamp;       /* when it was read */
    int randomize_stacks;               /* st_randomize_stacks value */
    int exiting;                        /* final exit in progress */
    const void *prim_stack_bottom;      /* process stack, for ASan */
    size_t prim_stack_size;             /* its size, 0 until known */
    void *prim_tsan_fiber;              /* the OS thread's TSan fiber */
    uint64_t rng;                       /* private PRNG state */
    unsigned int stack_color;           /* next new mapping's first slot */
    int key_count;                      /* keys created (key.c) */
    void (*key_destructors[ST_KEYS_MAX])(void *);
    int fileio_cfg;                     /* st_set_fileio_threads + 1;
                                           0 = the default */
    int pool_rearm;                     /* the pool's poll fired (idle) */
    struct _st_pool *pool;              /* file helper pool or NULL */
} _st_vp_t;

extern __thread _st_vp_t _st_this_vp ST_HIDDEN
    __attribute__((tls_model("initial-exec")));
#define VP (&_st_this_vp)

/* sched.c */
void _st_switch(void) ST_HIDDEN;

/* timer.c */
void _st_add_sleepq(_st_thread_t *t, st_utime_t timeout) ST_HIDDEN;
void _st_del_sleepq(_st_thread_t *t) ST_HIDDEN;
void _st_check_clock(void) ST_HIDDEN;
st_utime_t _st_next_timeout(void) ST_HIDDEN;   /* NO_TIMEOUT if none */
uint64_t _st_next_timeout_ns(void) ST_HIDDEN;   /* 0 if due or none */
void _st_clock_start(void) ST_HIDDEN;           /* st_init: first reading */
void _st_clock_users(int delta) ST_HIDDEN;      /* schedulers on the clock */
st_utime_t _st_due_us(const _st_thread_t *t) ST_HIDDEN; /* t->due in us */
/* timerfd.c: for an event wait of timeout us (from _st_next_timeout), a
 * descriptor that becomes readable on time, to wait on with no timeout
 * instead (*fresh: just made), or -1 to use the timeout. */
int _st_tfd_arm(st_utime_t timeout, int *fresh) ST_HIDDEN;
void _st_tfd_fired(void) ST_HIDDEN;             /* the wait saw it readable */
void _st_tfd_close(void) ST_HIDDEN;             /* st_destroy */
void _st_timer_reset(void) ST_HIDDEN;

/* stack.c */
void _st_stack_cache_trim(size_t keep) ST_HIDDEN;
void _st_stack_overflow(_st_thread_t *t) ST_HIDDEN __attribute__((noreturn));
void _st_stack_overflow_report(_st_thread_t *t, const char *how) ST_HIDDEN;
int _st_stack_in_guard(const _st_thread_t *t, const void *addr) ST_HIDDEN;

/* guard.c */
int _st_guard_handler_init(void) ST_HIDDEN;
void _st_guard_handler_fini(void) ST_HIDDEN;

/* Process-level set-up by st_init, undone by st_destroy: Winsock on
 * Windows (lib/win32/os.c), nothing elsewhere. */
#if defined(_WIN32)
int _st_os_init(void) ST_HIDDEN;
void _st_os_fini(void) ST_HIDDEN;
#else
static inline int _st_os_init(void) { return 0; }
static inline void _st_os_fini(void) { }
#endif

/* key.c */
void _st_key_run_destructors(_st_thread_t *t) ST_HIDDEN;

/* netfd.c */
void _st_netfd_destroy_all(void) ST_HIDDEN;

/* eventsys.c */
int _st_eventsys_resolve(void) ST_HIDDEN;
unsigned long _st_fork_generation(void) ST_HIDDEN;
/* 0 if fd is an open descriptor, else -1 with EBADF. */
int _st_fd_check_open(int fd) ST_HIDDEN;


/* ---- poll-set validation (every backend's pollset_add) --------------- */

/* A request is registered only if every entry is valid: fd >= 0 (and
 * below fdmax unless fdmax is 0), events non-zero and within allowed.
 * Otherwise EINVAL, nothing done. */
static inline int _st_pollq_check(const _st_pollq_t *pq, short allowed,
                                  int fdmax)
{
    int i;

    for (i = 0; i < pq->npds; i++) {
        const struct pollfd *p = &pq->pds[i];
        int fd = (int)p->fd;            /* a SOCKET on Windows */
        if (fd < 0 || (fdmax > 0 && fd >= fdmax) || p->events == 0 ||
            (p->events & ~allowed)) {
            errno = EINVAL;
            return -1;
        }
    }
    return 0;
}

/* May a table of size entries indexed by descriptor hold fd, growing
 * if needed?  0 if fd is below size or open, else -1 with EBADF: a bogus
 * number must not cost memory in proportion to its value before
 * anything refuses it.  (Inline: the usual answer costs no call.) */
static inline int _st_fd_may_grow(int fd, size_t size)
{
    if (_st_likely(fd >= 0 && (size_t)fd < size))
        return 0;
    return _st_fd_check_open(fd);
}

/* ---- run queue (inline: every wake-up goes through here) ------------- */
/*
 * Singly linked, with a pointer to the last link: threads leave only at
 * the head, so taking one reads its own block and writes none other's
 * (a doubly linked list would write the next thread's back link, one
 * more cache line per switch, cold when many threads take turns).
 */
static inline void _st_runq_init(_st_vp_t *vp)
{
    vp->runq_head = NULL;
    vp->runq_tail = &vp->runq_head;
}

static inline int _st_runq_empty(const _st_vp_t *vp)
{
    return vp->runq_head == NULL;
}

/* The head of a non-empty queue, taken off it.  The block of the thread
 * after it is fetched now, for writing: it runs next but one, and when
 * many threads take turns it has left the cache since it last ran (a
 * ring of 100 yielding threads: 43.7 to 42.6 ns per switch on an Intel
 * Xeon, doc/BENCHMARKS.md). */
static inline _st_thread_t *_st_runq_pop(_st_vp_t *vp)
{
    _st_thread_t *t = vp->runq_head, *n = t->rnext;

    vp->runq_head = n;
    if (n == NULL)
        vp->runq_tail = &vp->runq_head;
    else {
        __builtin_prefetch(n, 1);
#if defined(ST_MD_ASM)
        /* And the registers its switch will pop (64 bytes at sp, which
         * may straddle two lines).  A thread that has not run yet has no
         * saved sp: the sum is done on integers (a prefetch of a bad
         * address is harmless, pointer arithmetic on NULL is not). */
        uintptr_t sp = (uintptr_t)n->ctx.sp;
        __builtin_prefetch((const void *)sp);
        __builtin_prefetch((const void *)(sp + 64));
#endif
    }
    return t;
}

static inline void _st_add_runq(_st_thread_t *t)
{
    _st_vp_t *vp = VP;

    t->state = ST_ST_RUNNABLE;
    t->rnext = NULL;
    *vp->runq_tail = t;
    vp->runq_tail = &t->rnext;
}

static inline void _st_add_runq_head(_st_thread_t *t)
{
    _st_vp_t *vp = VP;

    t->state = ST_ST_RUNNABLE;
    t->rnext = vp->runq_head;
    if (vp->runq_head == NULL)
        vp->runq_tail = &t->rnext;
    vp->runq_head = t;
}

/* Make a blocked thread runnable: cancel its timer, append it. */
static inline void _st_wake(_st_thread_t *t)
{
    if (t->flags & ST_FL_ON_SLEEPQ)
        _st_del_sleepq(t);
    _st_add_runq(t);
}

/* Make a poll request's thread runnable (called by dispatch after revents
 * are written and the request is unregistered); an internal request
 * (thread NULL) has its notify function called instead. */
static inline void _st_pollq_wake(_st_pollq_t *pq)
{
    _st_clist_remove(&pq->links);
    pq->on_ioq = 0;
    if (_st_unlikely(pq->notify != NULL))
        pq->notify(pq);
    else
        _st_wake(pq->thread);
}

/* st_set_fileio_threads: how many helpers may run file calls at once
 * (0: block in the caller). */
#define ST_FILEIO_DEFAULT 4
static inline int _st_fileio_threads(void)
{
    int c = VP->fileio_cfg;

    return c ? c - 1 : ST_FILEIO_DEFAULT;
}

/* Called as t switches out, on t's stack, if it has no guard page (the
 * guard catches the rest): the stack pointer must be inside the stack
 * and the never-written word below it must still be zero. */
/* The stack pointer, read without taking a local's address (which would
 * give every wait a stack frame for the check's sake alone). */
static inline __attribute__((always_inline)) uintptr_t _st_sp(void)
{
    uintptr_t sp;
#if defined(__GNUC__) && defined(__x86_64__)
    __asm__("movq %%rsp, %0" : "=r"(sp));
#elif defined(__GNUC__) && defined(__i386__)
    __asm__("movl %%esp, %0" : "=r"(sp));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("mov %0, sp" : "=r"(sp));
#else
    volatile char here;
    sp = (uintptr_t)&here;
#endif
    return sp;
}

static inline void _st_stack_check(_st_thread_t *t)
{
    const volatile uint64_t *w = t->red_word;

    if (w != NULL && (_st_unlikely(_st_sp() < t->stack_limit) ||
                      _st_unlikely(*w != 0)))
        _st_stack_overflow(t);
}

/* Saturating deadline: base + timeout never wraps. */
static inline st_utime_t _st_deadline(st_utime_t base, st_utime_t timeout)
{
    st_utime_t d = base + timeout;
    return d < base ? (ST_UTIME_NO_TIMEOUT - 1) : d;
}

#endif /* ST_COMMON_H */
