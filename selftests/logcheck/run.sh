#!/bin/bash
# Proves that tools/vm-run's kernel log check can fail.  Runs on the host
# (it boots VMs itself, so it is not a selftest area with a Makefile):
#
#   selftests/logcheck/run.sh [--out DIR] [KERNEL]     (KERNEL default 6.12)
#
# 1. `tools/vm-run --modparams test_warn=1 -- true` must exit non-zero
#    because of the log check (CMD itself succeeded), and print the WARNING
#    excerpt: module init hits WARN_ON(test_warn).
# 2. `tools/vm-run --modparams test_warn=0 -- true` must exit 0.
# Prints TAP; --out DIR gets results and counts ("P F S") like run-tests.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=""
if [ "${1:-}" = --out ]; then out=$2; shift 2; fi
kernel=${1:-6.12}
out=${out:-$(mktemp -d)}
mkdir -p "$out"
: >"$out/results"
P=0 F=0

result() {	# ok|not ok, description
	echo "$1 $n logcheck: $2"
	echo "$1 logcheck: $2" >>"$out/results"
	if [ "$1" = ok ]; then P=$((P + 1)); else F=$((F + 1)); fi
}

echo "TAP version 13"
echo "# tools/vm-run log check on $kernel"
echo "1..2"

n=1
"$top/tools/vm-run" --kernel "$kernel" --outdir "$out/warn" --modparams test_warn=1 -- true \
	>"$out/warn.log" 2>&1
rc=$?
sed 's/^/# /' "$out/warn.log"
why=""
[ "$rc" != 0 ] || why="$why exit status 0;"
grep -qx "cmd 0" "$out/warn/verdict" 2>/dev/null || why="$why CMD did not run or failed;"
grep -qx "log fail" "$out/warn/verdict" 2>/dev/null || why="$why the log check did not fail;"
grep -q "FAILED: kernel log check failed" "$out/warn.log" || why="$why no 'log check failed' message;"
grep -qE '^\[ *[0-9.]+\] WARNING: .*wsaovl_init' "$out/warn.log" || why="$why no WARNING excerpt from wsaovl_init;"
if [ -z "$why" ]; then
	result ok "test_warn=1 fails the run (status $rc) with the WARNING excerpt"
else
	result "not ok" "test_warn=1 must fail the run with the WARNING excerpt:$why"
fi

n=2
"$top/tools/vm-run" --kernel "$kernel" --outdir "$out/clean" --modparams test_warn=0 -- true \
	>"$out/clean.log" 2>&1
rc=$?
sed 's/^/# /' "$out/clean.log"
if [ "$rc" = 0 ] && grep -qx "log ok" "$out/clean/verdict" 2>/dev/null; then
	result ok "test_warn=0 passes the run"
else
	result "not ok" "test_warn=0 must pass the run (status $rc)"
fi

echo "$P $F 0" >"$out/counts"
echo "# logcheck: $P passed, $F failed"
[ "$F" = 0 ]
