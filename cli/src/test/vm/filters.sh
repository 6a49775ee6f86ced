#!/bin/sh
# Guest script for vm/linux61.sh (not run by an IT yet): every filter at once in the fentry and kprobe
# modes, with a ping-pong inside a cgroup v2 created here, then --exclude-idle alone. Environment:
# CTXSWITCH_JAR, CTXSWITCH_LOAD (see coverage.sh). Leaves in /mnt: MODE.json, MODE.err, MODE.exit,
# MODE-idle.*, load.out. Run by hand: a wrapper that exports those and runs this file, passed to
#   vm/linux61.sh WRAPPER OUTDIR
# Expect every exit 0 and only the ping task (its pid is the first in load.out) in each MODE.json's
# top_processes (see docs/filters.md: this found that 6.1's bpf_get_current_comm() does not pad).
out=/mnt
uname -r >"$out/kernel"
mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg && mkdir -p /tmp/cg/app || echo "cgroup2 mount failed" >"$out/cgroup.err"
cp "$CTXSWITCH_LOAD" /tmp/inside-pp
sh -c 'echo $$ > /tmp/cg/app/cgroup.procs; exec /tmp/inside-pp ping pong' >"$out/load.out" 2>&1 &
i=0; while ! grep -q started "$out/load.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
ping=$(awk '$1 == "ping" {print $2}' "$out/load.out")
pong=$(awk '$1 == "pong" {print $2}' "$out/load.out")
cat /tmp/cg/app/cgroup.procs >"$out/cgroup.procs"
for probe in fentry kprobe; do
	java -jar "$CTXSWITCH_JAR" --backend=libbpf --probe=$probe --format=json --top=1000 --duration=8s \
		--cgroup=/tmp/cg/app --exclude-idle --comm=inside-pp --cpus=0 --pid=$ping,$pong --tid=$ping \
		>"$out/$probe.json" 2>"$out/$probe.err"
	echo $? >"$out/$probe.exit"
	java -jar "$CTXSWITCH_JAR" --backend=libbpf --probe=$probe --format=json --top=1000 --duration=5s --exclude-idle \
		>"$out/$probe-idle.json" 2>"$out/$probe-idle.err"
	echo $? >"$out/$probe-idle.exit"
done
kill -9 $ping $pong 2>/dev/null
grep -h . "$out"/*.exit
