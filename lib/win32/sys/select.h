/* SPDX-License-Identifier: MIT */
/* sys/select.h - select: Winsock's, whose FD_SETSIZE counts sockets. */
#ifndef ST_WIN32_COMPAT_SYS_SELECT_H
#define ST_WIN32_COMPAT_SYS_SELECT_H

#include "sockio.h"

#endif
