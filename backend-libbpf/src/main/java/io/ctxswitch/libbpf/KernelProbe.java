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

    /**
     * With --top, in every mode: counts task renames, so that the per-task table reads a name again only
     * then (ctxswitch.bpf.c, refresh_name). A raw tracepoint, which every mode's kernels have.
     */
    static final String RENAME_PROGRAM = "ctxsw_rename";

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
     * The same, and with {@code classify} (--by=kind, or --slower, whose outliers carry their kind) the programs
     * that classify: sched_yield()'s entry and exit, and in sched-tp mode, which has none, a sched_switch program
     * between its start and its end (ctxsw_kind, which with --slower also notes A's state); fentry and kprobe
     * classify, and note A's state, in their own sched_switch programs.
     */
    List<String> programsFor(Set<String> btfFunctions, boolean classify) {
        List<String> chosen = new java.util.ArrayList<>(programs.stream()
                .filter(p -> !FENTRY_END_TARGETS.containsKey(p) || btfFunctions.contains(FENTRY_END_TARGETS.get(p)))
                .toList());
        if (classify) {
            if (this == SCHED_TP) {
                chosen.add(1, KIND_SWITCH_PROGRAM);
            }
            chosen.addAll(YIELD_PROGRAMS);
        }
        return List.copyOf(chosen);
    }

    /** The classification's sched_switch program in sched-tp mode. */
    static final String KIND_SWITCH_PROGRAM = "ctxsw_kind";
    /** The classification's marks of a task inside sched_yield(), on its syscall tracepoints. */
    static final List<String> YIELD_PROGRAMS = List.of("ctxsw_yield_enter", "ctxsw_yield_exit");

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
