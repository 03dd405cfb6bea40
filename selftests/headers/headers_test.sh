#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The header tests' results, in TAP: one test per cell that build-cells.sh
# built (see the Makefile).  A cell passes when it built as expected
# (cleanly, or with the documented warning) and, if it is a program to run,
# exits 0 (a Winsock cell exits with the number of its first failed check,
# see cell.c).  Run from make check in the VM (no module needed), or by
# hand after make.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${HEADERS_OUT:-$top/build/selftests/headers}
list=$out/cells.list

[ -n "${KSFT_TAP_LEVEL:-}" ] || echo "TAP version 13"
if [ ! -r "$list" ]; then
	echo "1..1"
	echo "not ok 1 headers: $list missing (run make)"
	exit 1
fi
n=$(grep -c . "$list")
echo "1..$n"
# Results older than what they test are not results.
stale=$(find "$top/libwsa/include" "$top/libwsa/libwsa.so.0" "$here" \
	-newer "$list" \( -name '*.h' -o -name '*.c' -o -name '*.cc' -o \
	-name '*.def' -o -name '*.so.0' -o -name 'build-cells.sh' \) 2>/dev/null | head -n 1)

i=0 pass=0 fail=0
while IFS=$'\t' read -r name expect run desc; do
	i=$((i + 1))
	st=$(cat "$out/cells/$name.status" 2>/dev/null)
	log=$out/cells/$name.log
	why=""
	if [ -n "$stale" ]; then
		why="stale build ($stale is newer): run make"
	elif [ -z "$st" ]; then
		why="not built"
	elif [ "$expect" = pass ]; then
		if [ "$st" != ok ]; then
			why="did not build cleanly"
		elif [ "$run" = run ]; then
			(cd "$here" && timeout 60 "$out/cells/$name") >"$out/cells/$name.run" 2>&1
			rc=$?
			[ "$rc" = 0 ] || why="exited $rc (cell.c: check number $rc failed)"
		fi
	else	# warn:TEXT: the documented warning must still be there
		text=${expect#warn:}
		if [ "$st" = ok ]; then
			why="built cleanly, but the documented warning ($text) was expected: update differences.rst"
		elif ! grep -qF -- "$text" "$log"; then
			why="failed without the documented warning ($text)"
		fi
	fi
	if [ -z "$why" ]; then
		echo "ok $i $name # $desc"
		pass=$((pass + 1))
	else
		echo "not ok $i $name # $desc: $why"
		sed 's/^/#   /' "$log" | head -n 40
		[ -s "$out/cells/$name.run" ] && sed 's/^/#   run: /' "$out/cells/$name.run" | head -n 20
		fail=$((fail + 1))
	fi
done <"$list"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" = 0 ]
