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
cleanup() { kill -- ${loads:-} 2>/dev/null || true; [ -n "${srv:-}" ] && kill -TERM "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
java -jar "$root/cli/target/ctxswitch.jar" --backend=libbpf --serve=127.0.0.1:$port --per-cpu >"$tmp/serve.out" 2>&1 &
srv=$!
for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:$port/metrics && break; sleep 0.2; done
git clone -q "$root" "$tmp/compile"
# each load in its own process group, to end it with its children
setsid bash -c 'while :; do perf bench sched messaging -g 4 -l 300 >/dev/null 2>&1; sleep 0.5; done' & loads="-$!"
setsid bash -c 'while :; do perf bench sched pipe -l 2000000 >/dev/null 2>&1; done' & loads="$loads -$!"
setsid bash -c "while :; do nice mvn -o -q -B -f '$tmp/compile/pom.xml' clean compile -pl core >/dev/null 2>&1; done" & loads="$loads -$!"
echo "recording ${secs}s from $(date -u +%FT%TZ); $(uptime)" >&2
sleep "$secs"
id=$(bpftool map show -j | python3 -c "import json, sys
print(max(m['id'] for m in json.load(sys.stdin) if m.get('name') == 'cpus' and m.get('bytes_value') == 30928))")
bpftool map dump id "$id" -j >"$tmp/cpus.json"
echo "recorded until $(date -u +%FT%TZ)" >&2
python3 "$root/bench/scrape-histograms.py" "$tmp/cpus.json" >"$fixture"
echo "wrote $fixture" >&2
