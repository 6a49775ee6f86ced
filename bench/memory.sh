#!/usr/bin/env bash
# Resident memory of ctxswitch over a long run with --interval=1s, under a switching load.
#   sudo bench/memory.sh [SECONDS]      (default 600)
# Samples VmRSS every 10 s and writes bench/results/memory-<host>.txt. "Flat" means the growth after
# the first minute (JIT and heap warm-up) stays under 5 MB.
set -euo pipefail
seconds=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/ctxswitch.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
out=$root/bench/results/memory-$(hostname -s).txt
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

# Load: a pinned ping-pong in a loop, so that every interval has switches to aggregate.
( while true; do taskset -c 0 perf bench sched pipe -l 200000 >/dev/null 2>&1; done ) &
java -Xmx64m -XX:+UseSerialGC -jar "$jar" --backend=libbpf --interval=1s --top=10 --per-cpu \
	--duration="${seconds}s" --format=json >"$tmp/out.ndjson" 2>"$tmp/err.txt" &
pid=$!
sleep 2
{
	echo "# ctxswitch resident memory, $(date -u +%F), $(uname -r), $(nproc) CPUs, java $(java -version 2>&1 | head -1)"
	echo "# command: java -Xmx64m -XX:+UseSerialGC -jar ctxswitch.jar --backend=libbpf --interval=1s --top=10 --per-cpu --duration=${seconds}s"
	echo "# elapsed_s rss_kb"
} >"$out"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
	rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || true)
	[ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss" >>"$out"
	sleep 10
done
wait "$pid"
lines=$(wc -l <"$tmp/out.ndjson")
awk -v lines="$lines" '!/^#/ { if ($1 >= 60 && first == "") first = $2; last = $2; if ($2 > max) max = $2 }
	END { growth = last - first;
	      printf "# after 60 s: %d kB; at the end: %d kB; peak: %d kB; growth after the first minute: %d kB (%s); %d JSON lines\n",
	             first, last, max, growth, (growth < 5120 ? "flat" : "GROWING"), lines }' "$out" | tee -a "$out"
