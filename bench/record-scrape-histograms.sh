#!/usr/bin/env bash
# Records what the kernel's per-CPU histograms hold after SECONDS of `--serve --per-cpu` under a mixed
# load (perf bench sched messaging in a loop, a perf bench sched pipe ping-pong, a Maven compile of core
# in a loop), as ScrapeBenchmark's "recorded" fixture: the libbpf backend's "cpus" map (struct
# cpu_agg[], the area the server scrapes), dumped by bpftool and written sparse (bucket, count).
# Root; run it alone on the machine (under the live lock). Needs cli/target/ctxswitch.jar.
#   bench/record-scrape-histograms.sh [SECONDS]   (default 180)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-180}
port=19187
fixture=$root/benchmarks/src/main/resources/io/ctxswitch/libbpf/recorded-cpu-histograms.txt
tmp=$(mktemp -d)
srv=
loads=()
# Ends what this script started, by pid: each load's process group (TERM, then waited for), then the
# server (TERM, so that it detaches its programs and prints its summary; waited for).
cleanup() {
	for g in "${loads[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
	for g in "${loads[@]}"; do wait "$g" 2>/dev/null || true; done
	if [ -n "$srv" ]; then
		kill -TERM "$srv" 2>/dev/null || true
		wait "$srv" 2>/dev/null && echo "server exited 0" >&2 || echo "server exited $?" >&2
		tail -3 "$tmp/serve.out" >&2 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# the cpus map this run's server creates is the one with an id above every map that exists now
before=$(bpftool map show -j | python3 -c "import json, sys; print(max((m['id'] for m in json.load(sys.stdin)), default=0))")
java -jar "$root/cli/target/ctxswitch.jar" --backend=libbpf --serve=127.0.0.1:$port --per-cpu >"$tmp/serve.out" 2>&1 &
srv=$!
up=
for _ in $(seq 100); do
	if curl -fs -o /dev/null http://127.0.0.1:$port/metrics; then up=1; break; fi
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.2
done
if [ -z "$up" ]; then
	echo "record-scrape-histograms: the server did not answer on port $port:" >&2
	cat "$tmp/serve.out" >&2
	exit 3
fi
git clone -q "$root" "$tmp/compile"
# each load in its own process group (setsid: a background job of this script is no group leader, so
# setsid runs it in place and its pid is the group's id), to end it with its children
start_load() {
	setsid bash -c "$1" &
	loads+=("$!")
}
start_load 'while :; do perf bench sched messaging -g 4 -l 300 >/dev/null 2>&1; sleep 0.5; done'
start_load 'while :; do perf bench sched pipe -l 2000000 >/dev/null 2>&1; done'
start_load "while :; do nice mvn -o -q -B -f '$tmp/compile/pom.xml' clean compile -pl core >/dev/null 2>&1; done"
ctxt0=$(awk '/^ctxt/ {print $2}' /proc/stat)
from=$(date -u +%FT%TZ)
echo "recording ${secs}s from $from; $(uptime)" >&2
sleep "$secs"
id=$(bpftool map show -j | python3 -c "import json, sys
print(max(m['id'] for m in json.load(sys.stdin) if m.get('name') == 'cpus' and m['id'] > $before))")
bpftool map dump id "$id" -j >"$tmp/cpus.json"
ctxt1=$(awk '/^ctxt/ {print $2}' /proc/stat)
until=$(date -u +%FT%TZ)
echo "recorded until $until; $(uptime)" >&2
{
	echo "# bench/record-scrape-histograms.sh $secs on $(uname -r), $(nproc) CPUs, $from to $until:"
	echo "# --serve --per-cpu under perf bench sched messaging -g 4 -l 300 in a loop, perf bench sched pipe, a Maven compile of core in a loop;"
	echo "# /proc/stat ctxt went up by $((ctxt1 - ctxt0)) meanwhile"
	python3 "$root/bench/scrape-histograms.py" "$tmp/cpus.json"
} >"$tmp/fixture"
mkdir -p "$(dirname "$fixture")"
mv "$tmp/fixture" "$fixture"
echo "wrote $fixture" >&2
