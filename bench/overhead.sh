#!/usr/bin/env bash
# What tracing costs the traced: a pinned pipe ping-pong (taskset -c 0 perf bench sched pipe, two
# switches an operation) run untraced and traced, alternating pair by pair, for each tracer. Reports
# the median of traced/untraced time per pair, with its spread (min..max of the pairs).
#   sudo bench/overhead.sh [PAIRS] [LOOPS]        (defaults 15 and 100000)
# Writes bench/results/overhead-<host>.md. Needs: the jar (mvn -q -DskipTests package), perf,
# taskset, and for the reference tracer clang, bpftool, gcc and libbpf-dev.
# Environment: PROBES, the libbpf probe modes to measure (default sched-tp, with the per-task
# table and the reference tracer beside it; bench/linux61-overhead.sh sets "fentry kprobe"), OUT.
set -euo pipefail
pairs=${1:-15}
loops=${2:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/ctxswitch.jar
out=${OUT:-$root/bench/results/overhead-$(hostname -s).md}
probes=${PROBES:-sched-tp}
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
[ "$probes" = sched-tp ] && make -s -C "$root/bench/reftracer"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
# Tracers' user space runs on another CPU than the workload: what is measured is the probes' cost.
tracer_cpu=$(( $(nproc) > 1 ? 1 : 0 ))

# bench_time: seconds the ping-pong took.
bench_time() {
	taskset -c 0 perf bench sched pipe -l "$loops" 2>/dev/null | awk '/Total time:/ {print $3}'
}

# traced_time NAME COMMAND...: starts the tracer, waits until it says it is attached, runs the bench, stops it.
traced_time() {
	local ready=$1; shift
	taskset -c "$tracer_cpu" "$@" >"$tmp/tracer.out" 2>"$tmp/tracer.err" &
	local pid=$!
	for _ in $(seq 600); do
		grep -q "$ready" "$tmp/tracer.err" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/tracer.err" >&2; exit 1; }
		sleep 0.05
	done
	bench_time
	kill -TERM "$pid"
	wait "$pid" || true
}

# measure LABEL READY COMMAND...: prints "LABEL|median|min|max" of traced/untraced ratios.
measure() {
	local label=$1; shift
	local ratios=()
	for _ in $(seq "$pairs"); do
		local base traced
		base=$(bench_time)
		traced=$(traced_time "$@")
		ratios+=("$(awk -v t="$traced" -v b="$base" 'BEGIN { printf "%.4f", t / b }')")
	done
	printf '%s\n' "${ratios[@]}" | sort -n | awk -v label="$label" '
		{ r[NR] = $1 }
		END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2;
		      printf "%s|%.3f|%.3f|%.3f\n", label, m, r[1], r[NR] }'
}

java_cmd=(java -Xmx64m -XX:+UseSerialGC -jar "$jar")
results=()
for probe in $probes; do
	results+=("$(measure "ctxswitch libbpf $probe" "tracing with" "${java_cmd[@]}" --backend=libbpf --probe="$probe")")
done
if [ "$probes" = sched-tp ]; then
	results+=("$(measure "ctxswitch libbpf sched-tp --top=10 (per-task table)" "tracing with" "${java_cmd[@]}" --backend=libbpf --top=10)")
	results+=("$(measure "reference: minimal C libbpf tracer (count and sum only)" "attached" "$root/target/reftracer/reftracer" 3600)")
fi

{
	echo "# Tracing overhead on a pinned pipe ping-pong"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -l $loops\`, $pairs untraced/traced pairs per tracer, tracer's user space on CPU $tracer_cpu."
	echo "Rerun: \`${RERUN:-sudo bench/overhead.sh $pairs $loops}\`."
	echo
	echo "| tracer | median traced/untraced | spread (min..max) |"
	echo "|---|---|---|"
	for r in "${results[@]}"; do
		IFS='|' read -r label median lo hi <<<"$r"
		echo "| $label | $median | $lo..$hi |"
	done
} | tee "$out"
