#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo (`make demo` runs it in a VM with the module loaded): the
# WSASendTo sample from the spec sends 1024 bytes to 127.0.0.1:27015, where
# udp-receiver (overlapped WSARecvFrom) waits for it.  Exits non-zero if
# nothing arrived.  Builds the two programs with pkg-config first (into a
# temporary directory when the tree is read-only, as in the VM).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
port=27015

if [ -w "$top/examples" ] && make -s -C examples >/dev/null 2>&1; then
	bin=$top/build/examples
else
	bin=$(mktemp -d)
	trap 'rm -rf "$bin"' EXIT
	export PKG_CONFIG_PATH=$top/build/pkgconfig
	flags=$(pkg-config --cflags --libs libwsa) || { echo "demo: no libwsa.pc: run make first" >&2; exit 1; }
	cc -O2 -Wall -Wextra -Wno-sign-compare examples/wsasendto.c -o "$bin/wsasendto" $flags &&
	cc -O2 -Wall -Wextra examples/udp-receiver.c -o "$bin/udp-receiver" $flags ||
		{ echo "demo: build failed" >&2; exit 1; }
fi

[ -e /dev/wsaovl ] || echo "demo: warning: /dev/wsaovl is absent: overlapped calls will fail" >&2

log=$(mktemp)
"$bin/udp-receiver" 127.0.0.1 $port 1 10000 >"$log" 2>&1 &
rpid=$!
for _ in $(seq 100); do
	grep -q '^listening' "$log" && break
	kill -0 $rpid 2>/dev/null || break
	sleep 0.05
done
echo "== receiver: $(head -n1 "$log")"
echo "== sender: wsasendto 127.0.0.1 $port"
"$bin/wsasendto" 127.0.0.1 $port
src=$?
wait $rpid
rrc=$?
echo "== receiver output:"
cat "$log"
rm -f "$log"
if [ $src -ne 0 ]; then
	echo "demo: FAILED: wsasendto exited $src"
	exit 1
fi
if [ $rrc -ne 0 ]; then
	echo "demo: FAILED: nothing arrived"
	exit 1
fi
echo "demo: OK: the datagram arrived"
