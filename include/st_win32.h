/* SPDX-License-Identifier: MIT */
/* st_win32.h - the POSIX socket types of st.h that Winsock lacks. */
/*
 * Included by st.h on Windows only.  Winsock has sockets and struct
 * pollfd (WSAPoll) but not the scatter/gather types of the POSIX socket
 * API; libst's calls take these POSIX-shaped ones and hand them to
 * WSASend/WSARecv.  A program that already has them from another
 * compatibility layer defines ST_WIN32_HAVE_IOVEC before including st.h.
 */
#ifndef ST_WIN32_H
#define ST_WIN32_H

#if !defined(_WIN32_WINNT)
#define _WIN32_WINNT 0x0600             /* WSAPoll and struct pollfd */
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stddef.h>

#if !defined(ST_WIN32_HAVE_IOVEC)
#define ST_WIN32_HAVE_IOVEC 1
struct iovec {
    void *iov_base;                     /* start of the buffer */
    size_t iov_len;                     /* its length */
};

struct msghdr {
    void *msg_name;                     /* peer address, or NULL */
    socklen_t msg_namelen;              /* its length */
    struct iovec *msg_iov;              /* the buffers */
    size_t msg_iovlen;                  /* their number */
    void *msg_control;                  /* ancillary data (unsupported) */
    size_t msg_controllen;              /* its length; must be 0 */
    int msg_flags;                      /* flags of a received message */
};

struct mmsghdr {
    struct msghdr msg_hdr;              /* one message */
    unsigned int msg_len;               /* bytes transferred */
};
#endif

#endif /* ST_WIN32_H */
