#!/usr/bin/env bash
# JMH benchmarks of the user-space hot paths (benchmarks/): recording into the statistics engine
# (samples/s), replaying perf script text (lines/s), reading the kernel's per-CPU area per
# interval for 2 and 256 CPUs, turning bpftrace's output into figures, and one --serve scrape of 256
# CPUs. Writes bench/results/jmh-<host>.md, or with a benchmark's name, that one alone into
# bench/results/jmh-<host>-<name>.md.
#   bench/jmh.sh                  (builds benchmarks/target/benchmarks.jar if needed; about 5 minutes)
#   bench/jmh.sh ScrapeBenchmark  (about 9 minutes: 27 parameter sets, 6 minutes for 18 before the recorded shape)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/benchmarks/target/benchmarks.jar
only=${1:-}
out=$root/bench/results/jmh-$(hostname -s)${only:+-$only}.md
[ -f "$jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
java -jar "$jar" ${only:+"$only"} -rf csv -rff "$tmp/results.csv" | tee "$tmp/log.txt" \
	| grep -E '^# .* lines per operation|^# .* bytes per scrape|^Benchmark|Engine|PerfParser|Bpftrace|Scrape' || true
{
	echo "# JMH benchmarks"
	echo
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F), $(java -version 2>&1 | head -1)."
	echo "Rerun: \`bench/jmh.sh${only:+ $only}\`. One fork, 3 warm-up and 5 measured iterations of 2 s; ± is JMH's 99.9 % interval."
	echo
	echo "| benchmark | result | target |"
	echo "|---|---|---|"
	# "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit", then a "Param: NAME" column
	# for every parameter of any benchmark run, in JMH's order: each row's params by name.
	tr -d '"\r' <"$tmp/results.csv" | awk -F, 'NR == 1 { for (i = 8; i <= NF; i++) col[substr($i, 8)] = i; next }
		function param(n) { return n in col ? $(col[n]) : "" }
		{ print $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," param("cpus") "," param("fixture") "," param("tasks") "," param("format") "," param("spread") "," param("compression") }' \
		| while IFS=, read -r name mode threads samples score error unit cpus fixture tasks format spread compression; do
		case $name in
		*MapReadBenchmark.readInterval)
			awk -v s="$score" -v e="$error" -v c="$cpus" 'BEGIN { printf "| read and merge the kernel'"'"'s per-CPU area, %s CPUs (per interval, with its samples written) | %.0f ± %.0f us | - |\n", c, s, e }' ;;
		*BpftraceOutputBenchmark.parseOutput)
			awk -v s="$score" -v e="$error" -v t="$tasks" 'BEGIN { printf "| bpftrace output (-f json) to figures, once per run: 256 CPUs, every bucket, %s tasks | %.2f ± %.2f ms | - |\n", t, s, e }' ;;
		*ScrapeBenchmark.scrape)
			bytes=$(grep "# $format, $spread, $compression:" "$tmp/log.txt" | head -1 | awk '{print $(NF-3)}')
			awk -v s="$score" -v e="$error" -v f="$format" -v p="$spread" -v c="$compression" -v b="$bytes" 'BEGIN { printf "| one --serve --per-cpu scrape of 256 CPUs (collect and write), %s, %s buckets, compression %s (%s bytes) | %.2f ± %.2f ms CPU | 5 ms |\n", f, p, c, b, s, e }' ;;
		*EngineBenchmark.recordSamples)
			awk -v s="$score" -v e="$error" 'BEGIN { printf "| engine: record a sample (per-CPU, histogram, per-task) | %.1f ± %.1f million samples/s | 20 million/s |\n", s / 1e6, e / 1e6 }' ;;
		*PerfParserBenchmark.replay)
			lines=$(grep "# $fixture x" "$tmp/log.txt" | head -1 | awk '{print $(NF-3)}')
			awk -v s="$score" -v e="$error" -v l="$lines" -v f="$fixture" 'BEGIN { printf "| perf script replay of %s (split, parse, pair, record) | %.2f ± %.2f million lines/s | 3 million/s |\n", f, s * l / 1e6, e * l / 1e6 }' ;;
		esac
	done
} >"$out"
cat "$out"
