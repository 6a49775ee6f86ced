#!/usr/bin/env bash
# Per-event cost of the libbpf backend's programs with a filter that rejects every switch, and with
# --slower set so high that nothing is printed (its cost on every switch: A's pid and name noted at the
# start, the threshold test at the end, and the sched_switch program that notes A's state), against the
# plain program, from the kernel's own accounting (kernel.bpf_stats_enabled: run_time_ns / run_cnt per
# program, bpftool prog show). A pinned pipe ping-pong (taskset -c 0 perf bench sched pipe) runs under
# each configuration in turn, ROUNDS times; reports the median ns per run of the entry and exit programs.
#   sudo bench/filter-cost.sh [ROUNDS] [LOOPS]      (defaults 7 and 100000)
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

# Label|options. Every filter row rejects every switch of the run: no task has that name or that tid,
# no switch happens on a CPU that does not exist.
configs=(
	"plain|"
	"--cpus (rejects all)|--cpus=8191"
	"--tid (rejects all)|--tid=2147483647"
	"--comm (rejects all)|--comm=no-such-task"
	"--slower (prints nothing)|--slower=1h"
)

# one_run OPTIONS...: prints "entry_ns exit_ns state_ns" per run of ctxsw_entry, ctxsw_exit and (--slower only)
# ctxsw_state over one ping-pong; 0 for a program that is not loaded.
one_run() {
	taskset -c "$tracer_cpu" java -Xmx64m -XX:+UseSerialGC -jar "$jar" --backend=libbpf --probe=sched-tp "$@" \
		>"$tmp/out" 2>"$tmp/err" &
	local pid=$!
	for _ in $(seq 600); do
		grep -q "tracing with" "$tmp/err" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.05
	done
	bpftool prog show --json >"$tmp/before.json"
	taskset -c 0 perf bench sched pipe -l "$loops" >/dev/null 2>&1
	bpftool prog show --json >"$tmp/after.json"
	kill -INT "$pid"
	wait "$pid" || true
	# Only this instance's programs: those in both listings (ids are not reused while loaded).
	jq -rn --slurpfile b "$tmp/before.json" --slurpfile a "$tmp/after.json" '
		def cost(n): [ $a[0][] | select(.name == n) | . as $p
			| ($b[0][] | select(.id == $p.id)) as $q
			| { t: ($p.run_time_ns - $q.run_time_ns), c: ($p.run_cnt - $q.run_cnt) } ] | first
			| if .c > 0 then .t / .c else 0 end;
		"\(cost("ctxsw_entry") // 0) \(cost("ctxsw_exit") // 0) \(cost("ctxsw_state") // 0)"'
}

declare -A entry exit state
for _ in $(seq "$rounds"); do
	for config in "${configs[@]}"; do
		label=${config%%|*}
		read -r -a opts <<<"${config#*|}"
		read -r e x s < <(one_run "${opts[@]}")
		entry[$label]+="$e "
		exit[$label]+="$x "
		state[$label]+="$s "
		echo "round: $label entry $e exit $x state $s" >&2
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
	echo "# Per-event cost of a filter that rejects every switch, and of --slower"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -l $loops\` under each configuration in turn, $rounds rounds; kernel.bpf_stats_enabled=1."
	echo "Rerun: \`sudo bench/filter-cost.sh $rounds $loops\`."
	echo
	echo "| configuration | options | entry ns/run (median) | exit ns/run (median) | sched_switch ns/run (median) | exit, each round |"
	echo "|---|---|---|---|---|---|"
	for config in "${configs[@]}"; do
		label=${config%%|*}
		echo "| $label | \`--backend=libbpf --probe=sched-tp ${config#*|}\` | $(echo "${entry[$label]}" | median) | $(echo "${exit[$label]}" | median) | $(echo "${state[$label]}" | median) | ${exit[$label]% } |"
	done
	echo
	echo "sched_switch: --slower's ctxsw_state program, which notes A's state (0: not loaded); with --slower each switch costs entry + exit + sched_switch."
} | tee "$out"
