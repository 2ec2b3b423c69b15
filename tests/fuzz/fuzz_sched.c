/* SPDX-License-Identifier: MIT */
/* fuzz_sched.c - libFuzzer harness for the scheduler and the objects.
 *
 * The input is a script: byte 0 picks the event system (low bits mod 4)
 * and the number of workers; then each operation is two bytes (opcode, argument).  A few
 * worker threads take operations from the shared script in turn, so
 * operations of different threads interleave at every switch point.
 * Operations act on small pools of objects: threads (joinable and
 * detached, which themselves run a few script operations), condition
 * variables, mutexes, keys and netfds on socketpairs.  Shadow state is
 * kept for every object and checked after every operation:
 *   - a mutex has the owner the shadow says (trylock by the owner is
 *     EBUSY, unlock by another is EPERM, lock returns only to one owner);
 *   - destroy succeeds exactly when nobody owns or waits (cond, mutex);
 *   - a destroyed/closed/freed object is never used again (the slot is
 *     cleared; AddressSanitizer catches the library touching freed
 *     memory);
 *   - join returns the value the thread returned;
 *   - thread-specific values read back as set, destructors only see
 *     values that were set;
 *   - every call returns one of the results the API allows;
 *   - nothing blocks forever: every wait has a timeout, or is
 *     interrupted in the final phase, which is itself bounded.
 * Each input runs in a fresh scheduler: st_init at the start, st_destroy
 * at the end.
 *
 * Built by tests/fuzz/run.sh; -DST_FUZZ_REPLAY builds a main() that
 * replays files and directories given as arguments (no libFuzzer).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "st.h"

#define NTHREADS 8                      /* spawned-thread slots */
#define NWORKERS_MAX 4
#define NCONDS 3
#define NMUTEXES 3
#define NNETFDS 4                       /* two socketpairs */
#define NKEYS_MAX 16
#define MAX_OPS 512                     /* per input */

#define FAIL(...)                                                       \
    do {                                                                \
        fprintf(stderr, "fuzz_sched: invariant violated at %s:%d: ",    \
                __FILE__, __LINE__);                                    \
        fprintf(stderr, __VA_ARGS__);                                   \
        fputc('\n', stderr);                                            \
        abort();                                                        \
    } while (0)

#define CHECK(cond, ...) do { if (!(cond)) FAIL(__VA_ARGS__); } while (0)

enum {
    OP_CREATE_J, OP_CREATE_D, OP_JOIN, OP_INTERRUPT, OP_YIELD, OP_SLEEP,
    OP_COND_NEW, OP_COND_WAIT, OP_COND_TIMEDWAIT, OP_COND_SIGNAL,
    OP_COND_BROADCAST, OP_COND_DESTROY, OP_MUTEX_NEW, OP_MUTEX_LOCK,
    OP_MUTEX_UNLOCK, OP_MUTEX_TRYLOCK, OP_MUTEX_DESTROY, OP_KEY_CREATE,
    OP_KEY_SET, OP_KEY_GET, OP_NETFD_OPEN, OP_NETFD_CLOSE, OP_NETFD_FREE,
    OP_READ, OP_WRITE, OP_POLL, NOPS
};

/* ---- state of one input ------------------------------------------------- */

struct tslot {
    st_thread_t t;                      /* NULL: free */
    int joinable;
    int exited;                         /* joinable thread finished */
    int joining;                        /* a thread is inside join */
    void *token;                        /* what the thread returns */
    int budget;                         /* script operations it runs */
};

struct mslot {
    st_mutex_t m;
    st_thread_t owner;                  /* shadow owner */
    int waiters;                        /* threads inside st_mutex_lock */
};

struct cslot {
    st_cond_t c;
    int waiters;                        /* threads inside a wait */
};

struct nslot {
    st_netfd_t f;
    int waiters;                        /* threads inside I/O on it */
};

static struct {
    const uint8_t *script;
    size_t len, pos;                    /* ops are script[pos], [pos+1] */
    int ops_done;
    int stop;
    int backend;
    int live;                           /* threads running their body */
    unsigned long serial;
    struct tslot th[NTHREADS];
    struct mslot mx[NMUTEXES];
    struct cslot cv[NCONDS];
    struct nslot nf[NNETFDS];
} S;

