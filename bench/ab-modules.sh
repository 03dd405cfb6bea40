#!/bin/bash
# A/B of two builds of the module in one guest: tcp_bulk and five udp_rr
# variants, alternating old and new ROUNDS times (default 2), so that both
# see the same host.
#
#   tools/vm-run --kernel 6.1 -- env OLD_KO=/path/to/old/wsaovl.ko bench/ab-modules.sh
#
# OLD_KO: the other build's .ko for this kernel (e.g. a git worktree's
# build/$(uname -r)/kmod/wsaovl.ko); "new" is the one vm-run loaded
# ($WSAOVL_KO), which is loaded again at the end.  BENCH_SECS: default 3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${OLD_KO:?set OLD_KO to the other build of wsaovl.ko}"
export BENCH_SECS=${BENCH_SECS:-3}
cd "$here"
fields() {
	awk -v m="$1" '{printf "%s ", m; for (i = 1; i <= NF; i++)
		if ($i ~ /^(variant|ratio|MB_s|ops_s)=/) printf "%s ", $i; print ""}'
}
for round in $(seq "${ROUNDS:-2}"); do
	for m in old new; do
		rmmod wsaovl 2>/dev/null
		if [ $m = old ]; then insmod "$OLD_KO"; else insmod "$WSAOVL_KO"; fi || exit 1
		./tcp_bulk 2>&1 | grep RESULT | fields $m
		./udp_rr blocking io_uring-posted wsaovl-pending libwsa-overlapped \
			libwsa-routine 2>&1 |
			grep RESULT | fields $m
	done
done
rmmod wsaovl
insmod "$WSAOVL_KO"
