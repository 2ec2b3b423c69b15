/* SPDX-License-Identifier: MIT */
/* netfd.h - internal descriptor-object constructor. */
#ifndef ST_NETFD_H
#define ST_NETFD_H

#include "st.h"

enum {
    ST_NB_NONE,                         /* already non-blocking */
    ST_NB_FCNTL,                        /* set O_NONBLOCK with fcntl */
    ST_NB_IOCTL                         /* try FIONBIO first (sockets) */
};
#define ST_NB_HOW   0x0f                /* one of the above, or with: */
#define ST_NB_STAT  0x10                /* fstat: is it a regular file? */

st_netfd_t _st_netfd_new(int osfd, int how) ST_HIDDEN;

#endif /* ST_NETFD_H */
