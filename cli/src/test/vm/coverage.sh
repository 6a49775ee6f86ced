#!/bin/sh
# The coverage test's scenario (issue 13), run in a VM by the kernel's run script or on this machine:
#   coverage.sh NAME PROBE [SECONDS]
# traces with ctxswitch --backend=BACKEND --probe=PROBE --top while the mixed load (mixed-load.c) runs
# on CPU 0 for SECONDS (default 5), then stops each task of the load (SIGSTOP), reads the kernel's own
# count of switches out of it, and only then stops ctxswitch. Leaves in OUT (default /mnt):
#   NAME.json, NAME.err, NAME.exit   ctxswitch's summary, stderr and exit status
#   NAME.tasks                       "ROLE PID VOLUNTARY NONVOLUNTARY" per task of the load
#   NAME.bpfstats                    with BPF_STATS=1: bpftool prog show, with kernel.bpf_stats_enabled
#                                    (run_time_ns and run_cnt per program), taken before ctxswitch stops
# Environment: CTXSWITCH_JAR (the jar under test), CTXSWITCH_LOAD (mixed-load, compiled), OUT, BPF_STATS,
# BACKEND (default libbpf), CTXSWITCH_ARGS (more arguments for ctxswitch, e.g. --bpftrace=PATH), LOAD_ROLES (the
# load's roles to start, e.g. "ping pong"; default all six).
jar=${CTXSWITCH_JAR:?}
load=${CTXSWITCH_LOAD:?}
out=${OUT:-/mnt}
name=$1 probe=$2 seconds=${3:-5}

# until SECONDS CONDITION: polls CONDITION every 0.1 s, at most SECONDS; false if it never held.
until_true() {
	limit=$(($1 * 10))
	shift
	i=0
	while ! sh -c "$1" 2>/dev/null; do
		[ $i -ge $limit ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

[ -n "${BPF_STATS:-}" ] && sysctl -q -w kernel.bpf_stats_enabled=1
# shellcheck disable=SC2086 # CTXSWITCH_ARGS: words, by design
java -jar "$jar" --backend="${BACKEND:-libbpf}" --probe="$probe" --format=json --top=200 ${CTXSWITCH_ARGS:-} >"$out/$name.json" 2>"$out/$name.err" &
tracer=$!
until_true 300 "grep -q '^ctxswitch: tracing' '$out/$name.err' || ! kill -0 $tracer" || echo "ctxswitch did not start" >&2
# shellcheck disable=SC2086 # LOAD_ROLES: words, by design
taskset -c 0 "$load" ${LOAD_ROLES:-} >"$out/$name.load" &
loader=$!
until_true 60 "grep -q '^started' '$out/$name.load'"
sleep "$seconds"
grep -v '^started' "$out/$name.load" >"$out/$name.roles"
while read -r role pid; do kill -STOP "$pid"; done <"$out/$name.roles"
: >"$out/$name.tasks"
while read -r role pid; do
	# A stop takes effect when the task next runs: read its counters once it has.
	until_true 30 "awk '{exit \$3 != \"T\"}' /proc/$pid/stat" || echo "$role $pid did not stop" >&2
	awk -v role="$role" -v pid="$pid" '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2}
		END {print role, pid, v, n}' "/proc/$pid/status" >>"$out/$name.tasks"
done <"$out/$name.roles"
if [ -n "${BPF_STATS:-}" ]; then
	bpftool prog show >"$out/$name.bpfstats" 2>&1
	sysctl -q -w kernel.bpf_stats_enabled=0
fi
kill -INT "$tracer"
wait "$tracer"
echo $? >"$out/$name.exit"
while read -r role pid; do kill -KILL "$pid"; done <"$out/$name.roles"
kill -KILL "$loader"
wait "$loader" 2>/dev/null
exit 0
