#!/bin/bash
# Run every wsaovl benchmark and print a summary table.  Runs inside the
# guest, with the module loaded:
#
#   make -C bench && tools/vm-run --kernel 6.12 \
#       --modparams 'max_ops=131072 max_pinned=536870912' -- bench/run.sh
#
#   bench/run.sh [--quick] [BENCH...]      BENCH: udp_rr udp_batch tcp_bulk scale
#
# --quick: 1 s per variant and 2000 sockets (a smoke run).
# scale runs twice: 1 pending receive per socket, then the target of
# 10 per socket (BENCH_SOCKETS x 10 = 100,000 ops); with BENCH_SCALE_PER_SOCK
# set, only once with that many.  100,000 pending ops need the module's
# max_ops above its default 65536 and max_pinned above 256 MiB (a pinned
# page per receive): hence the --modparams above.  Without them the K=10
# run reports status=FAIL fail_reason=max_ops=... (it never posts fewer).
# Env: BENCH_SECS (time bound per variant, default 2), and each benchmark's
# own knobs (bench/README.md).  The benchmarks are built here if missing or
# stale, into /tmp/wsaovl-bench when bench/ is read-only (as in the VM).
# The raw output is kept in $WSAOVL_OUTDIR/bench.log when vm-run gives one.
#
# Exit status 0 only if every variant ran and verified its data and counts
# (slowness never fails a run; errors, lost completions and wrong data do).
set -u

here=$(cd "$(dirname "$0")" && pwd)
all=(udp_rr udp_batch tcp_bulk scale)
want=()
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) export BENCH_SECS=${BENCH_SECS:-1} BENCH_SOCKETS=${BENCH_SOCKETS:-2000}; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) want+=("$1"); shift ;;
	esac
done
[ ${#want[@]} -gt 0 ] || want=("${all[@]}")
export BENCH_SECS=${BENCH_SECS:-2}

if [ ! -e /dev/wsaovl ]; then
	echo "run.sh: /dev/wsaovl is missing: run inside the VM, e.g." >&2
	echo "        tools/vm-run --kernel 6.12 -- bench/run.sh" >&2
	exit 2
fi

# Build (or check) the programs.
bin=$here
if ! make -s -q -C "$here" >/dev/null 2>&1; then
	if (touch "$here/.w" && rm -f "$here/.w") 2>/dev/null; then
		make -s -C "$here" >&2 || { echo "run.sh: build failed" >&2; exit 2; }
	else
		bin=/tmp/wsaovl-bench
		mkdir -p "$bin"
		make -s -C "$here" O="$bin" >&2 || { echo "run.sh: build failed" >&2; exit 2; }
	fi
fi

log=$(mktemp /tmp/wsaovl-bench.XXXXXX)
trap 'rm -f "$log"' EXIT

echo "# wsaovl benchmarks: $(uname -r), $(nproc) CPUs, BENCH_SECS=$BENCH_SECS, $(date -u '+%Y-%m-%d %H:%M UTC')"
if grep -qw hypervisor /proc/cpuinfo && ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
	echo "# (a VM; under TCG emulation absolute numbers are slow: read the ratios)"
fi

failed=()
expect=()
run() {
	local name=$1 tmo=$2; shift 2
	local rc t0=$SECONDS
	echo "## $name"
	timeout -k 10 "$tmo" "$bin/$name" "$@" 2>&1 | tee -a "$log"
	rc=${PIPESTATUS[0]}
	echo "## $name: $((SECONDS - t0)) s"
	if [ "$rc" != 0 ]; then
		echo "## $name: exit status $rc$([ "$rc" = 124 ] && echo ' (timed out)')"
		failed+=("$name (exit $rc)")
	fi
}
s=${BENCH_SECS%.*}; s=${s:-1}
# Does the module allow BENCH_SOCKETS x K pending receives (and the probe)?
scale_note() {
	local k=$1 n=${BENCH_SOCKETS:-10000} p=/sys/module/wsaovl/parameters
	local need=$(( ${BENCH_SOCKETS:-10000} * k + 1 )) mo mp
	mo=$(cat $p/max_ops 2>/dev/null) || return 0
	mp=$(cat $p/max_pinned 2>/dev/null) || return 0
	echo "## scale: $n sockets x $k = $((need - 1)) pending ops (module max_ops=$mo max_pinned=$mp)"
	if [ "$mo" -lt "$need" ] || [ "$((mp / 4096))" -lt "$need" ]; then
		echo "## scale: too many for the module's limits: boot with tools/vm-run --modparams 'max_ops=$((need > 131072 ? need : 131072)) max_pinned=$((need * 4096 > 536870912 ? need * 4096 : 536870912))'; the wsaovl variant will report status=FAIL"
	fi
}
for b in "${want[@]}"; do
	case "$b" in
	udp_rr)
		vs=$("$bin/udp_rr" --variants) || vs=""
		for v in $vs; do expect+=("udp_rr:$v"); done
		grep -qx libwsa-overlapped <<<"$vs" ||
			echo "## udp_rr (d) libwsa-overlapped: skipped: bench/ was built without libwsa (libwsa/libwsa.so.0 missing, or LIBWSA=0)"
		run udp_rr $((s * 8 * 3 + 90)) ;;
	udp_batch)
		expect+=(udp_batch:sendto udp_batch:sendmmsg udp_batch:io_uring
			 udp_batch:wsaovl-1x udp_batch:wsaovl-batch)
		run udp_batch $((s * 5 * 3 + 60)) ;;
	tcp_bulk)
		expect+=(tcp_bulk:blocking tcp_bulk:wsaovl-q1 tcp_bulk:wsaovl-q4
			 tcp_bulk:blocking-auto tcp_bulk:wsaovl-q4-auto)
		run tcp_bulk $((s * 5 * 3 + 60)) ;;
	scale)
		if [ -n "${BENCH_SCALE_PER_SOCK:-}" ]; then
			ks=$BENCH_SCALE_PER_SOCK
		else
			ks="1 10"
		fi
		for k in $ks; do
			expect+=("scale:epoll:$k" "scale:wsaovl:$k")
			scale_note "$k"
			BENCH_SCALE_PER_SOCK=$k run scale $((300 * k > 300 ? 900 : 300))
		done ;;
	*)
		echo "run.sh: unknown benchmark $b (have: ${all[*]})" >&2
		failed+=("$b (unknown)") ;;
	esac
