/* SPDX-License-Identifier: MIT */
/* sys/stat.h - MinGW's sys/stat.h, with an fstat that knows sockets. */
/*
 * The runtime's fstat knows only its own descriptors; a socket (every
 * st_netfd_open_socket descriptor, and pipe() here) reads as S_IFSOCK,
 * so that S_ISREG tells a file from a socket (lib/win32/fileops.c).
 */
#ifndef ST_WIN32_COMPAT_SYS_STAT_H
#define ST_WIN32_COMPAT_SYS_STAT_H

#include_next <sys/stat.h>

#ifndef S_IFSOCK
#define S_IFSOCK        0xC000          /* POSIX's 0140000 */
#endif
#ifndef S_ISSOCK
#define S_ISSOCK(m)     (((m) & S_IFMT) == S_IFSOCK)
#endif

int _st_win_fstat(int fd, struct stat *sb);
#undef fstat
#define fstat(f, s)     _st_win_fstat((f), (s))

#endif
