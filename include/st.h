/* SPDX-License-Identifier: MIT */
/* st.h - public interface of libst, a State Threads library. */
/*
 * This header is hand-written and identical on every host: it never
 * includes config.h and holds no architecture conditionals.  On Windows
 * the socket types come from Winsock (and st_win32.h).
 */
#ifndef __ST_THREAD_H__
#define __ST_THREAD_H__

#if defined(_WIN32)
#include <st_win32.h>
#else
#include <sys/socket.h>
#include <sys/uio.h>
#include <poll.h>
#endif
#include <unistd.h>
#include <sys/types.h>
#include <time.h>
#include <errno.h>

#if defined(_WIN32)
#define ST_API
#elif defined(__GNUC__) || defined(__clang__)
#define ST_API __attribute__((visibility("default")))
#else
#define ST_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ST_VERSION          "1.9.2"
#define ST_VERSION_MAJOR    1
#define ST_VERSION_MINOR    9
#define ST_VERSION_PATCH    2

/* Switch callbacks are available. */
#define ST_SWITCH_CB

#ifndef ETIME
#define ETIME ETIMEDOUT
#endif

#ifndef ST_UTIME_NO_TIMEOUT
#define ST_UTIME_NO_TIMEOUT ((st_utime_t) -1LL)
#endif

#ifndef ST_UTIME_NO_WAIT
#define ST_UTIME_NO_WAIT 0
#endif

#define ST_EVENTSYS_DEFAULT  0
#define ST_EVENTSYS_SELECT   1
#define ST_EVENTSYS_POLL     2
#define ST_EVENTSYS_ALT      3
#define ST_EVENTSYS_IO_URING 4

typedef unsigned long long  st_utime_t;
typedef struct _st_thread * st_thread_t;
typedef struct _st_cond *   st_cond_t;
typedef struct _st_mutex *  st_mutex_t;
typedef struct _st_netfd *  st_netfd_t;
#ifdef ST_SWITCH_CB
typedef void (*st_switch_cb_t)(void);
#endif

extern ST_API int st_init(void);
extern ST_API int st_getfdlimit(void);

extern ST_API int st_set_eventsys(int eventsys);
extern ST_API int st_get_eventsys(void);
extern ST_API const char *st_get_eventsys_name(void);

#ifdef ST_SWITCH_CB
extern ST_API st_switch_cb_t st_set_switch_in_cb(st_switch_cb_t cb);
extern ST_API st_switch_cb_t st_set_switch_out_cb(st_switch_cb_t cb);
#endif

extern ST_API st_thread_t st_thread_self(void);
extern ST_API void st_thread_exit(void *retval);
extern ST_API int st_thread_join(st_thread_t thread, void **retvalp);
extern ST_API void st_thread_interrupt(st_thread_t thread);
extern ST_API void st_thread_yield(void);
extern ST_API st_thread_t st_thread_create(void *(*start)(void *arg),
                                           void *arg, int joinable,
                                           int stack_size);
extern ST_API int st_randomize_stacks(int on);
extern ST_API int st_set_utime_function(st_utime_t (*func)(void));

extern ST_API st_utime_t st_utime(void);
extern ST_API st_utime_t st_utime_last_clock(void);
extern ST_API int st_timecache_set(int on);
extern ST_API time_t st_time(void);
extern ST_API int st_usleep(st_utime_t usecs);
extern ST_API int st_sleep(int secs);
extern ST_API st_cond_t st_cond_new(void);
extern ST_API int st_cond_destroy(st_cond_t cvar);
extern ST_API int st_cond_timedwait(st_cond_t cvar, st_utime_t timeout);
extern ST_API int st_cond_wait(st_cond_t cvar);
extern ST_API int st_cond_signal(st_cond_t cvar);
extern ST_API int st_cond_broadcast(st_cond_t cvar);
extern ST_API st_mutex_t st_mutex_new(void);
extern ST_API int st_mutex_destroy(st_mutex_t lock);
extern ST_API int st_mutex_lock(st_mutex_t lock);
extern ST_API int st_mutex_unlock(st_mutex_t lock);
extern ST_API int st_mutex_trylock(st_mutex_t lock);

extern ST_API int st_key_create(int *keyp, void (*destructor)(void *));
extern ST_API int st_key_getlimit(void);
extern ST_API int st_thread_setspecific(int key, void *value);
extern ST_API void *st_thread_getspecific(int key);

extern ST_API st_netfd_t st_netfd_open(int osfd);
extern ST_API st_netfd_t st_netfd_open_socket(int osfd);
extern ST_API void st_netfd_free(st_netfd_t fd);
extern ST_API int st_netfd_close(st_netfd_t fd);
extern ST_API int st_netfd_fileno(st_netfd_t fd);
extern ST_API void st_netfd_setspecific(st_netfd_t fd, void *value,
                                        void (*destructor)(void *));
extern ST_API void *st_netfd_getspecific(st_netfd_t fd);
extern ST_API int st_netfd_serialize_accept(st_netfd_t fd);
extern ST_API int st_netfd_poll(st_netfd_t fd, int how, st_utime_t timeout);

extern ST_API int st_poll(struct pollfd *pds, int npds, st_utime_t timeout);
extern ST_API st_netfd_t st_accept(st_netfd_t fd, struct sockaddr *addr,
                                   int *addrlen, st_utime_t timeout);
extern ST_API int st_connect(st_netfd_t fd, const struct sockaddr *addr,
                             int addrlen, st_utime_t timeout);
