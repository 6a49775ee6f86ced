#!/usr/bin/env bash
# README's heat map: a pinned pipe ping-pong on CPU 0 for 20 s, with a CPU hog arriving on the same
# CPU half-way, traced with the libbpf backend at --interval=1s; the SVG is rendered to a PNG by
# headless Chromium (apt-get install chromium).
#   sudo bench/heatmap-example.sh [OUTDIR [--per-cpu]]     (default bench/results: heatmap-example.{svg,png,ndjson})
# With --per-cpu, the same run drawn with a panel per CPU too: heatmap-example-per-cpu.{svg,png,ndjson}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$root/bench/results}
perCpu=${2:-}
name=heatmap-example${perCpu:+-per-cpu}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd) # chromium takes a file:// URL: an absolute path
svg=$outdir/$name.svg
"$root/ctxswitch" --version >/dev/null # builds the jar if needed

"$root/ctxswitch" --backend=libbpf --duration=20s --interval=1s --format=json $perCpu --heatmap="$svg" \
	>"$outdir/$name.ndjson" 2>"$outdir/$name.err" &
tracer=$!
until grep -q 'tracing with' "$outdir/$name.err"; do
	kill -0 $tracer 2>/dev/null || { cat "$outdir/$name.err" >&2; exit 1; }
	sleep 0.1
done
timeout -s INT 19 taskset -c 0 perf bench sched pipe -l 1000000000 >/dev/null 2>&1 &
pingpong=$!
sleep 10
timeout 9 taskset -c 0 sh -c 'while :; do :; done' || true # the hog, on the ping-pong's CPU
wait $pingpong || true
wait $tracer
rm -f "$outdir/$name.err"

window=$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' "$svg" | head -1)
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
	--user-data-dir="$profile" --screenshot="$outdir/$name.png" --window-size="$window" \
	"file://$svg" >/dev/null 2>&1
rm -rf "$profile"
echo "wrote $svg, $outdir/$name.png and the run's JSON output $outdir/$name.ndjson"
