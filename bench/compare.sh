#!/usr/bin/env bash
# Every tracer against what users would run instead, on the same workload, in one run.
#   sudo bench/compare.sh [PAIRS] [LOOPS]          (defaults 15 and 100000)
#   ONLY=REGEX sudo bench/compare.sh ...            only the tracers whose label matches (grep -E); the
#                                                   results then go to compare-<host>-only-<REGEX>.md
# Workload: taskset -c 0 perf bench sched pipe -l LOOPS, untraced and traced, alternating pair by
# pair. For each tracer: the median traced/untraced time with its spread, the time from start to
# attached, its peak resident memory, and its own CPU while tracing (steady state, 5 s of load).
# Writes bench/results/compare-<host>.md and .png (gnuplot). Tracers: ctxswitch libbpf (with and
# without the per-task table), ctxswitch perf, the reference C tracer, bpftrace >= 0.18 with the
# in-kernel equivalent script (BPFTRACE=path, or Debian trixie's in /var/tmp/trixie: see below),
# and perf record --switch-events. Tracers' user space runs on CPU 1, the workload on CPU 0.
# The --serve row is scraped once a second (curl, on CPU 1) for as long as it traces, as Prometheus would.
# bpftrace 0.23: debootstrap --variant=minbase trixie /var/tmp/trixie && chroot /var/tmp/trixie apt-get install -y bpftrace
set -euo pipefail
pairs=${1:-15}
loops=${2:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/ctxswitch.jar
host=$(hostname -s)
out=$root/bench/results/compare-$host
only=${ONLY:-}
[ -z "$only" ] || out=$out-only-$(printf '%s' "$only" | tr -c 'A-Za-z0-9' '-')
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
make -s -C "$root/bench/reftracer"
command -v gnuplot >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
cpu=$(( $(nproc) > 1 ? 1 : 0 ))

# bpftrace that can attach to sched_entry_tp (0.18 or later)
bpftrace=()
if [ -n "${BPFTRACE:-}" ]; then
	bpftrace=("$BPFTRACE")
elif [ -x /var/tmp/trixie/usr/bin/bpftrace ]; then
	mountpoint -q /var/tmp/trixie/proc || mount --bind /proc /var/tmp/trixie/proc
	mountpoint -q /var/tmp/trixie/sys || mount --rbind /sys /var/tmp/trixie/sys
	bpftrace=(chroot /var/tmp/trixie bpftrace)
fi
bt_script='rawtracepoint:sched_entry_tp { @start[cpu] = nsecs; }
rawtracepoint:sched_exit_tp /@start[cpu]/ { if (arg0) { $d = nsecs - @start[cpu]; @count = count(); @min = min($d); @max = max($d); @avg = avg($d); @hist = hist($d); } delete(@start[cpu]); }'

bench_time() { taskset -c 0 perf bench sched pipe -l "$loops" 2>/dev/null | awk '/Total time:/ {print $3}'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# the traced process: the tracer itself, or its child for chroot
tracer_pid() { local p=$1 c; c=$(pgrep -P "$p" | head -1); [ -n "$c" ] && [ "$(cat /proc/$p/comm)" = chroot ] && echo "$c" || echo "$p"; }

# start NAME READY_TEXT COMMAND...: starts a tracer; sets pid and attach_ms (or fails)
start() {
	local ready=$1; shift
	local t0; t0=$(now_ms)
	if [ "$ready" = "control-ack" ]; then # plain perf record: enabled through its control FIFO
		rm -f "$tmp/ctl" "$tmp/ack"; mkfifo "$tmp/ctl" "$tmp/ack"
		taskset -c "$cpu" "$@" -D -1 --control="fifo:$tmp/ctl,$tmp/ack" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		exec 3<>"$tmp/ctl" 4<>"$tmp/ack"
		echo enable >&3
		read -r -t 30 _ <&4
		exec 3>&- 4>&-
	else
		taskset -c "$cpu" "$@" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		for _ in $(seq 1200); do
			grep -q "$ready" "$tmp/err" "$tmp/out" 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || { echo "tracer failed: $*" >&2; cat "$tmp/err" >&2; return 1; }
			sleep 0.025
		done
	fi
	attach_ms=$(( $(now_ms) - t0 ))
	if [ -n "$scrape_url" ]; then
		taskset -c "$cpu" sh -c "while :; do curl -sf -o /dev/null '$scrape_url' || exit 1; sleep 1; done" &
		scraper=$!
	fi
}
stop() {
	if [ -n "$scraper" ]; then
		kill -0 "$scraper" 2>/dev/null || { echo "a scrape of $scrape_url failed" >&2; exit 1; }
		kill "$scraper"; wait "$scraper" 2>/dev/null || true; scraper=
	fi
	kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -f "$tmp"/perf*.data
}
scrape_url= scraper=

# measure LABEL READY COMMAND...: one table row
measure() {
	local label=$1; shift
	[ -z "$only" ] || grep -qE -- "$only" <<<"$label" || return 0
	local ratios=() attach=() rss=()
	for _ in $(seq "$pairs"); do
		local base traced p
		base=$(bench_time)
		start "$@" || return 0
		traced=$(bench_time)
		p=$(tracer_pid "$pid")
		rss+=("$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)")
		attach+=("$attach_ms")
		stop
		ratios+=("$(awk -v t="$traced" -v b="$base" 'BEGIN { printf "%.4f", t / b }')")
	done
	# steady state: the tracer's own CPU over 5 s of continuous load, after 2 s to settle
	start "$@" || return 0
	local p; p=$(tracer_pid "$pid")
	sleep 2
	local c0 t0; c0=$(cpu_ticks "$p"); t0=$(now_ms)
	( end=$(( $(date +%s) + 5 )); while [ "$(date +%s)" -lt "$end" ]; do bench_time >/dev/null; done )
	local c1 t1; c1=$(cpu_ticks "$p"); t1=$(now_ms)
	stop
	local cpu_pct; cpu_pct=$(awk -v c=$(( c1 - c0 )) -v hz="$(getconf CLK_TCK)" -v ms=$(( t1 - t0 )) 'BEGIN { printf "%.2f", c / hz / (ms / 1000) * 100 }')
	median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
	local lo hi; lo=$(printf '%s\n' "${ratios[@]}" | sort -n | head -1); hi=$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)
	printf '%s|%.3f|%s|%s|%d|%.1f|%s\n' "$label" "$(median "${ratios[@]}")" "$lo" "$hi" "$(median "${attach[@]}")" \
		"$(awk -v k="$(median "${rss[@]}")" 'BEGIN { print k / 1024 }')" "$cpu_pct" >>"$tmp/rows"
}

java=("$root/ctxswitch") # as users run it: the launcher execs the JVM with its class-data archive
"$root/ctxswitch" --version >/dev/null # builds or refreshes what it needs, outside the timing
: >"$tmp/rows"
measure "ctxswitch libbpf" "tracing with" "${java[@]}" --backend=libbpf
measure "ctxswitch libbpf --top=10" "tracing with" "${java[@]}" --backend=libbpf --top=10
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scrape_url=http://127.0.0.1:$port/metrics
measure "ctxswitch libbpf --serve, scraped every second" "serving http" "${java[@]}" --backend=libbpf --serve="$port"
scrape_url=
measure "ctxswitch perf" "tracing with" "${java[@]}" --backend=perf
measure "reference C libbpf tracer (count, sum)" "attached" "$root/target/reftracer/reftracer" 3600
if [ ${#bpftrace[@]} -gt 0 ]; then
	# ctxswitch's bpftrace backend runs that same bpftrace (its CPU column counts the JVM, not bpftrace)
	printf '#!/bin/sh\nexec %s "$@"\n' "${bpftrace[*]}" >"$tmp/bpftrace"
	chmod +x "$tmp/bpftrace"
	measure "ctxswitch bpftrace ($("${bpftrace[@]}" --version | awk '{print $2}'))" "tracing with" "${java[@]}" --backend=bpftrace --bpftrace="$tmp/bpftrace"
	measure "bpftrace $("${bpftrace[@]}" --version | awk '{print $2}'), in-kernel stats and hist" "Attaching" "${bpftrace[@]}" -e "$bt_script"
fi
measure "perf record --switch-events -e sched:sched_switch" control-ack perf record -q -a --switch-events -e sched:sched_switch -o "$tmp/perf.data"

{
	echo "# Tracers compared on a pinned pipe ping-pong"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -l $loops\`, $pairs untraced/traced pairs per tracer; tracers on CPU $cpu."
	echo "Rerun: \`sudo bench/compare.sh $pairs $loops\`. Targets for ctxswitch libbpf: overhead <= 1.10, attached <= 1.0 s, CPU <= 1 %."
	echo
	echo "| tracer | median traced/untraced | spread | start to attached | peak RSS | tracer CPU while tracing |"
	echo "|---|---|---|---|---|---|"
	while IFS='|' read -r label median lo hi attach rss cpu_pct; do
		echo "| $label | $median | $lo..$hi | $attach ms | $rss MB | $cpu_pct % |"
	done <"$tmp/rows"
} | tee "$out.md"

awk -F'|' '{ printf "\"%s\" %s %s %s\n", $1, $2, $3, $4 }' "$tmp/rows" >"$tmp/plot.dat"
gnuplot <<PLOT
set terminal pngcairo size 1100,560 font ",10" noenhanced
set lmargin 10
set rmargin 22
set bmargin 9
set output "$out.png"
set title "Cost of tracing a pinned pipe ping-pong ($(uname -r), $(nproc) CPUs): median traced/untraced time, min..max of $pairs pairs"
set style fill solid 0.6
set boxwidth 0.6
set yrange [0.8:*]
set ylabel "traced / untraced"
set xtics rotate by -20
set grid ytics
plot "$tmp/plot.dat" using 0:2:xtic(1) with boxes notitle, "" using 0:2:3:4 with yerrorbars notitle lc rgb "black"
PLOT
echo "wrote $out.md and $out.png"
