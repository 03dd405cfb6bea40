#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Fails if a typedef name or struct/union tag declared by libwsa's public
# headers (preprocessed as C11 and GNU11, so both sets of BSD types are
# seen) is missing from layout.def, i.e. has no Win64 layout check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
inc=$(cd "$here/../../libwsa/include" && pwd)
src='#include <windows.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <ws2spi.h>'
names=$(for std in c11 gnu11; do
	echo "$src" | ${CC:-gcc} -std=$std -E -I"$inc" -x c - |
		perl "$here/public-types.pl" "$inc/" || echo "!perl"
done | sort -u)
[ -n "$names" ] || { echo "check-types.sh: no types found"; exit 1; }
n=0 missing=0
while read -r name; do
	[ "$name" = "!perl" ] && { echo "check-types.sh: public-types.pl failed"; exit 1; }
	n=$((n + 1))
	case $name in
	struct\ *|union\ *)
		grep -Eq "\<D?TS\([A-Za-z0-9_]+, $name[,)]" "$here/layout.def" && continue ;;
	*)
		grep -Eq "\<(T|DT|L)\($name[,)]" "$here/layout.def" && continue ;;
	esac
	echo "not in layout.def: $name"
	missing=$((missing + 1))
done <<<"$names"
echo "$n public type names, $missing missing from layout.def"
[ "$missing" = 0 ]