/* Keys are process-wide and never deleted: they outlive inputs. */
static int keys[NKEYS_MAX], nkeys;
static char key_tokens[64];
static unsigned long dtor_calls;

static void key_dtor(void *v)
{
    CHECK((char *)v >= key_tokens && (char *)v < key_tokens + sizeof key_tokens,
          "key destructor got a value never set: %p", v);
    dtor_calls++;
}

/* Per-thread context, on the thread's stack. */
struct ctx {
    st_thread_t self;
    int budget;                         /* ops left, -1: until the end */
    void *kv[NKEYS_MAX];                /* shadow thread-specific values */
};

static int next_op(struct ctx *c, uint8_t *op, uint8_t *arg)
{
    if (S.stop || c->budget == 0 || S.pos + 2 > S.len ||
        S.ops_done >= MAX_OPS)
        return 0;
    *op = S.script[S.pos] % NOPS;
    *arg = S.script[S.pos + 1];
    S.pos += 2;
    S.ops_done++;
    if (c->budget > 0)
        c->budget--;
    return 1;
}

static st_utime_t small_tmo(uint8_t arg)
{
    return (st_utime_t)(arg >> 4) * 200;   /* 0 .. 3 ms */
}

static void check_invariants(struct ctx *c)
{
    int i;

    CHECK(st_thread_self() == c->self, "st_thread_self changed");
    for (i = 0; i < NMUTEXES; i++) {
        if (S.mx[i].m != NULL && S.mx[i].owner == c->self) {
            errno = 0;
            CHECK(st_mutex_trylock(S.mx[i].m) == -1 && errno == EBUSY,
                  "trylock by the owner of mutex %d did not fail EBUSY", i);
        }
    }
    for (i = 0; i < nkeys; i++)
        CHECK(st_thread_getspecific(keys[i]) == c->kv[i],
              "key %d reads back %p, set %p", i,
              st_thread_getspecific(keys[i]), c->kv[i]);
}

static void run_ops(struct ctx *c);

static void release_mutexes(struct ctx *c)
{
    int i;

    for (i = 0; i < NMUTEXES; i++) {
        if (S.mx[i].m != NULL && S.mx[i].owner == c->self) {
            S.mx[i].owner = NULL;
            CHECK(st_mutex_unlock(S.mx[i].m) == 0,
                  "unlock by the owner failed: errno %d", errno);
        }
    }
}

static void *spawned(void *arg)
{
    int slot = (int)(long)arg;
    struct ctx c;
    void *token;

    memset(&c, 0, sizeof c);
    c.self = st_thread_self();
    CHECK(c.self == S.th[slot].t, "st_thread_self is not the handle");
    c.budget = S.th[slot].budget;
    run_ops(&c);
    release_mutexes(&c);
    token = S.th[slot].token;
    if (S.th[slot].joinable) {
        S.th[slot].exited = 1;
    } else {
        memset(&S.th[slot], 0, sizeof S.th[slot]);  /* handle dies now */
    }
    S.live--;
    return token;
}

static void *worker(void *arg)
{
    struct ctx c;

    (void)arg;
    memset(&c, 0, sizeof c);
    c.self = st_thread_self();
    c.budget = -1;
    run_ops(&c);
    release_mutexes(&c);
    S.live--;
    return NULL;
}

static int expect_errno(int r, int e1, int e2, int e3)
{
    return r == -1 && (errno == e1 || errno == e2 || errno == e3);
}

static void op_create(struct ctx *c, int joinable, uint8_t arg)
{
    int i = arg % NTHREADS;
    struct tslot *s = &S.th[i];

    (void)c;
    if (s->t != NULL)
        return;
    s->joinable = joinable;
    s->exited = 0;
    s->joining = 0;
    s->token = (void *)(uintptr_t)(0x1000 + 16 * ++S.serial);
    s->budget = 1 + (arg >> 3) % 6;
    s->t = st_thread_create(spawned, (void *)(long)i, joinable,
                            (arg & 4) ? 0 : 32768);
    CHECK(s->t != NULL, "st_thread_create failed: errno %d", errno);
    S.live++;
}

