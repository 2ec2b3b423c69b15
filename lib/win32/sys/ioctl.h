/* SPDX-License-Identifier: MIT */
/* sys/ioctl.h - ioctl(FIONBIO) over ioctlsocket. */
#ifndef ST_WIN32_COMPAT_SYS_IOCTL_H
#define ST_WIN32_COMPAT_SYS_IOCTL_H

#include "sockio.h"

#endif
