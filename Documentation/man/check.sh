#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Documentation/man/check.sh: check libwsa's man pages.
#
#  1. every symbol exported by libwsa/libwsa.so.0 has a page in man3/
#     (a file, or a ".so man3/X.3" link to an existing page);
#  2. the page of each symbol shows its prototype exactly as the headers in
#     libwsa/include/ declare it (compared with whitespace normalised); for
#     the __wsa_* symbols, which <winsock2.h> binds libc's names to with an
#     asm label, that is the labelled declaration (e.g. send() for
#     __wsa_send) without the label, glibc's __SOCKADDR_ARG macros spelled
#     out and __restrict left out;
#  3. every page has a .TH naming it and, for function pages, the sections
#     NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS NOTES "SEE ALSO";
#     man3/ holds no page for a function that libwsa no longer has;
#  4. every cross-reference .BR name (n) names a page here or a known
#     system page;
#  5. groff -man -Tutf8 -ww -z and man -l render every page (links included)
#     without a single warning.
#
# Builds libwsa first (make -C libwsa).  Needs groff and man (Debian:
# apt-get install -y --no-install-recommends man-db groff-base; done here
# when they are missing and we are root).  Exits non-zero on any failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
inc=$top/libwsa/include
lib=$top/libwsa/libwsa.so.0

# Pages that document something other than an exported symbol: WSARecvMsg
# (reached through SIO_GET_EXTENSION_FUNCTION_POINTER), a macro, and the
# UNICODE-dependent names.
extra_pages="WSARecvMsg HasOverlappedIoCompleted WSASocket CreateEvent"
# System pages the libwsa pages refer to.
external="accept.2 accept4.2 bind.2 clock_gettime.2 close.2 connect.2
eventfd.2 fcntl.2 gethostname.2 getpeername.2 getpid.2 getsockname.2
getsockopt.2 gettid.2 listen.2 mmap.2 open.2 poll.2 recvmsg.2 select.2
sendmsg.2 setsockopt.2 shutdown.2 socket.2 getaddrinfo.3 htons.3
inet_aton.3 inet_ntop.3 inet_pton.3 pthread_create.3 pthread_exit.3
errno.3 socket.7"

fail=0
err() { echo "FAIL: $*"; fail=1; }

# ---- tools ----
if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing man-db and groff-base"
		apt-get install -y --no-install-recommends man-db groff-base \
			>/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 &&
		  apt-get install -y --no-install-recommends man-db groff-base \
			>/dev/null 2>&1; }
	fi
	command -v groff >/dev/null && command -v man >/dev/null || {
		echo "FAIL: groff and man are needed (apt-get install man-db groff-base)"
		exit 2
	}
fi

# ---- the library's exported symbols ----
if ! make -s -C "$top/libwsa" libwsa.so.0 >/dev/null; then
	echo "FAIL: make -C libwsa"
	exit 2
fi
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TW]$/ { print $3 }' | sort)
[ -n "$syms" ] || { echo "FAIL: no symbols in $lib"; exit 2; }

cd "$here" || exit 2

# One line, single spaces, no space inside parentheses.
norm() {
	tr '\t\n' '  ' | sed -e 's/  */ /g' -e 's/( /(/g' -e 's/ )/)/g' \
		-e 's/^ //' -e 's/ $//'
}

# The declaration of function $1 in the headers (from its first line to ';').
header_proto() {
	awk -v f="$1" '
		!go && $0 !~ /^[ \t]*(#|typedef|\/\*|\*)/ &&
		    ($0 ~ "[ *]" f "\\(") { go = 1 }
		go { print; if (index($0, ";")) exit }
	' "$inc/windows.h" "$inc/winsock2.h" "$inc/ws2spi.h" | norm
}

# The declaration <winsock2.h> binds to symbol $1 (__wsa_NAME) by an asm
# label: "int bind(int s, const struct sockaddr *name, socklen_t namelen);".
header_redirect() {
	awk -v sym="$1" '
		/^[ \t]*(#|\/\*|\*)/ { next }
		{ acc = acc " " $0 }
		index($0, ";") {
			if (index(acc, "LIBWSA_ASM(" sym ")") || index(acc, "LIBWSA_NTH(" sym ")")) {
				print acc
				exit
			}
			acc = ""
		}
	' "$inc/winsock2.h" | norm | sed -E \
		-e 's/ ?LIBWSA_(ASM|NTH)\(__wsa_[a-z_]+\)//' \
		-e 's/__CONST_SOCKADDR_ARG /const struct sockaddr */g' \
		-e 's/__SOCKADDR_ARG /struct sockaddr */g' \
		-e 's/\*__restrict /*/g'
}

# The typedef of function-pointer type $1 in the headers.
header_typedef() {
	awk -v t="$1" '
		!go && index($0, "*" t ")") && $0 ~ /^typedef/ { go = 1 }
		go { print; if (index($0, ";")) exit }
	' "$inc/mswsock.h" | norm
}

# A page's target: itself, or the page its .so line names.
resolve() {
	local p=$1 first
	first=$(head -n 1 "$p")
	case $first in
	.so\ *) echo "${first#.so }" ;;
	*) echo "$p" ;;
	esac
}

