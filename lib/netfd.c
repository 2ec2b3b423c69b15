/* SPDX-License-Identifier: MIT */
/* netfd.c - descriptor objects: open, free, close, user data. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "netfd.h"

st_netfd_t _st_netfd_new(int osfd, int how)
{
    _st_vp_t *vp = VP;
    st_netfd_t fd;
    struct stat sb;
    int err, regular = 0;

    if (osfd < 0) {
        errno = EBADF;
        return NULL;
    }
    if (!vp->initialized) {
        errno = EINVAL;
        return NULL;
    }
    if (vp->ev->fd_new(osfd) < 0)
        return NULL;
    /* Decided once: a regular file's calls go to the event system's
     * file_io.  Sockets (open_socket, accept) are not asked. */
    if (how & ST_NB_STAT) {
        if (fstat(osfd, &sb) < 0) {
            err = errno;                /* EBADF */
            vp->ev->fd_free(osfd);
            errno = err;
            return NULL;
        }
        regular = S_ISREG(sb.st_mode);
    }
    how &= ST_NB_HOW;
    if (vp->netfd_free != NULL) {
        fd = vp->netfd_free;
        vp->netfd_free = fd->next;
    } else {
        fd = malloc(sizeof *fd);
        if (fd == NULL) {
            vp->ev->fd_free(osfd);
            errno = ENOMEM;
            return NULL;
        }
        fd->all_next = vp->netfd_all;
        vp->netfd_all = fd;
    }
    fd->osfd = osfd;
    fd->inuse = 1;
    fd->private_data = NULL;
    fd->destructor = NULL;
    fd->next = NULL;
    fd->regular = regular;
    fd->nfile = 0;
    fd->fpos.owner = NULL;
    ST_CLIST_INIT(&fd->fpos.wait_q);

    if (how != ST_NB_NONE) {
        int ok = -1;
#if defined(FIONBIO)
        if (how == ST_NB_IOCTL) {
            int on = 1;
            ok = ioctl(osfd, FIONBIO, &on);
        }
#endif
        if (ok < 0) {
            int flags = fcntl(osfd, F_GETFL);
            ok = flags < 0 ? -1 :
                 (flags & O_NONBLOCK) ? 0 : fcntl(osfd, F_SETFL,
                                                  flags | O_NONBLOCK);
        }
        if (ok < 0) {
            err = errno;
            st_netfd_free(fd);
            errno = err;
            return NULL;
        }
    }
    return fd;
}

st_netfd_t st_netfd_open(int osfd)
{
    return _st_netfd_new(osfd, ST_NB_FCNTL | ST_NB_STAT);
}

st_netfd_t st_netfd_open_socket(int osfd)
{
    return _st_netfd_new(osfd, ST_NB_IOCTL);
}

void st_netfd_free(st_netfd_t fd)
{
    _st_vp_t *vp = VP;

    if (fd == NULL || !fd->inuse)
        return;
    fd->inuse = 0;
    if (fd->private_data != NULL && fd->destructor != NULL)
        fd->destructor(fd->private_data);
    fd->private_data = NULL;
    fd->destructor = NULL;
    if (vp->initialized)
        vp->ev->fd_free(fd->osfd);
    fd->next = vp->netfd_free;
    vp->netfd_free = fd;
}

int st_netfd_close(st_netfd_t fd)
{
    int osfd;

    if (fd == NULL || !fd->inuse) {
        errno = EBADF;
        return -1;
    }
    if (fd->nfile > 0) {
        errno = EBUSY;                  /* a file call is in flight */
        return -1;
    }
    if (VP->ev->fd_close(fd->osfd) < 0)
        return -1;
    osfd = fd->osfd;
    st_netfd_free(fd);
    return close(osfd);
}

int st_netfd_fileno(st_netfd_t fd)
{
    if (fd == NULL) {
        errno = EBADF;
        return -1;
    }
    return fd->osfd;
}

void st_netfd_setspecific(st_netfd_t fd, void *value,
                          void (*destructor)(void *))
{
    if (fd == NULL)
        return;
    if (value != fd->private_data && fd->private_data != NULL &&
        fd->destructor != NULL)
        fd->destructor(fd->private_data);
    fd->private_data = value;
    fd->destructor = destructor;
}

void *st_netfd_getspecific(st_netfd_t fd)
{
    return fd ? fd->private_data : NULL;
}

int st_netfd_serialize_accept(st_netfd_t fd)
{
    /* Accepts need no serialization on any supported system. */
    (void)fd;
    return 0;
}

/* st_destroy: every object goes, in use or not (descriptors stay open). */
void _st_netfd_destroy_all(void)
{
    _st_vp_t *vp = VP;

    while (vp->netfd_all != NULL) {
        st_netfd_t fd = vp->netfd_all;
        vp->netfd_all = fd->all_next;
        free(fd);
    }
    vp->netfd_free = NULL;
}
