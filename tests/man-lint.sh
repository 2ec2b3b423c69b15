#!/bin/sh
# SPDX-License-Identifier: MIT
# man-lint.sh - every public function has a man page, and every page is
# clean roff: groff -man -ww -z prints nothing.  Run by make check with
# top_srcdir and top_builddir exported; usable by hand from anywhere.
# Exit status: 0 pass, 1 fail, 99 hard error (groff missing).

case $0 in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
here=$(cd "$here" && pwd)
: "${top_srcdir:=$here/..}"
: "${top_builddir:=$here/..}"
LC_ALL=C
export LC_ALL

header=$top_srcdir/include/st.h
docdir=$top_srcdir/doc
localam=$docdir/local.am

if ! command -v groff >/dev/null 2>&1; then
    echo "man-lint: groff is not installed; it is needed to check the" >&2
    echo "man-lint: man pages (Debian: apt-get install groff)." >&2
    exit 99
fi
for f in "$header" "$localam"; do
    if [ ! -f "$f" ]; then
        echo "man-lint: $f not found (top_srcdir=$top_srcdir)" >&2
        exit 99
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-lint.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
# .so man3/x.3 in the stubs resolves through -I "$tmp".
ln -s "$(cd "$docdir" && pwd)" "$tmp/man3" || exit 99

fail=0
err() {
    echo "man-lint: $*" >&2
    fail=1
}

# Resolve a page to the file holding its text: stubs are a single
# ".so man3/<target>.3" line.
target_of() {
    if [ "$(wc -l <"$1" | tr -d ' ')" = 1 ] && grep -q '^\.so ' "$1"; then
        sed -n 's|^\.so man3/\(.*\)$|\1|p' "$1"
    else
        basename "$1"
    fi
}

# (1) Every function declared in st.h has doc/<name>.3, whose NAME line
# names it, and the overview page lists it.
sed -n 's/^extern ST_API[^(]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' \
    "$header" | sort -u >"$tmp/functions"
nfuncs=$(wc -l <"$tmp/functions" | tr -d ' ')
if [ "$nfuncs" -eq 0 ]; then
    err "no functions found in $header"
fi
while read -r fn; do
    page=$docdir/$fn.3
    if [ ! -f "$page" ]; then
        err "$fn: doc/$fn.3 is missing"
        continue
    fi
    main=$(target_of "$page")
    if [ ! -f "$docdir/$main" ]; then
        continue                        # reported below
    fi
    if ! sed -n '/^\.SH NAME/{n;p;}' "$docdir/$main" |
         tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx "$fn"; then
        err "$fn: not named in the NAME line of doc/$main"
    fi
    if ! grep -q "^\.BR $fn (3)" "$docdir/st.3"; then
        err "$fn: not listed in doc/st.3"
    fi
done <"$tmp/functions"

# (2) Every page: SPDX line, shipped by doc/local.am, stub target exists,
# and groff has nothing to say.
npages=0
for page in "$docdir"/*.3; do
    [ -f "$page" ] || continue
    npages=$((npages + 1))
    name=$(basename "$page")
    if ! grep -q "^[[:space:]]*doc/$name\([[:space:]]\|\$\)" "$localam"; then
        err "$name: not listed in dist_man3_MANS (doc/local.am)"
    fi
    main=$(target_of "$page")
    if [ "$main" != "$name" ]; then
        if [ ! -f "$docdir/$main" ]; then
            err "$name: .so target man3/$main does not exist"
            continue
        fi
        if [ "$(target_of "$docdir/$main")" != "$main" ]; then
            err "$name: .so target man3/$main is itself a stub"
            continue
        fi
    else
        if [ "$(sed -n 1p "$page")" != '.\" SPDX-License-Identifier: MIT' ]
        then
            err "$name: first line is not the SPDX comment"
        fi
        if ! grep -q '^\.TH ' "$page"; then
            err "$name: no .TH line"
        fi
    fi
    (cd "$docdir" && groff -man -ww -z -I "$tmp" "$name") \
        >"$tmp/out" 2>&1
    if [ -s "$tmp/out" ]; then
        err "$name: groff -man -ww -z complains:"
        sed 's/^/    /' "$tmp/out" >&2
    fi
done

echo "man-lint: $npages pages, $nfuncs functions checked"
if [ "$fail" -ne 0 ]; then
    echo "man-lint: FAILED" >&2
    exit 1
fi
exit 0