done

[ -n "${WSAOVL_OUTDIR:-}" ] && [ -d "$WSAOVL_OUTDIR" ] && cp "$log" "$WSAOVL_OUTDIR/bench.log" 2>/dev/null

# The summary: one row per variant from the RESULT lines.
echo
echo "# Summary ($(uname -r)): ratio = variant / baseline of the same run, the median over"
echo "# rounds (total = of the summed rates, p50 = of the median op times); throughput"
echo "# ratios: > 1 is faster than the baseline; scale: time ratio (t), < 1 is faster"
grep '^RESULT ' "$log" | awk '
function kv(s,   n, i, a, p) {
	delete v
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) {
		p = index(a[i], "=")
		if (p) v[substr(a[i], 1, p - 1)] = substr(a[i], p + 1)
	}
}
BEGIN {
	printf "%-10s %-18s %-6s %-44s %-13s %6s  %s\n", "benchmark", "variant", "status", "result", "baseline", "ratio", "notes"
}
{
	kv($0)
	b = v["bench"]; note = ""
	if (b == "udp_rr") {
		res = sprintf("%.0f rt/s, p50 %s us, mean %s us", v["ops_s"], v["p50_us"], v["mean_us"])
		ratio = v["ratio"]
		note = "total " v["ratio_total"] ", p50 " v["ratio_p50"] ", mean lat x" v["lat_ratio"]
		if (("polls_per_op" in v) && ("recv_pending_pct" in v)) note = note ", recv pending " v["recv_pending_pct"] "%, polls/rt " v["polls_per_op"]
		else if ("recv_pending_pct" in v) note = note ", recv pending " v["recv_pending_pct"] "%"
		else if ("recv_inline_pct" in v) note = note ", recv inline " v["recv_inline_pct"] "%"
	} else if (b == "udp_batch") {
		res = sprintf("%.0f msg/s, %s ns/msg (N=%s)", v["msgs_s"], v["ns_per_msg"], v["batch"])
		ratio = v["ratio"]
		note = "total " v["ratio_total"] ", p50 " v["ratio_p50"]
		if ("pending" in v) note = note ", pending " v["pending"]
	} else if (b == "tcp_bulk") {
		res = sprintf("%s MB/s", v["MB_s"])
		ratio = v["ratio"]
		note = "total " v["ratio_total"] ", sndbuf " v["sndbuf"]
		if ("depth" in v) note = note ", pending " v["pending_pct"] "%, polls/send " v["polls_per_send"]
	} else if (b == "scale") {
		if (("per_sock" in v) && v["per_sock"] != 1)
			res = sprintf("%s sockets x %s = %s ops done in %s ms", v["sockets"], v["per_sock"], v["ops"], v["complete_ms"])
		else
			res = sprintf("%s sockets done in %s ms", v["sockets"], v["complete_ms"])
		ratio = v["time_ratio"] " t"
		if (v["variant"] == "epoll")
			note = sprintf("epoll B/sock cg %s mi %s si %s", v["mem_per_sock_cg_B"], v["mem_per_sock_mi_B"], v["mem_per_sock_si_B"])
		else {
			note = sprintf("B/op cg %s mi %s si %s", v["mem_per_op_cg_B"], v["mem_per_op_mi_B"], v["mem_per_op_si_B"])
			if (("per_sock" in v) && v["per_sock"] != 1)
				note = note sprintf(", B/sock cg %s mi %s si %s", v["mem_per_sock_cg_B"], v["mem_per_sock_mi_B"], v["mem_per_sock_si_B"])
		}
		note = note ", kworkers " v["kworkers"]
		if (v["ring_overflow_max"] > 0) note = note ", ring overflow max " v["ring_overflow_max"]
		if ("fail_reason" in v) note = note ", " v["fail_reason"]
	} else {
		res = "?"; ratio = "?"
	}
	printf "%-10s %-18s %-6s %-44s %-13s %6s  %s\n", b, v["variant"], v["status"], res, v["baseline"], ratio, note
}'

# Every expected variant must have reported ok.
# (bench:variant, or bench:variant:K for scale's BENCH_SCALE_PER_SOCK=K)
for e in "${expect[@]}"; do
	IFS=: read -r b var k <<<"$e"
	line=$(grep "^RESULT bench=$b variant=$var " "$log" |
	       { if [ -n "$k" ]; then grep " per_sock=$k "; else cat; fi; } | tail -n 1)
	name=$b/$var${k:+ (K=$k)}
	if [ -z "$line" ]; then
		failed+=("$name (no result)")
	elif ! grep -q ' status=ok ' <<<"$line"; then
		why=$(grep -o ' fail_reason=[^ ]*' <<<"$line")
		failed+=("$name (FAIL${why:+:$why})")
	fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
	echo "# FAILED: ${failed[*]}"
	exit 1
fi
echo "# all ${#expect[@]} variants ran and verified"
exit 0
