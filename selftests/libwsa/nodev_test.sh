#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libwsa without /dev/wsaovl: events are eventfds and waits a poll() loop.
# Runs the event, thread and wait tests again with the device hidden
# (LIBWSA_DEVICE names a path that does not exist), so that this fallback
# is tested even where the module is loaded.  evwait_test checks that the
# library really runs without the device (WSA_EXPECT_NODEV).  Prints the
# sum of their kselftest totals as one "# Totals:" line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../../build/selftests/libwsa
P=0 F=0 X=0 XP=0 S=0 E=0 rc=0
for t in events_test threads_test evwait_test; do
	echo "# nodev: $t"
	out=$(LIBWSA_DEVICE=/nonexistent/wsaovl WSA_EXPECT_NODEV=1 \
		KSFT_TAP_LEVEL=1 "$bin/$t" 2>&1)
	r=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	tot=$(printf '%s\n' "$out" | grep -E '^# Totals: ' | tail -n 1)
	if [ -z "$tot" ]; then
		echo "# nodev: $t printed no totals (exit status $r)"
		E=$((E + 1)); rc=1; continue
	fi
	set -- $(echo "$tot" | grep -oE '[0-9]+')
	P=$((P + $1)) F=$((F + $2)) X=$((X + $3)) XP=$((XP + $4)) S=$((S + $5)) E=$((E + $6))
	[ "$r" = 0 ] || rc=1
done
echo "# Totals: pass:$P fail:$F xfail:$X xpass:$XP skip:$S error:$E"
exit $rc
