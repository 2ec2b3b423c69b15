/* SPDX-License-Identifier: MIT */
/* sys/socket.h - the socket API over Winsock (MinGW has no sys/socket.h). */
#ifndef ST_WIN32_COMPAT_SYS_SOCKET_H
#define ST_WIN32_COMPAT_SYS_SOCKET_H

#include "sockio.h"

#endif
