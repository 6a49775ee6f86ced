package io.ctxswitch.libbpf;

import io.ctxswitch.core.spi.ProbeMode;
import java.util.List;

/**
 * The libbpf backend's three ways of bracketing a switch (docs/probes.md), each a set of programs in
 * ctxswitch.bpf.o, listed in the order they are attached: the start first, so that no end is ever
 * attached without it. Only the chosen mode's programs are loaded.
 */
enum KernelProbe {
    SCHED_TP(ProbeMode.SCHED_TP, "sched_entry_tp/sched_exit_tp",
            "sched-tp (tp_btf/sched_entry_tp -> tp_btf/sched_exit_tp, per CPU)",
            "ctxsw_entry", "ctxsw_exit"),
    FENTRY(ProbeMode.FENTRY, "fentry/fexit on schedule()",
            "fentry (fentry/schedule -> fexit/schedule, checked by tp_btf/sched_switch, per CPU;" + KernelProbe.UNSEEN + ")",
            "ctxsw_fentry", "ctxsw_switch_btf", "ctxsw_fexit"),
    /** Ends at finish_task_switch, not a kretprobe: see ctxswitch.bpf.c. */
    KPROBE(ProbeMode.KPROBE, "kprobes on schedule() and finish_task_switch()",
            "kprobe (kprobe/schedule -> kprobe/finish_task_switch, checked by raw_tp/sched_switch, per CPU;"
                    + " not seen: preemptions and switches from idle, which bypass schedule())",
            "ctxsw_kprobe", "ctxsw_switch_raw", KernelProbe.FINISH_PROGRAM);

    /** The one program attached by us to a kernel function whose name varies (finish_task_switch.isra.0). */
    static final String FINISH_PROGRAM = "ctxsw_kprobe_end";

    /** What the schedule() modes cannot see, in the summary's probe text. */
    private static final String UNSEEN = " not seen: preemptions and switches to or from idle, which bypass schedule()";

    final ProbeMode mode;
    /** Short, for messages: "libbpf with ... on kernel X". */
    final String points;
    /** The summary's probe text. */
    final String description;
    /** Program names in ctxswitch.bpf.o, start first. */
    final List<String> programs;

    KernelProbe(ProbeMode mode, String points, String description, String... programs) {
        this.mode = mode;
        this.points = points;
        this.description = description;
        this.programs = List.of(programs);
    }

    /** The probe of an explicit mode (not auto). */
    static KernelProbe of(ProbeMode mode) {
        for (KernelProbe probe : values()) {
            if (probe.mode == mode) {
                return probe;
            }
        }
        throw new IllegalArgumentException("no single probe for mode " + mode);
    }
}