static void op_join(struct ctx *c, uint8_t arg)
{
    int i = arg % NTHREADS;
    struct tslot *s = &S.th[i];
    st_thread_t t = s->t;
    void *v = NULL;
    int r;

    if (t == NULL)
        return;
    errno = 0;
    if (t == c->self) {
        r = st_thread_join(t, &v);
        CHECK(expect_errno(r, s->joinable ? EDEADLK : EINVAL, -1, -1),
              "self join: %d errno %d", r, errno);
        return;
    }
    if (!s->joinable) {
        r = st_thread_join(t, &v);
        CHECK(expect_errno(r, EINVAL, -1, -1),
              "join of a detached thread: %d errno %d", r, errno);
        return;
    }
    if (s->joining) {
        r = st_thread_join(t, &v);
        CHECK(expect_errno(r, EINVAL, -1, -1),
              "second joiner: %d errno %d", r, errno);
        return;
    }
    s->joining = 1;
    r = st_thread_join(t, &v);
    s->joining = 0;
    if (r == 0) {
        CHECK(s->t == t && s->exited, "join returned before the exit");
        CHECK(v == s->token, "join returned %p, thread returned %p", v,
              s->token);
        memset(s, 0, sizeof *s);
    } else {
        CHECK(errno == EINTR, "join failed: errno %d", errno);
    }
}

static void op_interrupt(struct ctx *c, uint8_t arg)
{
    struct tslot *s = &S.th[arg % NTHREADS];

    (void)c;
    if (s->t != NULL)
        st_thread_interrupt(s->t);
}

static void op_cond(struct ctx *c, int op, uint8_t arg)
{
    struct cslot *s = &S.cv[arg % NCONDS];
    int r;

    (void)c;
    if (op == OP_COND_NEW) {
        if (s->c == NULL) {
            s->c = st_cond_new();
            CHECK(s->c != NULL, "st_cond_new failed");
        }
        return;
    }
    if (s->c == NULL)
        return;
    errno = 0;
    switch (op) {
    case OP_COND_WAIT:
    case OP_COND_TIMEDWAIT:
        s->waiters++;
        r = op == OP_COND_WAIT ? st_cond_wait(s->c) :
            st_cond_timedwait(s->c, small_tmo(arg));
        s->waiters--;
        CHECK(r == 0 || expect_errno(r, EINTR,
                                     op == OP_COND_WAIT ? EINTR : ETIME, -1),
              "cond wait: %d errno %d", r, errno);
        CHECK(s->c != NULL, "cond destroyed under a waiter");
        break;
    case OP_COND_SIGNAL:
        CHECK(st_cond_signal(s->c) == 0, "st_cond_signal failed");
        break;
    case OP_COND_BROADCAST:
        CHECK(st_cond_broadcast(s->c) == 0, "st_cond_broadcast failed");
        break;
    case OP_COND_DESTROY:
        r = st_cond_destroy(s->c);
        if (s->waiters == 0) {
            CHECK(r == 0, "cond destroy without waiters: errno %d", errno);
            s->c = NULL;
        } else {
            CHECK(expect_errno(r, EBUSY, -1, -1),
                  "cond destroy with %d waiters: %d errno %d", s->waiters, r,
                  errno);
        }
        break;
    }
}

