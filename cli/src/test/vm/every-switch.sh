#!/bin/sh
# Runs inside a VM of vm/kernel.sh (KernelCoverage tests), chrooted into this machine's root: issue 13's
# checks of one kernel, in one boot. Environment: CTXSWITCH_JAR, CTXSWITCH_LOAD (see coverage.sh).
# Leaves in /mnt: kernel, preempt (the preemption model), coverage-auto.* and coverage-fentry.* (the
# mixed load, with kernel.bpf_stats_enabled), coverage-bpftrace-auto.* (the same with this machine's
# bpftrace), auto-sleeper.* (a task waking every 50 ms on an idle CPU).
here=$(dirname "$0")
out=/mnt
export OUT=$out
. "$here/trace.sh"
uname -r >"$out/kernel"
cat /sys/kernel/debug/sched/preempt >"$out/preempt" 2>/dev/null || echo "(no sched/preempt in debugfs)" >"$out/preempt"
BPF_STATS=1 sh "$here/coverage.sh" coverage-auto auto 5
BPF_STATS=1 sh "$here/coverage.sh" coverage-fentry fentry 5
if command -v bpftrace >/dev/null; then
	BACKEND=bpftrace sh "$here/coverage.sh" coverage-bpftrace-auto auto 5
fi
trace auto-sleeper "$sleeper_task" --backend=libbpf --probe=auto --duration=8s --top=50
bpftool prog show >"$out/programs-after" 2>&1 || echo "bpftool missing" >"$out/programs-after"
