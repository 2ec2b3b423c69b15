/* SPDX-License-Identifier: MIT */
/* netinet/tcp.h - TCP options (Winsock's). */
#ifndef ST_WIN32_COMPAT_NETINET_TCP_H
#define ST_WIN32_COMPAT_NETINET_TCP_H

#include "sockio.h"

#endif
