#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   headers_test.sh GROUP      (c, c++17 or c++20; headers_*_test.sh)
#
# The header tests' results, in TAP: one test per cell of GROUP that
# build-cells.sh built (see the Makefile).  A cell passes when it built as
# expected (cleanly, or with the documented warning) and, if it is a
# program to run, exits 0 (a cell.c program exits with the number of its
# first failed check).  The matrix cells run in one process per group
# (runner.c: an exec takes most of a second in a TCG guest, a fork much
# less), the others in parallel, one per CPU.  Run by make check in the VM (no
# module needed), or by hand after make.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${HEADERS_OUT:-$top/build/selftests/headers}
list=$out/cells.list
group=${1:?usage: headers_test.sh c|c++17|c++20}

[ -n "${KSFT_TAP_LEVEL:-}" ] || echo "TAP version 13"
if [ ! -r "$list" ]; then
	echo "1..1"
	echo "not ok 1 headers: $list missing (run make)"
	exit 1
fi
mine=$(awk -F '\t' -v g="$group" '$2 == g' "$list")
n=$(grep -c . <<<"$mine")
[ "$n" -gt 0 ] || { echo "1..1"; echo "not ok 1 headers: no cells in group $group"; exit 1; }
echo "1..$n"
# Results older than what they test are not results.
stale=$(find "$top/libwsa/include" "$top/libwsa/libwsa.so.0" "$here" \
	-newer "$list" \( -name '*.h' -o -name '*.c' -o -name '*.cc' -o \
	-name '*.def' -o -name '*.so.0' -o -name 'build-cells.sh' \) 2>/dev/null | head -n 1)

# The guest's file system is read-only but for /tmp.
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT

if [ -z "$stale" ]; then
	# the matrix cells: in one process, forked (runner.c)
	runner=$out/runner-$group
	if [ -x "$runner" ]; then
		(cd "$here" && "$runner" "$runs") | while read -r name rc; do
			echo "$rc" >"$runs/$name.rc"
		done
		pat=run
	else
		pat="run|fork"
	fi
	# the others (and the matrix without a runner): one exec each
	awk -F '\t' -v p="^($pat)\$" '$3 == "pass" && $4 ~ p { print $1 }' <<<"$mine" |
	while read -r name; do
		[ "$(cat "$out/cells/$name.status" 2>/dev/null)" = ok ] && echo "$name"
	done |
	xargs -r -P "$(nproc)" -I{} sh -c \
		'cd "$1" && timeout 120 "$2/cells/$3" >"$4/$3" 2>&1; echo $? >"$4/$3.rc"' \
		_ "$here" "$out" {} "$runs"
fi

i=0 pass=0 fail=0
while IFS=$'\t' read -r name _ expect run desc; do
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
		elif [ "$run" = run ] || [ "$run" = fork ]; then
			rc=$(cat "$runs/$name.rc" 2>/dev/null)
			case $rc in
			0) ;;
			"") why="did not run" ;;
			124) why="timed out" ;;
			*) why="exited $rc (a cell.c program: its check number $rc failed)" ;;
			esac
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
		[ -s "$runs/$name" ] && sed 's/^/#   run: /' "$runs/$name" | head -n 20
		fail=$((fail + 1))
	fi
done <<<"$mine"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" = 0 ]