static void op_mutex(struct ctx *c, int op, uint8_t arg)
{
    struct mslot *s = &S.mx[arg % NMUTEXES];
    int r;

    if (op == OP_MUTEX_NEW) {
        if (s->m == NULL) {
            s->m = st_mutex_new();
            CHECK(s->m != NULL, "st_mutex_new failed");
            s->owner = NULL;
            s->waiters = 0;
        }
        return;
    }
    if (s->m == NULL)
        return;
    errno = 0;
    switch (op) {
    case OP_MUTEX_LOCK:
        if (s->owner == c->self) {
            r = st_mutex_lock(s->m);
            CHECK(expect_errno(r, EDEADLK, EINTR, -1),
                  "relock by the owner: %d errno %d", r, errno);
            break;
        }
        s->waiters++;
        r = st_mutex_lock(s->m);
        s->waiters--;
        CHECK(s->m != NULL, "mutex destroyed under a waiter");
        if (r == 0) {
            CHECK(s->owner == NULL, "lock returned while %p owns it",
                  (void *)s->owner);
            s->owner = c->self;
        } else {
            CHECK(errno == EINTR, "lock failed: errno %d", errno);
        }
        break;
    case OP_MUTEX_UNLOCK:
        if (s->owner == c->self) {
            s->owner = NULL;
            CHECK(st_mutex_unlock(s->m) == 0, "unlock by owner: errno %d",
                  errno);
        } else {
            r = st_mutex_unlock(s->m);
            CHECK(expect_errno(r, EPERM, -1, -1),
                  "unlock by a non-owner: %d errno %d", r, errno);
        }
        break;
    case OP_MUTEX_TRYLOCK:
        r = st_mutex_trylock(s->m);
        if (s->owner != NULL) {
            CHECK(expect_errno(r, EBUSY, -1, -1),
                  "trylock of an owned mutex: %d errno %d", r, errno);
        } else if (s->waiters == 0) {
            CHECK(r == 0, "trylock of a free mutex: errno %d", errno);
            s->owner = c->self;
        } else {
            /* Maybe handed to a waiter that has not run yet. */
            CHECK(r == 0 || expect_errno(r, EBUSY, -1, -1),
                  "trylock: %d errno %d", r, errno);
            if (r == 0)
                s->owner = c->self;
        }
        break;
    case OP_MUTEX_DESTROY:
        r = st_mutex_destroy(s->m);
        if (s->owner == NULL && s->waiters == 0) {
            CHECK(r == 0, "destroy of a free mutex: errno %d", errno);
            s->m = NULL;
        } else {
            CHECK(expect_errno(r, EBUSY, -1, -1),
                  "destroy of a busy mutex: %d errno %d", r, errno);
        }
        break;
    }
}

static void op_key(struct ctx *c, int op, uint8_t arg)
{
    int k = arg % (nkeys + 1), r;
    void *v;

    errno = 0;
    switch (op) {
    case OP_KEY_CREATE:
        r = st_key_create(&k, (arg & 1) ? key_dtor : NULL);
        if (nkeys < NKEYS_MAX) {
            CHECK(r == 0 && k == nkeys, "key create: %d key %d errno %d", r,
                  k, errno);
            keys[nkeys++] = k;
        } else {
            CHECK(expect_errno(r, EAGAIN, -1, -1),
                  "key create beyond the limit: %d errno %d", r, errno);
        }
        break;
    case OP_KEY_SET:
        v = (arg & 0x80) ? NULL : &key_tokens[arg % sizeof key_tokens];
        r = st_thread_setspecific(k < nkeys ? keys[k] : nkeys, v);
        if (k < nkeys) {
            CHECK(r == 0, "setspecific: errno %d", errno);
            c->kv[k] = v;
        } else {
            CHECK(expect_errno(r, EINVAL, -1, -1),
                  "setspecific of an invalid key: %d errno %d", r, errno);
        }
        break;
    case OP_KEY_GET:
        v = st_thread_getspecific(k < nkeys ? keys[k] : nkeys);
        CHECK(v == (k < nkeys ? c->kv[k] : NULL), "getspecific: %p", v);
        break;
    }
}

