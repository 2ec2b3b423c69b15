/* SPDX-License-Identifier: MIT */
/* fdwait.h - per-descriptor waiter lists shared by epoll and io_uring. */
/*
 * Backends that index waiters by descriptor keep, per descriptor, how
 * many entries wait in each direction and a NULL-terminated list of the
 * poll nodes (one per pollfd entry).  The list head lives in a table
 * that may be moved by realloc, so the first node's prev is NULL rather
 * than a pointer to the head.
 */
#ifndef ST_FDWAIT_H
#define ST_FDWAIT_H

#include "common.h"

static inline void _st_fdwait_count(int *rd, int *wr, int *ex, short events,
                                    int delta)
{
    if (events & POLLIN)
        *rd += delta;
    if (events & POLLOUT)
        *wr += delta;
    if (events & POLLPRI)
        *ex += delta;
}

static inline void _st_fdwait_link(_st_pollnode_t **head, _st_pollnode_t *n)
{
    n->links.prev = NULL;
    n->links.next = *head ? &(*head)->links : NULL;
    if (*head)
        (*head)->links.prev = &n->links;
    *head = n;
}

static inline void _st_fdwait_unlink(_st_pollnode_t **head,
                                     _st_pollnode_t *n)
{
    if (n->links.prev)
        n->links.prev->next = n->links.next;
    else
        *head = n->links.next ?
            ST_CONTAINER(n->links.next, _st_pollnode_t, links) : NULL;
    if (n->links.next)
        n->links.next->prev = n->links.prev;
}

#endif /* ST_FDWAIT_H */
