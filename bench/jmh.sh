#!/usr/bin/env bash
# JMH benchmarks of the user-space hot paths (benchmarks/): recording into the statistics engine
# (samples/s), replaying perf script text (lines/s), reading the kernel's per-CPU area per
# interval for 2 and 256 CPUs, and turning bpftrace's output into figures. Writes bench/results/jmh-<host>.md.
#   bench/jmh.sh              (builds benchmarks/target/benchmarks.jar if needed; about 2 minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/benchmarks/target/benchmarks.jar
out=$root/bench/results/jmh-$(hostname -s).md
[ -f "$jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
java -jar "$jar" -rf csv -rff "$tmp/results.csv" | tee "$tmp/log.txt" | grep -E '^# .* lines per operation|^Benchmark|Engine|PerfParser|Bpftrace' || true
{
	echo "# JMH benchmarks"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F), $(java -version 2>&1 | head -1)."
	echo "Rerun: \`bench/jmh.sh\`. One fork, 3 warm-up and 5 measured iterations of 2 s; ± is JMH's 99.9 % interval."
	echo
	echo "| benchmark | result | target |"
	echo "|---|---|---|"
	# "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: cpus","Param: fixture","Param: tasks"
	tail -n +2 "$tmp/results.csv" | tr -d '"\r' | while IFS=, read -r name mode threads samples score error unit cpus fixture tasks; do
		case $name in
		*MapReadBenchmark.readInterval)
			awk -v s="$score" -v e="$error" -v c="$cpus" 'BEGIN { printf "| read and merge the kernel'"'"'s per-CPU area, %s CPUs (per interval, with its samples written) | %.0f ± %.0f us | - |\n", c, s, e }' ;;
		*BpftraceOutputBenchmark.parseOutput)
			awk -v s="$score" -v e="$error" -v t="$tasks" 'BEGIN { printf "| bpftrace output (-f json) to figures, once per run: 256 CPUs, every bucket, %s tasks | %.2f ± %.2f ms | - |\n", t, s, e }' ;;
		*EngineBenchmark.recordSamples)
			awk -v s="$score" -v e="$error" 'BEGIN { printf "| engine: record a sample (per-CPU, histogram, per-task) | %.1f ± %.1f million samples/s | 20 million/s |\n", s / 1e6, e / 1e6 }' ;;
		*PerfParserBenchmark.replay)
			lines=$(grep "# $fixture x" "$tmp/log.txt" | head -1 | awk '{print $(NF-3)}')
			awk -v s="$score" -v e="$error" -v l="$lines" -v f="$fixture" 'BEGIN { printf "| perf script replay of %s (split, parse, pair, record) | %.2f ± %.2f million lines/s | 3 million/s |\n", f, s * l / 1e6, e * l / 1e6 }' ;;
		esac
	done
} >"$out"
cat "$out"
