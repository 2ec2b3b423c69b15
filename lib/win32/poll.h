/* SPDX-License-Identifier: MIT */
/* poll.h - poll over WSAPoll (MinGW has no poll.h). */
#ifndef ST_WIN32_COMPAT_POLL_H
#define ST_WIN32_COMPAT_POLL_H

#include "sockio.h"

#endif
