#!/usr/bin/env bash
# The perf backend read while perf records (this tree's jar) against the same backend reading perf's
# recording only once perf has stopped (OLD_JAR: a build of a commit before the change, e.g. b1c853e).
#   sudo bench/perf-live.sh OLD_JAR [PAIRS] [LOOPS]        (defaults 7 and 100000)
# Workload: taskset -c 0 perf bench sched pipe -l LOOPS (two switches an operation), untraced, then
# traced by each jar in turn (ctxswitch on CPU 1, as in bench/compare.sh), PAIRS times. Per jar: the
# median traced/untraced time with its spread; the median CPU time of ctxswitch and its perf children
# over the whole run (GNU time: the JVM, perf record and perf script, which the JVM reaps); the
# median time from SIGTERM to exit (reading what is left); and the totals of the summaries' lost and
# unpaired against their switches. Writes bench/results/perf-live-<host>.md.
set -euo pipefail
old=${1:?usage: bench/perf-live.sh OLD_JAR [PAIRS] [LOOPS]}
pairs=${2:-7}
loops=${3:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
new=$root/cli/target/ctxswitch.jar
out=$root/bench/results/perf-live-$(hostname -s).md
[ -f "$new" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
[ -f "$old" ] || { echo "no such jar: $old" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

bench_time() { taskset -c 0 perf bench sched pipe -l "$loops" 2>/dev/null | awk '/Total time:/ {print $3}'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# traced JAR LABEL BASE: one traced run; appends "label ratio cpu_s stop_ms count lost unpaired" to rows
traced() {
	local jar=$1 label=$2 base=$3
	/usr/bin/time -f "%U %S" -o "$tmp/time" taskset -c 1 java -jar "$jar" --backend=perf --format=json >"$tmp/out" 2>"$tmp/err" &
	local timer=$! pid=""
	for _ in $(seq 1200); do
		grep -q "press Ctrl+C to stop" "$tmp/err" 2>/dev/null && break
		kill -0 "$timer" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.025
	done
	pid=$(pgrep -P "$timer" | head -1)
	local t; t=$(bench_time)
	local t0; t0=$(now_ms)
	kill -TERM "$pid"
	wait "$timer" || { echo "$label exited $?:" >&2; cat "$tmp/err" >&2; exit 1; }
	local stop_ms=$(( $(now_ms) - t0 ))
	local cpu; cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/time")
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["count"], j["lost"], j["unpaired"])' "$tmp/out" >"$tmp/figures"
	echo "$label $(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.4f", t / b }') $cpu $stop_ms $(cat "$tmp/figures")" >>"$tmp/rows"
}

: >"$tmp/rows"
for i in $(seq "$pairs"); do
	# alternate which goes first, so that neither always follows the other
	if [ $((i % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
	for which in $order; do
		base=$(bench_time)
		if [ "$which" = old ]; then traced "$old" old "$base"; else traced "$new" new "$base"; fi
	done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
row() {
	local label=$1 name=$2
	local r; r=$(awk -v l="$label" '$1 == l' "$tmp/rows")
	printf '| %s | %.3f | %s..%s | %s s | %s ms | %s | %s | %s |\n' "$name" \
		"$(echo "$r" | awk '{print $2}' | median)" "$(echo "$r" | awk '{print $2}' | sort -n | head -1)" \
		"$(echo "$r" | awk '{print $2}' | sort -n | tail -1)" "$(echo "$r" | awk '{print $3}' | median)" \
		"$(echo "$r" | awk '{print $4}' | median)" "$(echo "$r" | awk '{ s += $5 } END { print s }')" \
		"$(echo "$r" | awk '{ s += $6 } END { print s }')" "$(echo "$r" | awk '{ s += $7 } END { print s }')"
}
{
	echo "# The perf backend: read while perf records, against read after it stops"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F), $(perf --version)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -l $loops\`, $pairs untraced/traced pairs per variant, alternating; ctxswitch on CPU 1."
	echo "Rerun: \`sudo bench/perf-live.sh OLD_JAR $pairs $loops\`."
	echo
	echo "| perf backend | median traced/untraced | spread | CPU of ctxswitch + perf, whole run (median) | SIGTERM to exit (median) | switches (sum) | lost events (sum) | unpaired (sum) |"
	echo "|---|---|---|---|---|---|---|---|"
	row old "reads perf's recording after perf stops (old jar)"
	row new "reads perf's stream while perf records (this tree)"
	echo
	echo "Each run, in order (label, traced/untraced, CPU s, stop ms, switches, lost, unpaired):"
	echo
	echo '```'
	cat "$tmp/rows"
	echo '```'
} | tee "$out"
echo "wrote $out"
