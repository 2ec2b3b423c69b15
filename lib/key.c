/* SPDX-License-Identifier: MIT */
/* key.c - thread-specific data. */
#include "config.h"

#include <errno.h>

#include "common.h"

/* Process-wide, as in every State Threads version: keys are numbered in
 * creation order and never deleted. */
static int key_count;
static void (*destructors[ST_KEYS_MAX])(void *);

/* POSIX's PTHREAD_DESTRUCTOR_ITERATIONS: values set by destructors are
 * cleaned by further passes, a bounded number of times. */
#define DESTRUCTOR_PASSES 4

int st_key_create(int *keyp, void (*destructor)(void *))
{
    int k = __atomic_load_n(&key_count, __ATOMIC_RELAXED);

    if (keyp == NULL) {
        errno = EINVAL;
        return -1;
    }
    do {
        if (k >= ST_KEYS_MAX) {
            errno = EAGAIN;
            return -1;
        }
    } while (!__atomic_compare_exchange_n(&key_count, &k, k + 1, 0,
                                          __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    destructors[k] = destructor;
    *keyp = k;
    return 0;
}

int st_key_getlimit(void)
{
    return ST_KEYS_MAX;
}

int st_thread_setspecific2(st_thread_t t, int key, void *value)
{
    void *old;

    if (key < 0 || key >= __atomic_load_n(&key_count, __ATOMIC_ACQUIRE) ||
        !ST_THREAD_LIVE(t)) {
        errno = EINVAL;
        return -1;
    }
    if (key >= t->nkeys) {
        /* Slots at and beyond nkeys were never set on this stack use
         * (creation leaves them as the last user left them). */
        if (value == NULL)
            return 0;
        while (t->nkeys < key)
            t->private_data[t->nkeys++] = NULL;
        t->private_data[key] = value;
        t->nkeys = key + 1;
        return 0;
    }
    old = t->private_data[key];
    if (old != value) {
        if (old != NULL && destructors[key] != NULL)
            destructors[key](old);
        t->private_data[key] = value;
    }
    return 0;
}

int st_thread_setspecific(int key, void *value)
{
    return st_thread_setspecific2(VP->current, key, value);
}

void *st_thread_getspecific(int key)
{
    _st_thread_t *me = VP->current;

    if (me == NULL || key < 0 || key >= me->nkeys ||
        key >= __atomic_load_n(&key_count, __ATOMIC_ACQUIRE))
        return NULL;
    return me->private_data[key];
}

void _st_key_run_destructors(_st_thread_t *t)
{
    int pass, k, again = 1;

    if (t->nkeys == 0)
        return;
    for (pass = 0; pass < DESTRUCTOR_PASSES && again; pass++) {
        again = 0;
        /* A destructor may set further slots: nkeys is read each time. */
        for (k = 0; k < t->nkeys; k++) {
            void *v = t->private_data[k];
            if (v == NULL)
                continue;
            t->private_data[k] = NULL;
            if (destructors[k] != NULL) {
                destructors[k](v);
                again = 1;
            }
        }
    }
}
