package io.ctxswitch.bpftrace;

import io.ctxswitch.core.spi.ProbeMode;

/** The probe points a generated script measures between (docs/probes.md), as bpftrace spells them. */
enum BpftraceProbe {
    SCHED_TP(ProbeMode.SCHED_TP, "rawtracepoint:sched_entry_tp -> rawtracepoint:sched_exit_tp"),
    FENTRY(ProbeMode.FENTRY, "fentry:rcu_note_context_switch in __schedule() -> fexit of schedule, schedule_idle or"
            + " preempt_schedule_irq in the incoming task, or fentry:schedule_tail for a new one,"
            + " checked by tracepoint:sched:sched_switch"),
    /**
     * Not kretprobe:schedule: bpftrace cannot raise a kretprobe's instance count above the kernel's
     * default of max(10, 2 x CPUs), every sleeping task holds one, and on Linux 6.1 the returns of
     * most switches were lost (14654 of 40000). B's first code after the switch ends the sample instead.
     */
    KPROBE(ProbeMode.KPROBE, "kprobe:rcu_note_context_switch in __schedule() -> kprobe:finish_task_switch in the incoming"
            + " task, checked by tracepoint:sched:sched_switch");

    final ProbeMode mode;
    final String points;

    BpftraceProbe(ProbeMode mode, String points) {
        this.mode = mode;
        this.points = points;
    }

    /**
     * Whether the kernel skips some of this mode's programs on a CPU while a BPF map system call
     * there is in progress: kprobes and perf-event tracepoints (tracepoint:sched:sched_switch) run
     * through trace_call_bpf(), which gives up while bpf_prog_active is raised; raw tracepoints
     * guard each program on its own (see {@link BpftraceScript#snapshotMaps}).
     */
    boolean skippedDuringMapReads() {
        return this != SCHED_TP;
    }

    /** Whether the script prints its histogram in each snapshot, which serving it needs ({@code --serve}). */
    boolean snapshotsHistogram() {
        return !skippedDuringMapReads();
    }

    /** The summary's probe text. */
    String description() {
        String text = mode + " in bpftrace (" + points + ", per CPU";
        return switch (this) {
            case SCHED_TP -> text + ")";
            case FENTRY -> text + "; untimed: switches into a task that had left through the notrace preempt_schedule(),"
                    + " preempt_schedule_common() or preempt_schedule_notrace(), PREEMPT_RT's schedule_rtlock(), or"
                    + " rt_mutex_schedule(), or that entered __schedule() again before returning)";
            case KPROBE -> text + "; every entry into __schedule(), preemptions and idle included)";
        };
    }

    static BpftraceProbe of(ProbeMode mode) {
        for (BpftraceProbe p : values()) {
            if (p.mode == mode) {
                return p;
            }
        }
        throw new IllegalArgumentException("no single probe for mode " + mode);
    }
}
