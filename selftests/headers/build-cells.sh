#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds every cell of the header tests, at build time (make -C
# selftests/headers): compiling in the VM would take half an hour under TCG.
#
#   build-cells.sh OUTDIR
#
# A cell is one compile-and-link with -Wall -Wextra -Werror against libwsa.
# For each, OUTDIR/cells/NAME.log gets the commands and the compiler's
# output, OUTDIR/cells/NAME.status "ok" or "fail", and OUTDIR/cells/NAME the
# program.  OUTDIR/cells.list lists the cells, one a line, tab-separated:
#
#   NAME GROUP EXPECT RUN DESCRIPTION
#
# GROUP (c, c++17 or c++20) says which test program reports the cell;
# EXPECT is "pass" (must build) or "warn:TEXT" (must fail to build under
# -Werror with TEXT in the compiler's output: a documented limitation);
# RUN is "run" when headers_test.sh must also run the program (it must
# exit 0), "fork" when it runs in the group's runner (runner.c) or "-".  Cells are built in parallel; a cell that fails never
# fails this script (headers_test.sh reports it), a broken setup does.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: build-cells.sh OUTDIR}
CC=${CC:-gcc}
CXX=${CXX:-g++}
inc=$top/libwsa/include
lib=$top/libwsa
jobs=${CELL_JOBS:-$(nproc)}
pcflags=$(PKG_CONFIG_PATH=$top/build/pkgconfig pkg-config --cflags libwsa) || exit 2

mkdir -p "$out/cells"
plan=$out/cells.plan
: >"$plan"

WARN="-Wall -Wextra -Werror"
LINK="-L$lib -Wl,-rpath,$lib -lwsa"

# cell NAME EXPECT RUN DESCRIPTION -- SHELL COMMAND (run in $here)
# The cell's group (which test program reports it) is its language
# standard's: c (C11, GNU11, or none), c++17 or c++20.
cell() {
	local name=$1 expect=$2 run=$3 desc=$4 group=c
	shift 5
	case "$*" in
	*-std=c++17*) group=c++17 ;;
	*-std=c++20*) group=c++20 ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$group" "$expect" "$run" "$desc" "$*" >>"$plan"
}

