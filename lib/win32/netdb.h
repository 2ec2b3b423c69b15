/* SPDX-License-Identifier: MIT */
/* netdb.h - name resolution (Winsock's getaddrinfo). */
#ifndef ST_WIN32_COMPAT_NETDB_H
#define ST_WIN32_COMPAT_NETDB_H

#include "sockio.h"

#endif
