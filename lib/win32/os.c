/* SPDX-License-Identifier: MIT */
/* os.c - Windows process set-up: Winsock, and the clock. */
#include "config.h"

#include <winsock2.h>
#include <windows.h>

#include "common.h"
#include "sockio.h"

int _st_os_init(void)
{
    WSADATA wd;
    int r = WSAStartup(MAKEWORD(2, 2), &wd);

    if (r != 0) {
        errno = _st_win_errno(r);
        return -1;
    }
    return 0;
}

void _st_os_fini(void)
{
    WSACleanup();
}
