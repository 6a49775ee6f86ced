#!/usr/bin/env bash
# Start-up through the launcher, as a user meets it.
#   sudo bench/startup.sh [RUNS] [-- CTXSWITCH-OPTIONS...]     (default 10 runs, the default backend)
# For each of RUNS launches of ./ctxswitch: the wall time of `--version`, and the wall time from exec
# to the stderr line "ctxswitch: tracing with ..." (attached), after which the run is stopped with
# SIGTERM and waited for. Prints the medians with the machine they were measured on, and writes them
# to bench/results/startup-<host>.md. The launcher's first use (build, class-data archive) is done
# once before measuring: these are the times of every later start.
# Measured start to attached is what a script waiting for "tracing" waits: the JVM, the wiring, the
# host's facts, and loading and attaching the BPF programs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
shift || true
[ "${1:-}" = "--" ] && shift
extra=("$@")
launcher=$root/ctxswitch
host=$(hostname -s)
out=$root/bench/results/startup-$host.md
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# The first use builds the jar and the class-data archive; not what is measured.
"$launcher" --version >/dev/null

# median of the arguments (seconds), printed in milliseconds
median_ms() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d", m * 1000 + 0.5 }'
}

elapsed() { # START END: seconds between two $EPOCHREALTIME readings
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'
}

# one --version: exec to exit
version_once() {
	local t0 t1
	t0=$EPOCHREALTIME
	"$launcher" --version >/dev/null
	t1=$EPOCHREALTIME
	elapsed "$t0" "$t1"
}

# one trace: exec to the "tracing with" line, then SIGTERM and wait
attach_once() {
	local fifo=$tmp/err t0 t1= line
	rm -f "$fifo"
	mkfifo "$fifo"
	t0=$EPOCHREALTIME
	"$launcher" --format=json "${extra[@]}" >/dev/null 2>"$fifo" &
	pid=$!
	exec 3<"$fifo"
	while IFS= read -r line <&3; do
		if [[ $line == "ctxswitch: tracing with "* ]]; then
			t1=$EPOCHREALTIME
			break
		fi
		echo "$line" >>"$tmp/stderr"
	done
	kill -TERM "$pid" 2>/dev/null || true
	cat <&3 >>"$tmp/stderr" # keep reading: the summary and its notices, until it exits
	exec 3<&-
	wait "$pid" || true
	pid=
	if [ -z "$t1" ]; then
		echo "bench/startup.sh: ctxswitch never said it was tracing:" >&2
		cat "$tmp/stderr" >&2
		exit 1
	fi
	elapsed "$t0" "$t1"
}

versions=()
attaches=()
for ((i = 0; i < runs; i++)); do
	versions+=("$(version_once)")
	attaches+=("$(attach_once)")
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
report=$(cat <<EOF
# ctxswitch start-up: median of $runs launches through ./ctxswitch

| measured | median | all runs (ms) |
|---|---|---|
| \`./ctxswitch --version\` (exec to exit) | $(median_ms "${versions[@]}") ms | $(for v in "${versions[@]}"; do awk -v v="$v" 'BEGIN { printf "%d ", v * 1000 + 0.5 }'; done)|
| \`./ctxswitch${extra[*]:+ ${extra[*]}}\` start to attached (exec to "tracing with") | $(median_ms "${attaches[@]}") ms | $(for v in "${attaches[@]}"; do awk -v v="$v" 'BEGIN { printf "%d ", v * 1000 + 0.5 }'; done)|

Machine: Linux $(uname -r), $(nproc) CPUs ($cpu), $(java -version 2>&1 | head -1), $(date -u '+%Y-%m-%d %H:%M UTC').
EOF
)
mkdir -p "$(dirname "$out")"
echo "$report" | tee "$out"
