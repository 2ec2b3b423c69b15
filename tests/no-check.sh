#!/bin/sh
# SPDX-License-Identifier: MIT
# no-check.sh - stands in for the Check suites when Check is missing.
echo "The Check unit-test library was not found by configure." >&2
echo "Install it (Debian: apt-get install check) and re-run configure." >&2
exit 99
