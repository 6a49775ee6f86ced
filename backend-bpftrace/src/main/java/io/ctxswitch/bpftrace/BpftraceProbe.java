package io.ctxswitch.bpftrace;

import io.ctxswitch.core.spi.ProbeMode;

/** The probe points a generated script measures between (DESIGN.md §2), as bpftrace spells them. */
enum BpftraceProbe {
    SCHED_TP(ProbeMode.SCHED_TP, "rawtracepoint:sched_entry_tp -> rawtracepoint:sched_exit_tp"),
    FENTRY(ProbeMode.FENTRY, "fentry:schedule -> fexit:schedule, checked by tracepoint:sched:sched_switch"),
    KPROBE(ProbeMode.KPROBE, "kprobe:schedule -> kretprobe:schedule, checked by tracepoint:sched:sched_switch");

    final ProbeMode mode;
    final String points;

    BpftraceProbe(ProbeMode mode, String points) {
        this.mode = mode;
        this.points = points;
    }

    /** The summary's probe text. */
    String description() {
        String text = mode + " in bpftrace (" + points + ", per CPU";
        return this == SCHED_TP ? text + ")"
                : text + "; not seen: preemptions and switches to or from idle, which bypass schedule())";
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