extern ST_API ssize_t st_read(st_netfd_t fd, void *buf, size_t nbyte,
                              st_utime_t timeout);
extern ST_API ssize_t st_read_fully(st_netfd_t fd, void *buf, size_t nbyte,
                                    st_utime_t timeout);
extern ST_API int st_read_resid(st_netfd_t fd, void *buf, size_t *resid,
                                st_utime_t timeout);
extern ST_API ssize_t st_readv(st_netfd_t fd, const struct iovec *iov,
                               int iov_size, st_utime_t timeout);
extern ST_API int st_readv_resid(st_netfd_t fd, struct iovec **iov,
                                 int *iov_size, st_utime_t timeout);
extern ST_API ssize_t st_write(st_netfd_t fd, const void *buf, size_t nbyte,
                               st_utime_t timeout);
extern ST_API int st_write_resid(st_netfd_t fd, const void *buf,
                                 size_t *resid, st_utime_t timeout);
extern ST_API ssize_t st_writev(st_netfd_t fd, const struct iovec *iov,
                                int iov_size, st_utime_t timeout);
extern ST_API int st_writev_resid(st_netfd_t fd, struct iovec **iov,
                                  int *iov_size, st_utime_t timeout);
extern ST_API int st_recvfrom(st_netfd_t fd, void *buf, int len,
                              struct sockaddr *from, int *fromlen,
                              st_utime_t timeout);
extern ST_API int st_sendto(st_netfd_t fd, const void *msg, int len,
                            const struct sockaddr *to, int tolen,
                            st_utime_t timeout);
extern ST_API int st_recvmsg(st_netfd_t fd, struct msghdr *msg, int flags,
                             st_utime_t timeout);
extern ST_API int st_sendmsg(st_netfd_t fd, const struct msghdr *msg,
                             int flags, st_utime_t timeout);

extern ST_API st_netfd_t st_open(const char *path, int oflags, mode_t mode);

/* Later additions (SRS fork). */
extern ST_API void st_destroy(void);
extern ST_API int st_thread_setspecific2(st_thread_t thread, int key,
                                         void *value);
extern ST_API void st_set_primordial_stack(void *top, void *bottom);

/*
 * libst extensions.  Batch datagram I/O: struct mmsghdr is declared by
 * <sys/socket.h> only with _GNU_SOURCE, so the prototypes take an
 * incomplete-compatible pointer type there.
 */
struct mmsghdr;
extern ST_API int st_sendmmsg(st_netfd_t fd, struct mmsghdr *msgvec,
                              unsigned int vlen, int flags,
                              st_utime_t timeout);
extern ST_API int st_recvmmsg(st_netfd_t fd, struct mmsghdr *msgvec,
                              unsigned int vlen, int flags,
                              st_utime_t timeout);

/*
 * File I/O (libst extension): on a netfd opened on a regular file, these
 * and the read/write calls above run on the io_uring ring or a pool of
 * helper threads, so that only the calling thread waits for the disk.
 */
extern ST_API ssize_t st_pread(st_netfd_t fd, void *buf, size_t nbyte,
                               off_t offset, st_utime_t timeout);
extern ST_API ssize_t st_pwrite(st_netfd_t fd, const void *buf, size_t nbyte,
                                off_t offset, st_utime_t timeout);
extern ST_API int st_fsync(st_netfd_t fd, st_utime_t timeout);
extern ST_API int st_fdatasync(st_netfd_t fd, st_utime_t timeout);
extern ST_API int st_set_fileio_threads(int n);

/* Introspection (libst extension). */
#define ST_THREAD_NAME_MAX 16
extern ST_API int st_thread_setname(st_thread_t thread, const char *name);
extern ST_API const char *st_thread_getname(st_thread_t thread);

/* Thread states reported by st_thread_stats(). */
#define ST_STATE_RUNNING    0   /* the calling thread */
#define ST_STATE_RUNNABLE   1   /* ready, waiting for its turn */
#define ST_STATE_IO_WAIT    2   /* in st_poll or a blocking I/O call */
#define ST_STATE_LOCK_WAIT  3   /* waiting for a mutex */
#define ST_STATE_COND_WAIT  4   /* waiting on a condition (or a join) */
#define ST_STATE_SLEEPING   5   /* st_usleep with a timeout */
#define ST_STATE_SUSPENDED  6   /* st_usleep(ST_UTIME_NO_TIMEOUT) */
#define ST_STATE_ZOMBIE     7   /* exited, waiting to be joined */

/* st_thread_info_t.flags bits. */
#define ST_INFO_JOINABLE    0x1
#define ST_INFO_PRIMORDIAL  0x2
#define ST_INFO_INTERRUPTED 0x4 /* an interrupt is pending */

typedef struct st_thread_info {
    st_thread_t thread;         /* the handle */
    int state;                  /* ST_STATE_* */
    int flags;                  /* ST_INFO_* */
    const char *name;           /* st_thread_setname name, or "" */
    size_t stack_size;          /* usable stack bytes; 0 for primordial */
    st_utime_t wakeup;          /* timer deadline or ST_UTIME_NO_TIMEOUT */
} st_thread_info_t;

extern ST_API int st_thread_stats(st_thread_info_t *info, int max);
extern ST_API const char *st_thread_state_name(int state);

/* Debugging hooks, present in every build. */
extern ST_API void _st_show_thread_stack(st_thread_t thread,
                                         const char *messg);
extern ST_API void _st_iterate_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* !__ST_THREAD_H__ */
