/* SPDX-License-Identifier: MIT */
/* netinet/in.h - Internet addresses (Winsock's). */
#ifndef ST_WIN32_COMPAT_NETINET_IN_H
#define ST_WIN32_COMPAT_NETINET_IN_H

#include "sockio.h"

#endif
