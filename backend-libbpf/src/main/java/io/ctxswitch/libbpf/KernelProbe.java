package io.ctxswitch.libbpf;

import io.ctxswitch.core.spi.ProbeMode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The libbpf backend's three ways of bracketing a switch (docs/probes.md), each a set of programs in
 * ctxswitch.bpf.o, listed in the order they are attached: the start first, so that no end is ever
 * attached without it. Only the chosen mode's programs are loaded.
 *
 * <p>Before Linux 6.15 (no sched_entry_tp), fentry and kprobe start at rcu_note_context_switch(),
 * which __schedule() calls near its top whichever way it was entered (the notrace preempt_schedule()
 * included, which no probe can attach to), so every switch has a start; sched_switch checks it.
 */
enum KernelProbe {
    SCHED_TP(ProbeMode.SCHED_TP, "sched_entry_tp/sched_exit_tp",
            "sched-tp (tp_btf/sched_entry_tp -> tp_btf/sched_exit_tp, per CPU)",
            "ctxsw_entry", "ctxsw_exit"),
    /** Ends at the return of each entry function B may return from; those the kernel lacks are left out. */
    FENTRY(ProbeMode.FENTRY, "fentry on rcu_note_context_switch() and fexit on the entries into __schedule()",
            "fentry (fentry/rcu_note_context_switch in __schedule() -> fexit of the function the incoming task"
                    + " entered by (schedule, schedule_idle, preempt_schedule_irq, rt_mutex_schedule),"
                    + " or fentry/schedule_tail for a new task; checked by tp_btf/sched_switch, per CPU;"
                    + " untimed: switches into a task that had left through the notrace preempt_schedule(),"
                    + " preempt_schedule_common() or preempt_schedule_notrace() (kernel preemption at preempt_enable()"
                    + " or cond_resched()) or PREEMPT_RT's schedule_rtlock() (sleeping spinlocks), or that entered"
                    + " __schedule() again before returning)",
            "ctxsw_fentry", "ctxsw_switch_btf", "ctxsw_fexit", "ctxsw_fexit_idle", "ctxsw_fexit_preempt_irq",
            "ctxsw_fexit_rt_mutex", "ctxsw_fentry_fork"),
    /** Ends at finish_task_switch, not a kretprobe: see ctxswitch.bpf.c. */
    KPROBE(ProbeMode.KPROBE, "kprobes on rcu_note_context_switch() and finish_task_switch()",
            "kprobe (kprobe/rcu_note_context_switch in __schedule() -> kprobe/finish_task_switch in the incoming"
                    + " task, checked by raw_tp/sched_switch, per CPU; every entry into __schedule(), preemptions"
                    + " and idle included)",
            "ctxsw_kprobe", "ctxsw_switch_raw", KernelProbe.FINISH_PROGRAM);

    /** The one program attached by us to a kernel function whose name varies (finish_task_switch.isra.0). */
    static final String FINISH_PROGRAM = "ctxsw_kprobe_end";

    /** fentry's start, which its availability requires in the kernel's BTF. */
    static final String START_FUNCTION = "rcu_note_context_switch";

    /**
     * fentry's end programs and the kernel function each attaches to: loaded only where the kernel's
     * BTF has the function (rt_mutex_schedule: Linux 6.6+). PREEMPT_RT's schedule_rtlock() is in BTF
     * but notrace: attaching to it fails (EBUSY), so it has no end program.
     */
    static final Map<String, String> FENTRY_END_TARGETS = Map.of(
            "ctxsw_fexit", "schedule",
            "ctxsw_fexit_idle", "schedule_idle",
            "ctxsw_fexit_preempt_irq", "preempt_schedule_irq",
            "ctxsw_fexit_rt_mutex", "rt_mutex_schedule",
            "ctxsw_fentry_fork", "schedule_tail");

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

    /** The programs to load on a kernel whose BTF has {@code btfFunctions}: fentry's ends only where their function is. */
    List<String> programsFor(Set<String> btfFunctions) {
        return programsFor(btfFunctions, false);
    }

    /**
     * The same, for {@code --slower} if {@code slower}: A's state comes from sched_switch's prev_state,
     * which the fentry and kprobe modes' sched_switch programs read in their _state variant, and which the
     * sched-tp mode reads in a program of its own (ctxsw_state, attached between its start and its end).
     */
    List<String> programsFor(Set<String> btfFunctions, boolean slower) {
        List<String> chosen = programs.stream()
                .filter(p -> !FENTRY_END_TARGETS.containsKey(p) || btfFunctions.contains(FENTRY_END_TARGETS.get(p)))
                .map(p -> slower && STATE_VARIANTS.containsKey(p) ? STATE_VARIANTS.get(p) : p)
                .toList();
        if (slower && this == SCHED_TP) {
            return List.of(chosen.get(0), STATE_PROGRAM, chosen.get(1));
        }
        return chosen;
    }

    /** --slower in sched-tp mode: notes A's state at sched_switch. */
    static final String STATE_PROGRAM = "ctxsw_state";

    /** The sched_switch programs that also note A's state (they read an argument Linux 5.18 added). */
    static final Map<String, String> STATE_VARIANTS = Map.of(
            "ctxsw_switch_btf", "ctxsw_switch_btf_state",
            "ctxsw_switch_raw", "ctxsw_switch_raw_state");

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