static void op_netfd(struct ctx *c, int op, uint8_t arg)
{
    int i = arg % NNETFDS, r, fd;
    struct nslot *s = &S.nf[i];
    char buf[256];
    struct pollfd pd;

    (void)c;
    errno = 0;
    switch (op) {
    case OP_NETFD_OPEN: {
        int p = i & ~1, sv[2];
        if (S.nf[p].f != NULL || S.nf[p + 1].f != NULL)
            return;
        CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
        S.nf[p].f = st_netfd_open_socket(sv[0]);
        S.nf[p + 1].f = st_netfd_open_socket(sv[1]);
        CHECK(S.nf[p].f != NULL && S.nf[p + 1].f != NULL,
              "st_netfd_open_socket failed: errno %d", errno);
        return;
    }
    case OP_NETFD_CLOSE:
        if (s->f == NULL)
            return;
        /* Not while threads are inside I/O calls on it: EBUSY is only
         * certain while they are registered with the backend.  A waiter
         * already woken by readiness but not yet run is not, so the close
         * would succeed and the waiter would then retry its read on a
         * closed descriptor (API.md 3.7, 4.3; the poll backend never
         * refuses at all).  check_fault covers EBUSY deterministically. */
        if (s->waiters > 0)
            return;
        r = st_netfd_close(s->f);
        CHECK(r == 0, "close: errno %d", errno);
        s->f = NULL;
        return;
    case OP_NETFD_FREE:
        if (s->f == NULL || s->waiters > 0)
            return;
        fd = st_netfd_fileno(s->f);
        st_netfd_free(s->f);
        close(fd);
        s->f = NULL;
        return;
    }
    if (s->f == NULL)
        return;
    s->waiters++;
    switch (op) {
    case OP_READ:
        r = (int)st_read(s->f, buf, 1 + (arg & 0x7f), small_tmo(arg));
        CHECK(r >= 0 || expect_errno(r, ETIME, EINTR, ECONNRESET),
              "st_read: %d errno %d", r, errno);
        break;
    case OP_WRITE:
        memset(buf, arg, sizeof buf);
        r = (int)st_write(s->f, buf, 1 + (arg & 0x7f) * 2, small_tmo(arg));
        CHECK(r == 1 + (arg & 0x7f) * 2 ||
              expect_errno(r, ETIME, EINTR, EPIPE) ||
              expect_errno(r, ECONNRESET, -1, -1),
              "st_write: %d errno %d", r, errno);
        break;
    case OP_POLL:
        pd.fd = st_netfd_fileno(s->f);
        pd.events = (arg & 1) ? POLLIN : (POLLIN | POLLOUT);
        pd.revents = 0;
        r = st_poll(&pd, 1, small_tmo(arg));
        CHECK(r == 0 || r == 1 || expect_errno(r, EINTR, -1, -1),
              "st_poll: %d errno %d", r, errno);
        break;
    }
    s->waiters--;
    CHECK(s->f != NULL, "netfd closed under a waiter");
}

static void run_ops(struct ctx *c)
{
    uint8_t op, arg;

    while (next_op(c, &op, &arg)) {
        switch (op) {
        case OP_CREATE_J:
        case OP_CREATE_D:
            op_create(c, op == OP_CREATE_J, arg);
            break;
        case OP_JOIN:
            op_join(c, arg);
            break;
        case OP_INTERRUPT:
            op_interrupt(c, arg);
            break;
        case OP_YIELD:
            st_thread_yield();
            break;
        case OP_SLEEP: {
            int r;
            errno = 0;
            r = st_usleep(small_tmo(arg));
            CHECK(r == 0 || expect_errno(r, EINTR, -1, -1),
                  "st_usleep: %d errno %d", r, errno);
            break;
        }
        case OP_COND_NEW: case OP_COND_WAIT: case OP_COND_TIMEDWAIT:
        case OP_COND_SIGNAL: case OP_COND_BROADCAST: case OP_COND_DESTROY:
            op_cond(c, op, arg);
            break;
        case OP_MUTEX_NEW: case OP_MUTEX_LOCK: case OP_MUTEX_UNLOCK:
        case OP_MUTEX_TRYLOCK: case OP_MUTEX_DESTROY:
            op_mutex(c, op, arg);
            break;
        case OP_KEY_CREATE: case OP_KEY_SET: case OP_KEY_GET:
            op_key(c, op, arg);
            break;
        default:
            op_netfd(c, op, arg);
            break;
        }
        check_invariants(c);
    }
}

/* Backends not compiled in (or refused by the kernel) fall back to
 * select. */
static const int backends[] = {
    ST_EVENTSYS_SELECT, ST_EVENTSYS_POLL, ST_EVENTSYS_ALT,
    ST_EVENTSYS_IO_URING
};
#define NBACKENDS ((int)(sizeof backends / sizeof backends[0]))

