#!/bin/sh
# SPDX-License-Identifier: MIT
# autogen.sh - regenerate the build system (the same as autoreconf -fi).
set -e
cd "$(dirname "$0")"
exec autoreconf -fi