render_synopsis() {
	groff -man -Tutf8 -P-cbou -rLL=250n "$1" 2>/dev/null |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | norm
}

# ---- 1, 2: a page and the prototype for every exported symbol ----
nsym=0
for s in $syms; do
	nsym=$((nsym + 1))
	p=man3/$s.3
	if [ ! -f "$p" ]; then
		err "$s: no page $p"
		continue
	fi
	t=$(resolve "$p")
	if [ ! -f "$t" ]; then
		err "$p: .so target $t missing"
		continue
	fi
	case $s in
	__wsa_*) proto=$(header_redirect "$s") ;;
	*) proto=$(header_proto "$s") ;;
	esac
	if [ -z "$proto" ]; then
		err "$s: no prototype in $inc"
		continue
	fi
	case "$(render_synopsis "$t")" in
	*"$proto"*) ;;
	*) err "$t: SYNOPSIS lacks the header's prototype: $proto" ;;
	esac
done
# WSARecvMsg is a typedef'd pointer, not a symbol.
proto=$(header_typedef LPFN_WSARECVMSG)
case "$(render_synopsis man3/WSARecvMsg.3)" in
*"$proto"*) ;;
*) err "man3/WSARecvMsg.3: SYNOPSIS lacks: $proto" ;;
esac

# ---- 3: structure of each page, and no stale pages ----
npages=0
nlinks=0
for p in man3/*.3 man4/*.4 man7/*.7; do
	name=$(basename "$p")
	base=${name%.*}
	sect=${name##*.}
	first=$(head -n 1 "$p")
	case $first in
	.so\ *)
		nlinks=$((nlinks + 1))
		[ "$(wc -l < "$p")" -eq 1 ] || err "$p: a link must be one line"
		[ -f "${first#.so }" ] || err "$p: target ${first#.so } missing"
		;;
	*)
		npages=$((npages + 1))
		grep -q "^\.TH $base $sect 2026-11-22 \"libwsa\" \"libwsa Programmer's Manual\"\$" "$p" ||
			err "$p: .TH is not: .TH $base $sect 2026-11-22 \"libwsa\" \"libwsa Programmer's Manual\""
		need="NAME|SYNOPSIS|DESCRIPTION"
		[ "$sect" = 3 ] && need="NAME|SYNOPSIS|DESCRIPTION|RETURN VALUE|ERRORS|NOTES|SEE ALSO"
		IFS='|' read -r -a secs <<< "$need"
		for sec in "${secs[@]}"; do
			grep -q "^\.SH \"\?$sec\"\?\$" "$p" || err "$p: no $sec section"
		done
		;;
	esac
	if [ "$sect" = 3 ]; then
		case " $(echo $syms) $extra_pages " in
		*" $base "*) ;;
		*) err "$p: documents no exported symbol (stale page?)" ;;
		esac
	fi
done

# ---- 4: cross-references ----
refs=$(grep -ho '^\.[BI]R\? [A-Za-z_0-9]* ([0-9])' man3/* man4/* man7/* |
	awk '{ print $2 "." substr($3, 2, 1) }' | sort -u)
for r in $refs; do
	n=${r%.*}
	s=${r##*.}
	[ -f "man$s/$n.$s" ] && continue
	case " $(echo $external) " in
	*" $r "*) ;;
	*) err "reference to $n($s): no such page here or in the known list" ;;
	esac
done

# ---- 5: rendering without warnings ----
for p in man3/*.3 man4/*.4 man7/*.7; do
	out=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
	[ -z "$out" ] || err "$p: groff -ww: $out"
	out=$(MANWIDTH=80 man --warnings=w -l "$p" 2>&1 >/dev/null)
	[ -z "$out" ] || err "$p: man -l: $out"
	[ -n "$(MANWIDTH=80 man -l "$p" 2>/dev/null)" ] || err "$p: man -l rendered nothing"
done

echo "$nsym exported symbols, $npages pages, $nlinks links"
if [ "$fail" = 0 ]; then
	echo "man pages: OK"
else
	echo "man pages: FAILED"
fi
exit $fail
