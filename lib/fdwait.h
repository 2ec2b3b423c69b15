/* SPDX-License-Identifier: MIT */
/* fdwait.h - per-descriptor waiter state shared by epoll and io_uring. */
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

/* Write each entry's revents from the bits that fired on its descriptor
 * (fired(fd)): the requested directions plus errors, hang-ups and invalid
 * descriptors, which are reported even when not asked for.  Returns the
 * number of entries with something to report; 0 means the request
 * ignores what fired and keeps waiting (its revents are then all 0, and
 * are rewritten before it is ever woken). */
static inline int _st_fdwait_deliver(_st_pollq_t *pq, short (*fired)(int fd))
{
    int j, hits = 0;

    for (j = 0; j < pq->npds; j++) {
        struct pollfd *p = &pq->pds[j];
        p->revents = fired(p->fd) &
                     (p->events | POLLERR | POLLHUP | POLLNVAL);
        if (p->revents)
            hits++;
    }
    return hits;
}

#endif /* ST_FDWAIT_H */
