#!/bin/sh
# Runs inside the Linux 6.1 VM (vm/linux61.sh), chrooted into this machine's root; Linux61IT checks
# what it leaves in /mnt. Environment: CTXSWITCH_JAR, the jar under test.
# For each scenario NAME: NAME.json (stdout), NAME.err (stderr), NAME.exit (exit status).
jar=${CTXSWITCH_JAR:?}
out=/mnt

# trace NAME WORKLOAD ARGS...: starts ctxswitch with ARGS, runs WORKLOAD once it says it is tracing.
trace() {
	name=$1 workload=$2
	shift 2
	java -jar "$jar" --format=json "$@" >"$out/$name.json" 2>"$out/$name.err" &
	pid=$!
	i=0
	while ! grep -q '^ctxswitch: tracing' "$out/$name.err" && kill -0 $pid 2>/dev/null && [ $i -lt 1800 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sh -c "$workload" >"$out/$name.workload" 2>&1
	wait $pid
	echo $? >"$out/$name.exit"
}

pingpong='taskset -c 0 perf bench sched pipe -l 2000'
# Wakes every 50 ms and does nothing else, so that the CPUs idle in between.
sleeper='i=0; while [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done'

uname -r >"$out/kernel"
java -jar "$jar" --list-backends >"$out/list-backends.txt" 2>&1
trace kprobe-pingpong "$pingpong" --backend=libbpf --probe=kprobe --duration=10s
trace fentry-pingpong "$pingpong" --backend=libbpf --probe=fentry --duration=10s
trace auto-pingpong "$pingpong" --backend=libbpf --probe=auto --duration=10s
trace kprobe-sleeper "$sleeper" --backend=libbpf --probe=kprobe --duration=8s
trace fentry-sleeper "$sleeper" --backend=libbpf --probe=fentry --duration=8s

# The bpftrace backend with this machine's bpftrace (Debian 12: 0.17) on kprobes; its output is kept.
if command -v bpftrace >/dev/null; then
	trace bpftrace-kprobe-pingpong "taskset -c 0 perf bench sched pipe -l 20000" --backend=bpftrace --probe=kprobe \
		--duration=20s --top=5 --record="$out/bpftrace-kprobe-pingpong.bpftrace"
	bpftrace --version >"$out/bpftrace-version"
fi

# The original approach (one start per CPU at schedule(), taken at its return) on the same workload,
# for contrast: it pairs a task's entry with its own return after the idle period.
if command -v bpftrace >/dev/null; then
	bpftrace -e 'kprobe:schedule { @start[cpu] = nsecs; }
		kretprobe:schedule /@start[cpu]/ { @max_ns = max(nsecs - @start[cpu]); delete(@start[cpu]); }
		interval:s:8 { exit(); }' >"$out/original-sleeper.txt" 2>&1 &
	bt=$!
	i=0
	while ! grep -q Attaching "$out/original-sleeper.txt" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 1
	sh -c "$sleeper"
	wait $bt
fi
# Our programs must be gone.
bpftool prog show >"$out/programs-after" 2>&1 || echo "bpftool missing" >"$out/programs-after"