static void wake_everyone(st_thread_t *workers, int nworkers)
{
    int i;

    for (i = 0; i < NTHREADS; i++)
        if (S.th[i].t != NULL)
            st_thread_interrupt(S.th[i].t);
    for (i = 0; i < nworkers; i++)
        st_thread_interrupt(workers[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_thread_t workers[NWORKERS_MAX];
    int nworkers, i, iter, idle;

    if (size < 1)
        return 0;
    memset(&S, 0, sizeof S);
    nkeys = 0;                  /* keys are per scheduler: st_destroy forgot them */
    S.script = data + 1;
    S.len = size - 1;
    S.backend = backends[data[0] % NBACKENDS];
    nworkers = 1 + (data[0] >> 2) % NWORKERS_MAX;
    if (st_set_eventsys(S.backend) < 0) {
        /* Backend not compiled in: fall back to select. */
        S.backend = ST_EVENTSYS_SELECT;
        CHECK(st_set_eventsys(S.backend) == 0, "st_set_eventsys");
    }
    CHECK(st_init() == 0, "st_init failed: errno %d", errno);

    for (i = 0; i < nworkers; i++) {
        workers[i] = st_thread_create(worker, NULL, 1, 0);
        CHECK(workers[i] != NULL, "worker create failed");
        S.live++;
    }
    /* Let the script run out.  Every op is short or has a timeout,
     * except waits that only the final interrupts end (cond_wait, lock,
     * join cycles): when no op starts for a while, everyone is stuck in
     * such a wait and the final phase takes over. */
    for (iter = 0, idle = 0; iter < 20000 && S.live > 0 && idle < 40;
         iter++) {
        int before = S.ops_done;
        if (S.pos + 2 > S.len || S.ops_done >= MAX_OPS)
            break;
        st_usleep(500);
        idle = S.ops_done == before ? idle + 1 : 0;
    }
    /* Final phase: stop, interrupt every wait, collect every thread. */
    S.stop = 1;
    for (iter = 0; S.live > 0; iter++) {
        CHECK(iter < 20000, "threads still blocked after the final phase: "
              "%d live", S.live);
        wake_everyone(workers, nworkers);
        st_usleep(200);
    }
    for (i = 0; i < nworkers; i++)
        CHECK(st_thread_join(workers[i], NULL) == 0, "worker join failed");
    for (i = 0; i < NTHREADS; i++) {
        struct tslot *s = &S.th[i];
        void *v;
        if (s->t == NULL)
            continue;
        CHECK(s->joinable && s->exited && !s->joining,
              "thread slot %d left in a bad state", i);
        CHECK(st_thread_join(s->t, &v) == 0 && v == s->token,
              "final join of slot %d", i);
        memset(s, 0, sizeof *s);
    }
    st_usleep(0);                       /* joined zombies finish up */
    for (i = 0; i < NMUTEXES; i++) {
        if (S.mx[i].m == NULL)
            continue;
        CHECK(S.mx[i].owner == NULL && S.mx[i].waiters == 0,
              "mutex %d still busy", i);
        CHECK(st_mutex_destroy(S.mx[i].m) == 0, "final mutex destroy %d: "
              "errno %d", i, errno);
    }
    for (i = 0; i < NCONDS; i++) {
        if (S.cv[i].c == NULL)
            continue;
        CHECK(st_cond_destroy(S.cv[i].c) == 0, "final cond destroy %d: "
              "errno %d", i, errno);
    }
    for (i = 0; i < NNETFDS; i++) {
        if (S.nf[i].f == NULL)
            continue;
        CHECK(st_netfd_close(S.nf[i].f) == 0, "final close %d: errno %d", i,
              errno);
    }
    st_destroy();
    return 0;
}

#if defined(ST_FUZZ_REPLAY)
/* Replays inputs without libFuzzer: files, or directories of files. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 16];
    size_t n;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv)
{
    int i, count = 0, errs = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            while (d != NULL && (e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                if (replay_file(path) < 0)
                    errs++;
                else
                    count++;
            }
            if (d != NULL)
                closedir(d);
        } else if (replay_file(argv[i]) < 0) {
            errs++;
        } else {
            count++;
        }
    }
    printf("replayed %d inputs\n", count);
    return errs ? 1 : 0;
}
#endif
