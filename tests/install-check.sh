#!/bin/sh
# SPDX-License-Identifier: MIT
# install-check.sh TARBALL - the packager's path: build the release
# tarball for /usr with a multiarch libdir, stage it with DESTDIR, and
# build a program with pkg-config against the staged tree, shared and
# static.  Run by .ci/run after make distcheck.
set -eu
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
triplet=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
cd "$work"
tar xzf "$tarball"
cd libst-*/
./configure -q --prefix=/usr --libdir=/usr/lib/$triplet
make -j2 >/dev/null
stage=$PWD/stage
make install DESTDIR="$stage" >/dev/null
lib=$stage/usr/lib/$triplet
test -e "$lib/libst.so.1" || { echo "no libst.so.1"; exit 1; }
test -e "$lib/libst.a" || { echo "no libst.a"; exit 1; }
test -e "$stage/usr/include/st.h" || { echo "no st.h"; exit 1; }
test -e "$lib/pkgconfig/st.pc" || { echo "no st.pc"; exit 1; }
grep -q "^libdir=/usr/lib/$triplet\$" "$lib/pkgconfig/st.pc" ||
    { echo "st.pc libdir wrong"; cat "$lib/pkgconfig/st.pc"; exit 1; }
for f in $(sed -n 's/^extern ST_API[^(]*[ *]\([_a-z0-9]*\)(.*/\1/p' \
           "$stage/usr/include/st.h"); do
    page=$stage/usr/share/man/man3/$f.3
    test -e "$page" || { echo "no man page for $f"; exit 1; }
done
if command -v man >/dev/null 2>&1; then
    out=$(cd "$stage/usr/share/man" && MANWIDTH=80 man -l man3/st_read.3 2>&1 >/dev/null)
    test -z "$out" || { echo "man warnings: $out"; exit 1; }
fi
cat > prog.c <<'PROG'
#include <stdio.h>
#include <st.h>
static void *hello(void *arg) { st_usleep(1000); return arg; }
int main(void)
{
    void *rv = NULL;
    if (st_init() < 0) return 1;
    st_thread_join(st_thread_create(hello, (void *)42, 1, 0), &rv);
    printf("pkg-config program ran: %ld\n", (long)rv);
    return rv == (void *)42 ? 0 : 1;
}
PROG
export PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_LIBDIR=$lib/pkgconfig
gcc prog.c $(pkg-config --cflags st) $(pkg-config --libs st) -o prog-shared
LD_LIBRARY_PATH=$lib ./prog-shared
gcc -static prog.c $(pkg-config --cflags st) $(pkg-config --static --libs st) -o prog-static
./prog-static
echo "install-check: staged install OK (shared and static)"
