#!/usr/bin/env bash
# Per-event cost of the libbpf backend's programs: plain, with the per-task table (--top), with each
# filter rejecting every switch and keeping the ping-pong's, with --by=kind, --by=cgroup, both with --top, and
# --slower, from the kernel's own accounting (kernel.bpf_stats_enabled:
# run_time_ns / run_cnt per program, bpftool prog show). A pinned pipe ping-pong between two threads (taskset -c 0
# perf bench sched pipe -T, in a cgroup v2 of its own) runs under each configuration in turn, ROUNDS times; it is
# started before ctxswitch and held until ctxswitch traces, so that --pid can name it. Reports the median ns per run of the
# entry and exit programs, and the exit's ratio to the plain exit of the same jar in the same run (the
# README's per-event cost table comes from this file), and of the classification's sched_switch program
# (ctxsw_kind, loaded by --by=kind and by --slower, which also notes A's state there; sched-tp mode has none
# without them). --slower runs with a threshold so high that nothing is printed: its cost on every switch.
#   sudo bench/filter-cost.sh [ROUNDS] [LOOPS]      (defaults 7 and 100000)
#   BEFORE_JAR=old.jar sudo bench/filter-cost.sh ...   also runs every configuration with that jar, in the
#                                                   same rounds, for a before/after in one run
#   ONLY=REGEX sudo bench/filter-cost.sh ...           only the configurations whose label matches, and plain
# Writes bench/results/filter-cost-<host>.md. Needs the jar (mvn -q -DskipTests package), perf, taskset,
# bpftool, jq, and cgroup v2 (mounted under the temporary directory when /sys/fs/cgroup is not cgroup2).
# Compare within one run only: the VM's clock reads are much of each program's cost.
set -euo pipefail
rounds=${1:-7}
loops=${2:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/ctxswitch.jar
out=${OUT:-$root/bench/results/filter-cost-$(hostname -s).md}
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
tmp=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
# The ping-pong's cgroup (--cgroup keeps it, --by=cgroup lists it) and an empty one beside it (--cgroup rejects all).
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	cgroup_root=/sys/fs/cgroup
else
	cgroup_root=$tmp/cgroup2 # a second mount of the v2 hierarchy: /sys/fs/cgroup is v1 here
	mkdir "$cgroup_root"
	mount -t cgroup2 none "$cgroup_root"
fi
cgroup=$cgroup_root/ctxswitch-filter-cost
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
	rmdir "$cgroup" "$cgroup-empty" 2>/dev/null || true
	[ "$cgroup_root" = /sys/fs/cgroup ] || umount "$cgroup_root" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$cgroup" "$cgroup-empty"
sysctl -q -w kernel.bpf_stats_enabled=1
tracer_cpu=$(( $(nproc) > 1 ? 1 : 0 ))
mkfifo "$tmp/go"

before_jar=${BEFORE_JAR:-}
[ -z "$before_jar" ] || [ -f "$before_jar" ] || { echo "no such jar: $before_jar" >&2; exit 2; }

# Label|options. A "rejects all" row rejects every switch of the run: no task has that name, that pid or
# that tid, no switch happens on a CPU that does not exist, no task is in that cgroup. A "keeps the ping-pong"
# row keeps the ping-pong's switches and rejects most others (the other CPU's, the idle task's): @WORKLOAD@ is
# the ping-pong's pid, @CGROUP@ its cgroup; its threads are named sched-pipe (perf bench renames itself
# COLLECTION-BENCH with prctl before it starts them: not perf). (No --tid row keeps it: its threads'
# ids are not known before it starts, and --tid's test is --pid's on the other half of the same id.) The first
# row is the plain one.
configs=(
	"plain|"
	"--top|--top=10"
	"--cpus (rejects all)|--cpus=8191"
	"--cpus (keeps the ping-pong)|--cpus=0"
	"--pid (rejects all)|--pid=2147483647"
	"--pid (keeps the ping-pong)|--pid=@WORKLOAD@"
	"--tid (rejects all)|--tid=2147483647"
	"--comm (rejects all)|--comm=no-such-task"
	"--comm (keeps the ping-pong)|--comm=sched-pipe"
	"--cgroup (rejects all)|--cgroup=@CGROUP@-empty"
	"--cgroup (keeps the ping-pong)|--cgroup=@CGROUP@"
	"--exclude-idle (keeps the ping-pong)|--exclude-idle"
	"--by=kind|--by=kind"
	"--by=cgroup|--by=cgroup"
	"--top --by=kind,cgroup|--top=10 --by=kind,cgroup"
	"--slower (prints nothing)|--slower=1h"
)
# ONLY=REGEX keeps the configurations whose label matches (e.g. ONLY='^(plain|--top)$'); the plain one always stays.
if [ -n "${ONLY:-}" ]; then
	selected=() # not "kept": that name is the results' associative array below
	for config in "${configs[@]}"; do
		label=${config%%|*}
		[ "$label" = plain ] || [[ $label =~ $ONLY ]] && selected+=("$config")
	done
	configs=("${selected[@]}")
fi
jars=("$jar")
[ -z "$before_jar" ] || jars+=("$before_jar")

# one_run JAR OPTIONS...: prints "entry_ns exit_ns kind_ns kept filtered" per run of ctxsw_entry, ctxsw_exit and
# ctxsw_kind (0 when not loaded) over one ping-pong, and the switches ctxswitch kept and filtered out.
one_run() {
	local run_jar=$1
	shift
	# The ping-pong, held until ctxswitch traces: a shell in its cgroup waiting on a fifo, then perf bench (same pid).
	taskset -c 0 sh -c 'read -r _ <"$1"; exec perf bench sched pipe -T -l "$2"' sh "$tmp/go" "$loops" >/dev/null 2>&1 &
	local workload=$!
	echo "$workload" >"$cgroup/cgroup.procs"
	local opts=("${@//@WORKLOAD@/$workload}")
	opts=("${opts[@]//@CGROUP@/$cgroup}")
	# Emptied first: the background job truncates it only once forked, and the wait below must not find the
	# previous run's "tracing with" (it did: a row measured before its programs were attached, 0 ns or a part of the run).
	: >"$tmp/err"
	taskset -c "$tracer_cpu" java -Xmx64m -XX:+UseSerialGC -jar "$run_jar" --backend=libbpf --probe=sched-tp --format=json "${opts[@]}" \
		>"$tmp/out" 2>"$tmp/err" &
	local pid=$!
	for _ in $(seq 2400); do
		grep -q "tracing with" "$tmp/err" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.05
	done
	# A tracer that has not started (a loaded machine) must not be measured as costing 0 ns.
	grep -q "tracing with" "$tmp/err" || {
		echo "ctxswitch $* did not start within 120 s: $(cat "$tmp/err"); $(ps -o pid,stat,etime,wchan:20,cmd -p "$pid" | tail -n +2)" >&2
		kill "$pid" "$workload"
		exit 1
	}
	bpftool prog show --json >"$tmp/before.json"
	echo go >"$tmp/go"
	wait "$workload"
	bpftool prog show --json >"$tmp/after.json"
	kill -INT "$pid"
	# A Ctrl+C that arrived while the JVM was still setting up its handler is lost: send another.
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || true
	# Only this instance's programs: those in both listings (ids are not reused while loaded).
	jq -rn --slurpfile b "$tmp/before.json" --slurpfile a "$tmp/after.json" '
		def cost(n): [ $a[0][] | select(.name == n) | . as $p
			| ($b[0][] | select(.id == $p.id)) as $q
			| { t: ($p.run_time_ns - $q.run_time_ns), c: ($p.run_cnt - $q.run_cnt) } ] | first
			| if .c > 0 then .t / .c else 0 end;
		def costOrZero(n): if any($a[0][]; .name == n) then cost(n) else 0 end;
		"\(cost("ctxsw_entry")) \(cost("ctxsw_exit")) \(costOrZero("ctxsw_kind"))"' | tr '\n' ' '
	# The summary is the last JSON document (--slower prints its outliers before it).
	jq -rs 'last | "\(.count) \(.filtered // 0)"' "$tmp/out"
}

# jar_label JAR: how a row names its jar ("" for the one under test).
jar_label() { [ "$1" = "$jar" ] && echo "" || echo " (before: $(basename "$1"))"; }

declare -A entry exit kind kept
for _ in $(seq "$rounds"); do
	for run_jar in "${jars[@]}"; do
		for config in "${configs[@]}"; do
			label=${config%%|*}$(jar_label "$run_jar")
			read -r -a opts <<<"${config#*|}"
			read -r e x k n f < <(one_run "$run_jar" "${opts[@]}")
			echo "round: $label entry $e exit $x kind $k kept $n filtered $f" >&2
			[ "$x" != 0 ] || continue # the program ran no switch in that run: no figure
			entry[$label]+="$e "
			exit[$label]+="$x "
			kind[$label]+="$k "
			kept[$label]="$n / $f"
		done
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
	echo "# Per-event cost of the libbpf programs: plain, with --top, with each filter rejecting every switch and keeping the ping-pong's, with --by=kind, --by=cgroup and --slower"
	echo
	echo "Machine: Linux $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -T -l $loops\` (in a cgroup of its own) under each configuration in turn, $rounds rounds; kernel.bpf_stats_enabled=1."
	echo "Also running: $(uptime | sed 's/^ *//')"
	echo "Jar: $(basename "$jar")${before_jar:+; before: $before_jar, in the same rounds}."
	echo "Rerun: \`${ONLY:+ONLY='$ONLY' }${before_jar:+BEFORE_JAR=$before_jar }sudo bench/filter-cost.sh $rounds $loops\`."
	echo
	echo "| configuration | options | entry ns/run (median) | exit ns/run (median) | exit / plain exit | sched_switch ns/run (median) | exit, each round | kept / filtered out (last round) |"
	echo "|---|---|---|---|---|---|---|---|"
	for run_jar in "${jars[@]}"; do
		plain_exit=$(echo "${exit[plain$(jar_label "$run_jar")]}" | median)
		for config in "${configs[@]}"; do
			label=${config%%|*}$(jar_label "$run_jar")
			x=$(echo "${exit[$label]}" | median)
			echo "| $label | \`--backend=libbpf --probe=sched-tp ${config#*|}\` | $(echo "${entry[$label]}" | median) | $x | $(awk -v x="$x" -v p="$plain_exit" 'BEGIN { printf "%.2f", x / p }') | $(echo "${kind[$label]}" | median) | $(echo "${exit[$label]}" | tr ' ' '\n' | grep -v '^$' | xargs printf '%.0f ') | ${kept[$label]:-} |"
		done
	done
	echo
	echo "sched_switch: --by=kind's and --slower's ctxsw_kind program, which notes A's state (0: not loaded); with --slower each switch costs entry + exit + sched_switch."
} | tee "$out"
