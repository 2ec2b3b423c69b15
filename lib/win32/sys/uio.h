/* SPDX-License-Identifier: MIT */
/* sys/uio.h - struct iovec, readv and writev over Winsock. */
#ifndef ST_WIN32_COMPAT_SYS_UIO_H
#define ST_WIN32_COMPAT_SYS_UIO_H

#include "sockio.h"

#endif
