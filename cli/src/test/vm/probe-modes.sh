#!/bin/sh
# Runs inside the Linux 6.1 VM (vm/kernel.sh linux-image-amd64, booted with preempt=full), chrooted
# into this machine's root; Linux61IT checks what it leaves in /mnt. Environment: CTXSWITCH_JAR, the
# jar under test, and CTXSWITCH_LOAD (coverage.sh's load).
# For each scenario NAME: NAME.json (stdout), NAME.err (stderr), NAME.exit (exit status); coverage.sh's
# scenarios also NAME.tasks.
jar=${CTXSWITCH_JAR:?}
out=/mnt
export OUT=$out

. "$(dirname "$0")/trace.sh"

pingpong='taskset -c 0 perf bench sched pipe -l 2000'

uname -r >"$out/kernel"
java -jar "$jar" --list-backends >"$out/list-backends.txt" 2>&1
trace kprobe-pingpong "$pingpong" --backend=libbpf --probe=kprobe --duration=10s
trace fentry-pingpong "$pingpong" --backend=libbpf --probe=fentry --duration=10s
trace auto-pingpong "$pingpong" --backend=libbpf --probe=auto --duration=10s
trace auto-bycgroup-pingpong "$pingpong" --backend=libbpf --probe=auto --duration=10s --by=cgroup
trace kprobe-sleeper "$sleeper_task" --backend=libbpf --probe=kprobe --duration=8s --top=50
trace fentry-sleeper "$sleeper_task" --backend=libbpf --probe=fentry --duration=8s --top=50
# --comm on the ping-pong's name (perf bench names itself sched-pipe), read in place in fentry mode and copied by
# bpf_get_current_comm() in kprobe mode (6.1's leaves the bytes after the NUL as they were); and on its prefix sched-pip,
# which must keep none of it: the name's NUL is compared too.
for probe in kprobe fentry; do
	trace comm-$probe-pingpong "$pingpong" --backend=libbpf --probe=$probe --duration=8s --comm=sched-pipe
	trace comm-prefix-$probe-pingpong "$pingpong" --backend=libbpf --probe=$probe --duration=8s --comm=sched-pip
done

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
# Issue 13's coverage, under preempt=full (the boot's) and then voluntary (Debian's default,
# switched at run time through debugfs).
cat /sys/kernel/debug/sched/preempt >"$out/preempt"
BPF_STATS=1 sh "$(dirname "$0")/coverage.sh" coverage-auto auto 5
BPF_STATS=1 sh "$(dirname "$0")/coverage.sh" coverage-fentry fentry 5
# Debian 12's bpftrace (0.17) on the same load: auto (kprobe) and fentry (kfunc/kretfunc spellings).
if command -v bpftrace >/dev/null; then
	BACKEND=bpftrace sh "$(dirname "$0")/coverage.sh" coverage-bpftrace-auto auto 5
	BACKEND=bpftrace sh "$(dirname "$0")/coverage.sh" coverage-bpftrace-fentry fentry 5
fi
# --by=kind and --slower (one run does both) in the two modes whose start is a probe and whose kind comes from their
# own sched_switch program: a pipe ping-pong alone, under preempt=full. The threshold is a power of two, a bin edge
# of every histogram, so that the outliers printed + lost are exactly the histogram's switches from it up.
for probe in kprobe fentry; do
	CTXSWITCH_ARGS="--by=kind --slower=65536ns --per-cpu" LOAD_ROLES="ping pong" \
		sh "$(dirname "$0")/coverage.sh" kind-slower-$probe $probe 4
done
# fentry again under the whole mixed load for 30 s, where its end programs are preempted dozens of times: no outlier
# may mix two switches (before the end checked start_gen, 6 of 21,922 outliers in two such runs did).
CTXSWITCH_ARGS="--by=kind --slower=65536ns --per-cpu" sh "$(dirname "$0")/coverage.sh" kind-slower-fentry-mixed fentry 30
if echo voluntary >/sys/kernel/debug/sched/preempt; then
	cat /sys/kernel/debug/sched/preempt >"$out/preempt-voluntary"
	sh "$(dirname "$0")/coverage.sh" coverage-auto-voluntary auto 5
	sh "$(dirname "$0")/coverage.sh" coverage-fentry-voluntary fentry 5
fi
# Our programs must be gone.
bpftool prog show >"$out/programs-after" 2>&1 || echo "bpftool missing" >"$out/programs-after"
