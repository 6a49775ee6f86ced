#!/usr/bin/env bash
# How big an hour-long heat map is, and how long a browser takes to open it.
#   bench/heatmap-hour.sh [SECONDS [CPUS]]      (default 3600: an hour at --interval=1s)
# Synthesises the run's --format=json --interval output (bench/heatmap-synth.py: a ping-pong's
# histogram each second, with a heavier tail than real runs, so more cells), draws it through the
# same renderer as a live run (./ctxswitch --replay=FILE --heatmap=FILE.svg), then times headless
# Chromium rendering it to a PNG, against the same for an empty heat map (the browser's own start),
# nine times each. Needs chromium (apt-get install chromium). Writes bench/results/heatmap-<host>.md.
# With CPUS: the run as --per-cpu prints it, each CPU with a ping-pong of its own, drawn with --per-cpu
# (a panel per CPU); also draws it without --per-cpu for comparison. Writes heatmap-<host>-per-cpu-CPUS.md.
set -euo pipefail
seconds=${1:-3600}
cpus=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/results/heatmap-$(hostname -s)${cpus:+-per-cpu-$cpus}.md
work=$(mktemp -d /tmp/ctxswitch-heatmap-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$root/ctxswitch" --version >/dev/null # builds the jar if needed

python3 "$root/bench/heatmap-synth.py" "$seconds" $cpus >"$work/run.ndjson"
"$root/ctxswitch" --replay="$work/run.ndjson" ${cpus:+--per-cpu} --heatmap="$work/run.svg" 2>"$work/drew.txt"
if [ -n "$cpus" ]; then
	"$root/ctxswitch" --replay="$work/run.ndjson" --heatmap="$work/all.svg" 2>/dev/null
fi
# An empty heat map: one interval with no switch.
head -1 "$work/run.ndjson" | sed 's/"count":[0-9]*,/"count":0,/; s/"histogram":\[.*\]/"histogram":[]/' >"$work/empty.ndjson"
"$root/ctxswitch" --replay="$work/empty.ndjson" --heatmap="$work/empty.svg" 2>/dev/null

size() { sed -n 's/.*<svg[^>]* width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' "$1" | head -1; }

# median_ms SVG: median wall time of nine headless Chromium screenshots of SVG, in ms
median_ms() {
	local window
	window=$(size "$1")
	for _ in 1 2 3 4 5 6 7 8 9; do
		local t0 t1
		rm -rf "$work/profile"
		t0=$(date +%s%N)
		chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
			--user-data-dir="$work/profile" --screenshot="$work/shot.png" --window-size="$window" \
			"file://$1" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	done | sort -n | sed -n 5p
}

bytes=$(stat -c %s "$work/run.svg")
cells=$(grep -o '</title></rect>' "$work/run.svg" | wc -l)
full=$(median_ms "$work/run.svg")
empty=$(median_ms "$work/empty.svg")
{
	echo "Machine: $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(date -u +%F)."
	echo "Browser: $(chromium --version 2>/dev/null | head -1)."
	echo "Input: $seconds intervals of 1 s (bench/heatmap-synth.py${cpus:+, $cpus CPUs each with a ping-pong, drawn with --per-cpu}); $(sed 's/^ctxswitch: //; s/ into .*//' "$work/drew.txt")."
	echo "Rerun: \`bench/heatmap-hour.sh $seconds${cpus:+ $cpus}\`."
	echo
	echo "| measure | result |"
	echo "|---|---|"
	echo "| SVG size | $bytes bytes ($cells cells) |"
	if [ -n "$cpus" ]; then
		echo "| the same without --per-cpu (all CPUs only) | $(stat -c %s "$work/all.svg") bytes |"
	fi
	echo "| headless Chromium, open and render to PNG (median of 9) | $full ms |"
	echo "| the same for an empty heat map (browser start-up) | $empty ms |"
	echo "| opening the hour-long heat map, less start-up | $((full - empty)) ms |"
} | tee "$out"
