/* SPDX-License-Identifier: MIT */
/* arpa/inet.h - address conversions (Winsock's). */
#ifndef ST_WIN32_COMPAT_ARPA_INET_H
#define ST_WIN32_COMPAT_ARPA_INET_H

#include "sockio.h"

#endif
