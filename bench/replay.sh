#!/usr/bin/env bash
# Replay speed on a real perf trace of at least 2.5 million lines.
#   sudo bench/replay.sh [LOOPS]     (default 450000 ping-pong loops: about 2.7 million lines)
# Records the trace once (perf record of a pinned pipe ping-pong, printed by perf script --ns), then
# times the whole process as users run it (./ctxswitch --replay=FILE, JVM start included), nine
# times, and the same on a 1,577-line fixture to isolate start-up. Parsing rate = lines / (big - small).
# Writes bench/results/replay-<host>.md.
set -euo pipefail
loops=${1:-450000}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/results/replay-$(hostname -s).md
work=${CTXSWITCH_BENCH_DIR:-/var/tmp/ctxswitch-bench}
mkdir -p "$work"
trace=$work/pipe-$loops.txt
small=$root/backend-perf/src/test/resources/perf/pipe.txt
if [ ! -s "$trace" ]; then
	perf record -q -a --switch-events -e sched:sched_switch -o "$work/pipe.data" -- \
		taskset -c 0 perf bench sched pipe -l "$loops" >/dev/null 2>&1
	perf script --ns --show-switch-events --show-lost-events -i "$work/pipe.data" >"$trace" 2>/dev/null
	rm -f "$work/pipe.data"
fi
lines=$(wc -l <"$trace")
"$root/ctxswitch" --version >/dev/null # builds the jar if needed, outside the timing

# median_ms FILE: median wall time of nine whole-process replays, in ms
median_ms() {
	for _ in 1 2 3 4 5 6 7 8 9; do
		local t0 t1
		t0=$(date +%s%N)
		"$root/ctxswitch" --replay="$1" --format=json >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 ))
	done | sort -n | sed -n 5p
}

big=$(median_ms "$trace")
base=$(median_ms "$small")
rate=$(awk -v l="$lines" -v b="$big" -v s="$base" 'BEGIN { printf "%.2f", l / ((b - s) / 1000) / 1e6 }')
{
	echo "# Replay speed"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Trace: perf script --ns of \`taskset -c 0 perf bench sched pipe -l $loops\`, $lines lines, $(du -m "$trace" | cut -f1) MB."
	echo "Rerun: \`sudo bench/replay.sh $loops\`."
	echo
	echo "| measure | result |"
	echo "|---|---|"
	echo "| whole process, \`./ctxswitch --replay=FILE --format=json\` (median of 9) | $big ms |"
	echo "| start-up alone (the same on a 1,577-line trace) | $base ms |"
	echo "| parsing rate, lines / (whole - start-up) | $rate million lines/s |"
} | tee "$out"
