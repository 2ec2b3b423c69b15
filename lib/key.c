/* SPDX-License-Identifier: MIT */
/* key.c - thread-specific data. */
#include "config.h"

#include <errno.h>

#include "common.h"

/* POSIX's PTHREAD_DESTRUCTOR_ITERATIONS: values set by destructors are
 * cleaned by further passes, a bounded number of times. */
#define DESTRUCTOR_PASSES 4

/* The key table (vp->key_count, vp->key_destructors) is per scheduler,
 * as in SRS-1.9.2: every OS thread may create the full number of keys,
 * numbered in creation order and never deleted (st_destroy forgets
 * them). */
int st_key_create(int *keyp, void (*destructor)(void *))
{
    _st_vp_t *vp = VP;

    if (keyp == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (vp->key_count >= ST_KEYS_MAX) {
        errno = EAGAIN;
        return -1;
    }
    vp->key_destructors[vp->key_count] = destructor;
    *keyp = vp->key_count++;
    return 0;
}

int st_key_getlimit(void)
{
    return ST_KEYS_MAX;
}

int st_thread_setspecific2(st_thread_t t, int key, void *value)
{
    _st_vp_t *vp = VP;
    void *old;

    if (key < 0 || key >= vp->key_count || !ST_THREAD_LIVE(t)) {
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
        if (old != NULL && vp->key_destructors[key] != NULL)
            vp->key_destructors[key](old);
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
    _st_vp_t *vp = VP;
    _st_thread_t *me = vp->current;

    if (me == NULL || key < 0 || key >= me->nkeys || key >= vp->key_count)
        return NULL;
    return me->private_data[key];
}

void _st_key_run_destructors(_st_thread_t *t)
{
    void (*const *destructors)(void *) = VP->key_destructors;
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
