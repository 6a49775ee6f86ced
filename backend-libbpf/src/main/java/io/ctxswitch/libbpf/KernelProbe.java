package io.ctxswitch.libbpf;

import io.ctxswitch.core.spi.ProbeMode;
import java.util.List;

/**
 * The libbpf backend's three ways of bracketing a switch (DESIGN.md §2), each a set of programs in
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
    KPROBE(ProbeMode.KPROBE, "kprobe/kretprobe on schedule()",
            "kprobe (kprobe/schedule -> kretprobe/schedule, checked by raw_tp/sched_switch, per CPU;" + KernelProbe.UNSEEN + ")",
            "ctxsw_kprobe", "ctxsw_switch_raw", KernelProbe.KRETPROBE_PROGRAM);

    /** The one program attached through {@link KretprobeEvent} rather than by libbpf. */
    static final String KRETPROBE_PROGRAM = "ctxsw_kretprobe";

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
