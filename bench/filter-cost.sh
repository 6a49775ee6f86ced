#!/usr/bin/env bash
# Per-event cost of the libbpf backend's programs: plain, with the per-task table (--top), with a
# filter that rejects every switch, with --by=kind and with --by=cgroup, from the kernel's own accounting (kernel.bpf_stats_enabled:
# run_time_ns / run_cnt per program, bpftool prog show). A pinned pipe ping-pong (taskset -c 0 perf bench
# sched pipe) runs under each configuration in turn, ROUNDS times; reports the median ns per run of the
# entry and exit programs, and the exit's ratio to the plain exit of the same jar in the same run (the
# README's per-event cost table comes from this file), and of the classification's sched_switch program
# (ctxsw_kind, loaded by --by=kind and by --slower, which also notes A's state there; sched-tp mode has none
# without them). --slower runs with a threshold so high that nothing is printed: its cost on every switch.
#   sudo bench/filter-cost.sh [ROUNDS] [LOOPS]      (defaults 7 and 100000)
#   BEFORE_JAR=old.jar sudo bench/filter-cost.sh ...   also runs every configuration with that jar, in the
#                                                   same rounds, for a before/after in one run
#   ONLY=REGEX sudo bench/filter-cost.sh ...           only the configurations whose label matches, and plain
# Writes bench/results/filter-cost-<host>.md. Needs the jar (mvn -q -DskipTests package), perf, taskset,
# bpftool, jq. Compare within one run only: the VM's clock reads are much of each program's cost.
set -euo pipefail
rounds=${1:-7}
loops=${2:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/ctxswitch.jar
out=${OUT:-$root/bench/results/filter-cost-$(hostname -s).md}
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
tmp=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
trap 'kill $(jobs -p) 2>/dev/null || true; sysctl -q -w kernel.bpf_stats_enabled="$stats_before"; rm -rf "$tmp"' EXIT
sysctl -q -w kernel.bpf_stats_enabled=1
tracer_cpu=$(( $(nproc) > 1 ? 1 : 0 ))

before_jar=${BEFORE_JAR:-}
[ -z "$before_jar" ] || [ -f "$before_jar" ] || { echo "no such jar: $before_jar" >&2; exit 2; }

# Label|options. Every filter row rejects every switch of the run: no task has that name, that pid or
# that tid, no switch happens on a CPU that does not exist. The first row is the plain one.
configs=(
	"plain|"
	"--top|--top=10"
	"--cpus (rejects all)|--cpus=8191"
	"--pid (rejects all)|--pid=2147483647"
	"--tid (rejects all)|--tid=2147483647"
	"--comm (rejects all)|--comm=no-such-task"
	"--by=kind|--by=kind"
	"--by=cgroup|--by=cgroup"
	"--slower (prints nothing)|--slower=1h"
)
# ONLY=REGEX keeps the configurations whose label matches (e.g. ONLY='^(plain|--top)$'); the plain one always stays.
if [ -n "${ONLY:-}" ]; then
	kept=()
	for config in "${configs[@]}"; do
		label=${config%%|*}
		[ "$label" = plain ] || [[ $label =~ $ONLY ]] && kept+=("$config")
	done
	configs=("${kept[@]}")
fi
jars=("$jar")
[ -z "$before_jar" ] || jars+=("$before_jar")

# one_run JAR OPTIONS...: prints "entry_ns exit_ns kind_ns" per run of ctxsw_entry, ctxsw_exit and ctxsw_kind
# (0 when not loaded) over one ping-pong.
one_run() {
	local run_jar=$1
	shift
	taskset -c "$tracer_cpu" java -Xmx64m -XX:+UseSerialGC -jar "$run_jar" --backend=libbpf --probe=sched-tp "$@" \
		>"$tmp/out" 2>"$tmp/err" &
	local pid=$!
	for _ in $(seq 600); do
		grep -q "tracing with" "$tmp/err" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.05
	done
	# A tracer that has not started (a loaded machine) must not be measured as costing 0 ns.
	grep -q "tracing with" "$tmp/err" || { echo "ctxswitch $* did not start within 30 s: $(cat "$tmp/err")" >&2; kill "$pid"; exit 1; }
	bpftool prog show --json >"$tmp/before.json"
	taskset -c 0 perf bench sched pipe -l "$loops" >/dev/null 2>&1
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
		"\(cost("ctxsw_entry")) \(cost("ctxsw_exit")) \(costOrZero("ctxsw_kind"))"'
}

# jar_label JAR: how a row names its jar ("" for the one under test).
jar_label() { [ "$1" = "$jar" ] && echo "" || echo " (before: $(basename "$1"))"; }

declare -A entry exit kind
for _ in $(seq "$rounds"); do
	for run_jar in "${jars[@]}"; do
		for config in "${configs[@]}"; do
			label=${config%%|*}$(jar_label "$run_jar")
			read -r -a opts <<<"${config#*|}"
			read -r e x k < <(one_run "$run_jar" "${opts[@]}")
			echo "round: $label entry $e exit $x kind $k" >&2
			[ "$x" != 0 ] || continue # the program ran no switch in that run: no figure
			entry[$label]+="$e "
			exit[$label]+="$x "
			kind[$label]+="$k "
		done
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
	echo "# Per-event cost of the libbpf programs: plain, with --top, with a filter that rejects every switch, with --by=kind, --by=cgroup and --slower"
	echo
	echo "Machine: Linux $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -l $loops\` under each configuration in turn, $rounds rounds; kernel.bpf_stats_enabled=1."
	echo "Jar: $(basename "$jar")${before_jar:+; before: $before_jar, in the same rounds}."
	echo "Rerun: \`${ONLY:+ONLY='$ONLY' }${before_jar:+BEFORE_JAR=$before_jar }sudo bench/filter-cost.sh $rounds $loops\`."
	echo
	echo "| configuration | options | entry ns/run (median) | exit ns/run (median) | exit / plain exit | sched_switch ns/run (median) | exit, each round |"
	echo "|---|---|---|---|---|---|---|"
	for run_jar in "${jars[@]}"; do
		plain_exit=$(echo "${exit[plain$(jar_label "$run_jar")]}" | median)
		for config in "${configs[@]}"; do
			label=${config%%|*}$(jar_label "$run_jar")
			x=$(echo "${exit[$label]}" | median)
			echo "| $label | \`--backend=libbpf --probe=sched-tp ${config#*|}\` | $(echo "${entry[$label]}" | median) | $x | $(awk -v x="$x" -v p="$plain_exit" 'BEGIN { printf "%.2f", x / p }') | $(echo "${kind[$label]}" | median) | $(echo "${exit[$label]}" | tr ' ' '\n' | grep -v '^$' | xargs printf '%.0f ') |"
		done
	done
	echo
	echo "sched_switch: --slower's ctxsw_state program, which notes A's state (0: not loaded); with --slower each switch costs entry + exit + sched_switch."
} | tee "$out"