# ---- the include-order matrix ----
k=0
# libwsa header x other header x order x language standard.
for std in c11 gnu11 c++17 c++20; do
	case $std in
	c++*)	cc="$CXX -x c++" ld=$CXX
		others="unistd sys/socket stdio functional thread iostream" ;;
	*)	cc=$CC ld=$CC
		others="unistd sys/socket stdio" ;;
	esac
	for w in winsock2 ws2tcpip mswsock windows; do
		for o in $others; do
			case $o in
			*/*|unistd|stdio) oh="<$o.h>" ;;
			*) oh="<$o>" ;;
			esac
			id=$(echo "${o#sys/}" | tr a-z A-Z)	# OTHER_SOCKET, ...
			for order in first last; do
				def="-DOTHER_$id '-DWSA_HDR=<$w.h>' '-DOTHER_HDR=$oh'"
				[ $order = first ] && def="$def -DWSA_FIRST"
				n="$std-$w-${o//\//_}-$([ $order = first ] && echo after || echo before)"
				if [ $order = first ]; then
					d="<$w.h> then $oh"
				else
					d="$oh then <$w.h>"
				fi
				# also an object with main renamed, for the runner
				k=$((k + 1))
				cell "$n" pass fork "$std: $d" -- \
					"$cc -std=$std $WARN -I$inc $def -c cell.c -o \$OUT.o &&" \
					"$ld \$OUT.o $LINK -o \$OUT &&" \
					"objcopy --redefine-sym main=cell_main_$k \$OUT.o \$OUT.fork.o"
			done
		done
	done
done

# ---- a method named send, defined where winsock2.h is not included ----
cell cxx-method-send-two-tus pass run \
	"c++17: Conn::send/bind/connect/select used under <winsock2.h>, defined without it" -- \
	"$CXX -std=c++17 $WARN -I$inc method_a.cc method_b.cc $LINK -o \$OUT"

# ---- static libwsa.a ----
cell c11-static-libwsa pass run "c11: <winsock2.h> linked with libwsa.a" -- \
	"$CC -std=c11 $WARN -I$inc -DOTHER_STDIO '-DWSA_HDR=<winsock2.h>' '-DOTHER_HDR=<stdio.h>' cell.c $lib/libwsa.a -pthread -o \$OUT"

# ---- _FORTIFY_SOURCE ----
for std in gnu11 c++17; do
	case $std in c++*) cc="$CXX -x c++" ;; *) cc=$CC ;; esac
	cell "fortify-$std-winsock2-first" pass run \
		"$std -O2 -D_FORTIFY_SOURCE=2: <winsock2.h> then <sys/socket.h>: recv/recvfrom are Winsock's" -- \
		"$cc -std=$std -O2 -D_FORTIFY_SOURCE=2 $WARN -I$inc fortify.c $LINK -o \$OUT"
	cell "fortify-$std-socket-first" "warn:libwsa: <sys/socket.h> came before <winsock2.h>" - \
		"$std -O2 -D_FORTIFY_SOURCE=2: <sys/socket.h> then <winsock2.h> is refused (glibc's inline recv)" -- \
		"$cc -std=$std -O2 -D_FORTIFY_SOURCE=2 $WARN -I$inc -DSOCKET_FIRST fortify.c $LINK -o \$OUT"
done

# ---- #pragma comment(lib, ...) ----
# The header turns -Wunknown-pragmas off for the rest of the file (gcc; g++
# from 13); the pkg-config Cflags pass -Wno-unknown-pragmas, which covers
# the rest (a pragma before the include; g++ 12) unless an explicit
# -Wunknown-pragmas comes after them.  The cells that warn are the
# documented limits (differences.rst, "Building").
P="$WARN -Wunknown-pragmas"
for std in c11 gnu11; do
	cell "pragma-comment-$std" pass run \
		"$std $P: #pragma comment after <winsock2.h> does not warn (the header)" -- \
		"$CC -std=$std $P -I$inc pragma_comment.c $LINK -o \$OUT"
	cell "pragma-comment-$std-before-pkgconfig" pass run \
		"$std $P \$(pkg-config --cflags libwsa): #pragma comment before and after: no warning" -- \
		"$CC -std=$std $P $pcflags -DPRAGMA_BEFORE pragma_comment.c $LINK -o \$OUT"
done
cell "pragma-comment-c11-before" "warn:ignoring" - \
	"c11 $P, no pkg-config: a #pragma comment before <winsock2.h> warns (the header is not read yet)" -- \
	"$CC -std=c11 $P -I$inc -DPRAGMA_BEFORE pragma_comment.c $LINK -o \$OUT"
for std in c++17 c++20; do
	cell "pragma-comment-$std-pkgconfig" pass run \
		"$std $P \$(pkg-config --cflags libwsa): #pragma comment before and after: no warning" -- \
		"$CXX -x c++ -std=$std $P $pcflags -DPRAGMA_BEFORE pragma_comment.c $LINK -o \$OUT"
done
# g++ before 13 lexes the whole file before it acts on any #pragma GCC
# diagnostic (GCC PR c++/53431): the header cannot silence the warning.
gxx=$($CXX -dumpversion | cut -d. -f1)
if [ "$gxx" -lt 13 ]; then
	pexp="warn:ignoring"
	pwhy="warns: g++ $gxx acts on the header's pragma too late (GCC PR c++/53431)"
else
	pexp=pass
	pwhy="does not warn (the header)"
fi
cell "pragma-comment-c++17" "$pexp" - \
	"c++17 $P, no pkg-config: #pragma comment after <winsock2.h> $pwhy" -- \
	"$CXX -x c++ -std=c++17 $P -I$inc pragma_comment.c $LINK -o \$OUT"
cell "pragma-comment-c++17-pkgconfig-then-W" "$pexp" - \
	"c++17 \$(pkg-config --cflags libwsa) $P: the explicit -Wunknown-pragmas comes last and $pwhy" -- \
	"$CXX -x c++ -std=c++17 $pcflags $P pragma_comment.c $LINK -o \$OUT"

# ---- the Win64 layout of every public type ----
for std in c11 gnu11 c++17 c++20; do
	case $std in c++*) cc="$CXX -x c++" ;; *) cc=$CC ;; esac
	cell "layout-$std" pass run \
		"$std: sizeof/alignof/offsetof of every public type and field = Win64 (win64-layout.h)" -- \
		"$cc -std=$std $WARN -I$inc -I. layout_check.c $LINK -o \$OUT"
done
cell layout-complete pass - \
	"every typedef and struct of libwsa's headers is in layout.def" -- \
	"./check-types.sh"

# ---- build ----
build_one() {
	local name group expect run desc cmd
	IFS=$'\t' read -r name group expect run desc cmd <<<"$1"
	local log=$out/cells/$name.log st=$out/cells/$name.status
	rm -f "$out/cells/$name" "$out/cells/$name".*o "$st"
	echo "\$ ${cmd//\$OUT/$out/cells/$name}" >"$log"
	if (cd "$here" && OUT=$out/cells/$name CC=$CC eval "$cmd") >>"$log" 2>&1; then
		echo ok >"$st"
	else
		echo fail >"$st"
	fi
}
export -f build_one
export out here CC
tr '\n' '\0' <"$plan" | xargs -0 -n 1 -P "$jobs" bash -c 'build_one "$1"' _

# One runner per group for the "fork" cells that built (headers_test.sh
# execs every cell by itself if the runner is missing).
for group in c c++17 c++20; do
	table=$out/runner-$group.h
	: >"$table"
	awk -F '\t' -v g="$group" '$2 == g && $4 == "fork" { print $1, $6 }' "$plan" |
	while read -r name cmd; do
		[ "$(cat "$out/cells/$name.status")" = ok ] || continue
		fn=$(echo "$cmd" | grep -o 'main=cell_main_[0-9]*' | cut -d= -f2)
		echo "CELL(\"$name\", $fn)" >>"$table"
	done
	case $group in c) ld=$CC ;; *) ld=$CXX ;; esac
	objs=$(sed -n 's/^CELL("\([^"]*\)".*/\1/p' "$table" | sed "s|.*|$out/cells/&.fork.o|")
	rm -f "$out/runner-$group"
	if [ -s "$table" ] && ! $CC -c -std=gnu11 $WARN "-DRUNNER_TABLE=\"$table\"" \
			"$here/runner.c" -o "$out/runner-$group.o" >"$out/runner-$group.log" 2>&1 ||
	   ! $ld "$out/runner-$group.o" $objs $LINK -o "$out/runner-$group" \
			>>"$out/runner-$group.log" 2>&1; then
		echo "build-cells.sh: the $group runner did not build: $out/runner-$group.log"
		rm -f "$out/runner-$group"
	fi
done

cut -f 1-5 "$plan" >"$out/cells.list.tmp" && mv "$out/cells.list.tmp" "$out/cells.list"
total=$(grep -c . "$out/cells.list")
failed=$(cd "$out/cells" && grep -lx fail ./*.status 2>/dev/null | wc -l)
echo "header cells: $total built, $failed failed to build (expected failures included)"
