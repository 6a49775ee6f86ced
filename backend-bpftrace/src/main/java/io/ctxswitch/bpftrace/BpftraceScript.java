package io.ctxswitch.bpftrace;

import io.ctxswitch.core.host.CgroupV2;
import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.LogLinearBuckets;

/**
 * Generates the bpftrace program that measures the interval of docs/probes.md with the chosen
 * probes and aggregates in the kernel: per CPU count, sum, min and max (exact, so the mean is
 * exact), the log-linear histogram of {@link LogLinearBuckets} (bucket index computed in the
 * script, no loop), with {@code --top} the same figures per incoming task, and with {@code --by=kind} (sched-tp)
 * the exact figures per CPU and kind of switch and the histogram per kind ({@link #noteKind}). Nothing is printed
 * per event; bpftrace prints the maps when it is stopped, and the small ones once a second as a
 * snapshot (see {@link #snapshotMaps}), so that a bpftrace killed mid-run still leaves figures. Its inputs
 * are the probe mode, bpftrace's version, whether tasks and kinds are wanted, and the filters, which reach it only as validated
 * values ({@link SwitchFilter}): numbers written as numbers, and a task name inside a string literal
 * with its quotes, backslashes and line breaks escaped, so that no name changes the script's shape.
 */
final class BpftraceScript {
    /** The first line the script prints, and what --replay recognises it by. */
    static final String HEADER = "ctxswitch bpftrace script: probe ";
    /** Printed by BEGIN under --by=kind: the maps' keys then end with the kind (a replay needs to know). */
    static final String BY_KIND = "ctxswitch: by kind";
    /** Printed once every probe is attached (interval probes are attached last). */
    static final String ATTACHED = "ctxswitch: attached";
    /** Printed by END: how long bpftrace ran, which is the span a replay covers. */
    static final String ELAPSED = "ctxswitch: elapsed ns ";
    /** Around each snapshot: the maps between the two lines are complete once the second is seen. */
    static final String SNAPSHOT = "ctxswitch: snapshot";
    static final String SNAPSHOT_END = "ctxswitch: snapshot end, elapsed ns ";
    /**
     * The maps every snapshot prints: the exact per-CPU figures and the counters, a few keys a CPU,
     * cumulative, so the last complete snapshot is everything up to it (the terminal's count, and
     * what a bpftrace killed mid-run leaves). The per-task maps (up to 16384 keys) are printed only
     * at the end; the histogram only where reading it hides nothing, see {@link #snapshotMaps}.
     */
    static final java.util.List<String> SNAPSHOT_MAPS = java.util.List.of(
            "@ctxsw_n", "@ctxsw_sum", "@ctxsw_min", "@ctxsw_max", "@ctxsw_unpaired", "@ctxsw_no_switch");
    /** The log-linear histogram: hundreds of keys once a run has varied (680 after 20 s of ping-pong on 6.1). */
    static final String HISTOGRAM = "@ctxsw_hist";
    /** Only the modes before 6.15 have switches they cannot time; bpftrace refuses to print a map never written. */
    static final java.util.List<String> UNTIMED_MAPS = java.util.List.of("@ctxsw_untimed_start", "@ctxsw_untimed_end");

    private BpftraceScript() {
    }

    static String generate(BpftraceProbe probe, BpftraceVersion version, boolean perTask) {
        return generate(probe, version, perTask, SwitchFilter.NONE);
    }

    /** The script; {@code filter} without a cgroup (see the last {@code generate} for one). */
    static String generate(BpftraceProbe probe, BpftraceVersion version, boolean perTask, SwitchFilter filter) {
        return generate(probe, version, perTask, filter, 0);
    }

    /** The first words of an outlier's line ({@code --slower}, see {@link BpftraceOutlier}). */
    static final String OUTLIER = "ctxswitch outlier ";

    /**
     * --slower: the outliers the probes emitted, counted (per CPU, summed when printed) in the branch that printf's
     * each, whether or not its event reaches bpftrace; printed only with the final maps (see {@link BpftraceResult}'s
     * outlier accounting for why that count, less the lines read, is exactly the outliers lost).
     */
    static final String EMITTED_MAP = "@ctxsw_outliers";

    /**
     * @param slowerNs {@code --slower}: print each kept switch of at least this many ns ({@link #OUTLIER}),
     *                 with A's tid, name and state noted at its start and sched_switch; 0 for none
     */
    static String generate(BpftraceProbe probe, BpftraceVersion version, boolean perTask, SwitchFilter filter, long slowerNs) {
        return generate(probe, version, perTask, filter, slowerNs, false);
    }

    /**
     * @param byKind {@code --by=kind} (sched-tp only, see {@link #noteKind}): the exact figures keyed by CPU and
     *               kind, the histogram by bucket and kind, so that the kinds add up to the totals by construction
     */
    static String generate(BpftraceProbe probe, BpftraceVersion version, boolean perTask, SwitchFilter filter, long slowerNs,
                           boolean byKind) {
        return generate(probe, version, perTask, filter, slowerNs, byKind, null);
    }

    /**
     * @param cgroup {@code filter}'s cgroup as the kernel knows it (sched-tp only, see {@link #condition}); null without one
     */
    static String generate(BpftraceProbe probe, BpftraceVersion version, boolean perTask, SwitchFilter filter, long slowerNs,
                           boolean byKind, CgroupV2.Location cgroup) {
        if ((filter.cgroup() != null) != (cgroup != null)) {
            throw new IllegalArgumentException("--cgroup's directory and its id and level go together");
        }
        if (cgroup != null && probe != BpftraceProbe.SCHED_TP) {
            throw new IllegalArgumentException("the bpftrace backend filters by cgroup in sched-tp mode only: " + NO_CGROUP);
        }
        if (byKind && probe != BpftraceProbe.SCHED_TP) {
            throw new IllegalArgumentException("the bpftrace backend classifies switches in sched-tp mode only: " + NOT_CLASSIFYING);
        }
        String keep = condition(filter, cgroup);
        // sched-tp's outliers carry their kind (as libbpf's do), so --slower classifies there even without --by=kind.
        boolean classify = byKind || (probe == BpftraceProbe.SCHED_TP && slowerNs > 0);
        StringBuilder s = new StringBuilder();
        s.append("BEGIN { printf(\"").append(HEADER).append(probe.mode).append("\\n\"); ")
                .append(byKind ? "printf(\"" + BY_KIND + "\\n\"); }\n" : "}\n");
        if (classify) {
            noteKind(s, slowerNs > 0);
        }
        switch (probe) {
            case SCHED_TP -> schedTp(s, perTask, keep, filter.excludeIdle(), slowerNs, byKind, classify);
            case FENTRY -> {
                boolean modern = version.atLeast(BpftraceVersion.FENTRY_SPELLING);
                String entry = modern ? "fentry:" : "kfunc:";
                String exit = modern ? "fexit:" : "kretfunc:";
                everySwitch(s, entry + "rcu_note_context_switch", exit + "schedule, " + exit + "schedule_idle, "
                        + exit + "preempt_schedule_irq, " + entry + "schedule_tail", perTask, keep, slowerNs);
            }
            case KPROBE -> everySwitch(s, "kprobe:rcu_note_context_switch", "kprobe:finish_task_switch*", perTask, keep, slowerNs);
        }
        s.append("interval:ms:100 /@ctxsw_ready == 0/ { @ctxsw_ready = 1; printf(\"").append(ATTACHED).append("\\n\"); }\n");
        s.append("interval:s:1 {\n\tprintf(\"").append(SNAPSHOT).append("\\n\");\n");
        java.util.List<String> maps = new java.util.ArrayList<>(snapshotMaps(probe));
        if (keep != null) {
            maps.add(FILTERED_MAP);
        }
        for (String map : maps) {
            s.append("\tprint(").append(map).append(");\n");
        }
        s.append("\tprintf(\"").append(SNAPSHOT_END).append("%llu\\n\", elapsed);\n}\n");
        s.append("END {\n\tprintf(\"").append(ELAPSED).append("%llu\\n\", elapsed);\n\tclear(@ctxsw_ready);\n\tclear(@ctxsw_start);\n");
        if (probe != BpftraceProbe.SCHED_TP) {
            s.append("\tclear(@ctxsw_prev);\n\tclear(@ctxsw_next);\n");
        } else if (filter.excludeIdle() || slowerNs > 0) {
            s.append("\tclear(@ctxsw_prev);\n");
        }
        if (slowerNs > 0) {
            s.append("\tclear(@ctxsw_prev_comm);\n\tclear(@ctxsw_prev_state);\n");
        }
        if (classify) {
            s.append("\tclear(@ctxsw_kind);\n\tclear(@ctxsw_yield);\n");
        }
        return s.append("}\n").toString();
    }

    /**
     * Why the kprobe and fentry scripts do not classify: they see sched_switch as the perf-event tracepoint, whose
     * prev_state is the kernel's report of A's state, not the preempt flag and raw state that libbpf's program
     * classifies by; only the raw tracepoint has those, and bpftrace 0.17 (the one on kernels before 6.15 here) has none.
     */
    static final String NOT_CLASSIFYING = "its kprobe and fentry scripts see sched_switch's reported prev_state"
            + " (R+, Z, X), not the preempt flag and raw state --by=kind classifies by (a raw tracepoint, which bpftrace 0.17 lacks)";

    /** The kind's number in the maps (the order of {@link SwitchKind}, which BpftraceResult reads them back by). */
    private static int kind(SwitchKind k) {
        return k.ordinal();
    }

    /**
     * --by=kind: how A leaves, noted per CPU at sched_switch by the rules of the libbpf program's note_kind
     * (README, "Breakdown by kind"), from the raw tracepoint's arguments: arg0 is preempt, arg3 A's raw
     * __state (Linux 5.18+). An idle A is from-idle; a preempted one preempted; TASK_DEAD (0x80) exit; any
     * other state blocked; a running A inside sched_yield() (marked on this CPU at its system call's entry)
     * a yield, else preempted (back to user mode with need_resched, or cond_resched()). The mark is A's
     * tid + 1 (libbpf's is the task pointer: the same task, as its own last switch clears it), used up by A's
     * next switch that is not a preemption, or by the system call's return. The kind is stored plus one, so
     * that a switch whose sched_switch was not seen (probes attached or detached one by one) reads 0. With
     * {@code noteState} (--slower) the same probe notes A's state too ({@link #noteState}), so that an outlier
     * with a kind always has its state: two probes, attached one at a time, would leave a window at start-up where
     * a switch had the one and not the other.
     */
    private static void noteKind(StringBuilder s, boolean noteState) {
        s.append("tracepoint:syscalls:sys_enter_sched_yield { @ctxsw_yield[cpu] = tid + 1; }\n");
        s.append("tracepoint:syscalls:sys_exit_sched_yield /@ctxsw_yield[cpu] == tid + 1/ { @ctxsw_yield[cpu] = 0; }\n");
        s.append("rawtracepoint:sched_switch {\n\t$k = ").append(kind(SwitchKind.PREEMPTED)).append(";\n")
                .append("\t$y = @ctxsw_yield[cpu] == tid + 1;\n")
                .append("\tif (tid == 0) { $k = ").append(kind(SwitchKind.FROM_IDLE)).append("; }\n")
                .append("\telse if (arg0 & 0xff) { $k = ").append(kind(SwitchKind.PREEMPTED)).append("; }\n")
                .append("\telse if (arg3 & 0x80) { $k = ").append(kind(SwitchKind.EXIT)).append("; }\n")
                .append("\telse if (arg3 & 0xffffffff) { $k = ").append(kind(SwitchKind.BLOCKED)).append("; }\n")
                .append("\telse if ($y) { $k = ").append(kind(SwitchKind.YIELD)).append("; }\n")
                .append("\tif ($y && (arg0 & 0xff) == 0) { @ctxsw_yield[cpu] = 0; }\n")
                .append("\t@ctxsw_kind[cpu] = $k + 1;\n");
        if (noteState) {
            noteState(s);
        }
        s.append("}\n");
    }

    /**
     * --slower, sched-tp: A's state as the sched_switch tracepoint reports it (its prev_state field, what the kprobe
     * and fentry scripts read, and perf prints), computed from the raw tracepoint's arguments as the kernel computes
     * that field, __trace_sched_switch_state(preempt, prev_state, prev) in include/trace/events/sched.h, the same in
     * every kernel with sched_entry_tp (6.15+): TASK_REPORT_MAX (0x100, "R+") if preempted; else the highest bit of
     * __task_state_index()'s state: (raw state | A's exit_state) & TASK_REPORT (0x7f), TASK_REPORT_IDLE (0x80, "I")
     * if the state has all of TASK_IDLE (0x402), TASK_UNINTERRUPTIBLE (0x2, "D") if it has TASK_RTLOCK_WAIT (0x1000)
     * or TASK_FROZEN (0x8000). A is current here, so its exit_state is curtask's; the highest bit of a value below
     * 0x100 is found by smearing it down and keeping the top (no loop). The kernel reads exit_state as its
     * tracepoint runs: an exiting A reaped meanwhile by its parent on another CPU shows as Z in one and X in the
     * other (seen on 6.18 for a few of some hundreds of short-lived processes, in a run of both side by side; every other
     * state matched).
     */
    private static void noteState(StringBuilder s) {
        s.append("""
                	$r = ((arg3 & 0xffffffff) | curtask->exit_state) & 0x7f;
                	if ((arg3 & 0x402) == 0x402) { $r = 0x80; }
                	if (arg3 & 0x9000) { $r = 0x2; }
                	$r = $r | ($r >> 1);
                	$r = $r | ($r >> 2);
                	$r = $r | ($r >> 4);
                	$r = $r - ($r >> 1);
                	if (arg0 & 0xff) { $r = 0x100; }
                	@ctxsw_prev_state[cpu] = $r;
                """);
    }

    /**
     * What a snapshot of {@code probe}'s script prints. bpftrace reads each key of a map it prints
     * with a BPF_MAP_LOOKUP_ELEM system call, and the kernel makes every such call with
     * bpf_prog_active raised on its CPU (bpf_disable_instrumentation(): migration off, preemption
     * not): kprobe and perf-event tracepoint programs do not run on that CPU meanwhile
     * (trace_call_bpf()), and where the call is preempted (preempt=full, PREEMPT_RT) the switches
     * of the whole time it waits to run again go unseen. On Linux 6.1 with preempt=full, with the
     * histogram (300 to 700 keys) in the snapshot, each task of the coverage test lost 0.09 to 0.23 %
     * of its switches in a 20 s run (the 50 ms sleeper 2 of 135 in another); without it, none, in the
     * same boot. So the histogram is snapshot only by the mode whose programs are all raw
     * tracepoints, which the kernel guards per program instead; elsewhere it comes with the final
     * maps, printed once the probes are detached, and a bpftrace killed mid-run leaves exact
     * counts, sums, minima and maxima without percentiles.
     */
    static java.util.List<String> snapshotMaps(BpftraceProbe probe) {
        java.util.List<String> maps = new java.util.ArrayList<>(SNAPSHOT_MAPS);
        if (probe != BpftraceProbe.SCHED_TP) {
            maps.addAll(UNTIMED_MAPS);
        }
        if (probe.snapshotsHistogram()) {
            maps.add(HISTOGRAM);
        }
        return maps;
    }

    /** Paired switches the filters left out (printed only when filters are given: bpftrace refuses a map never written). */
    static final String FILTERED_MAP = "@ctxsw_filtered";

    /**
     * Why the kprobe and fentry scripts do not filter by cgroup: B's cgroup's ancestors are read from struct cgroup
     * (see {@link #condition}), whose ancestors[] is Linux 6.0's (ancestor_ids[] before), and those scripts are for the
     * kernels before 6.15, where that has not been tried; bpftrace's cgroup builtin is B's own cgroup only.
     */
    static final String NO_CGROUP = "--cgroup compares B's cgroup's ancestor at the directory's depth (struct cgroup's ancestors[],"
            + " Linux 6.0+; ancestor_ids[] before), which only the sched-tp script reads (bpftrace's cgroup builtin is B's own cgroup,"
            + " without its descendants)";

    /**
     * The filters as one bpftrace condition on the switch ending now (B is current), or null for none.
     * A is the task @ctxsw_prev[cpu] names (its tid), which every mode keeps by then when --exclude-idle asks.
     * B is in the --cgroup directory or below it when its default-hierarchy cgroup is at the directory's level or
     * deeper and its ancestor at that level is the directory (struct cgroup's ancestors[], 0 the root, [level] itself,
     * as the kernel's cgroup_is_descendant() asks); cgroups created below it while tracing count. Tested last, as
     * the dearest (a chain of some eight reads of kernel memory).
     */
    static String condition(SwitchFilter f, CgroupV2.Location cgroup) {
        java.util.List<String> all = new java.util.ArrayList<>();
        if (!f.cpus().isEmpty()) {
            all.add(anyOf(f.cpus(), "cpu"));
        }
        if (f.excludeIdle()) {
            all.add("tid != 0 && @ctxsw_prev[cpu] != 0");
        }
        if (!f.pids().isEmpty()) {
            all.add(anyOf(f.pids(), "pid"));
        }
        if (!f.tids().isEmpty()) {
            all.add(anyOf(f.tids(), "tid"));
        }
        if (f.comm() != null) {
            all.add("comm == " + stringLiteral(f.comm()));
        }
        if (cgroup != null) {
            all.add("curtask->cgroups->dfl_cgrp->level >= " + cgroup.level() + " && curtask->cgroups->dfl_cgrp->ancestors["
                    + cgroup.level() + "]->kn->id == " + Long.toUnsignedString(cgroup.id()));
        }
        return all.isEmpty() ? null : "(" + String.join(") && (", all) + ")";
    }

    /** "cpu == 1 || (cpu >= 4 && cpu <= 7)": ids written as decimal numbers, runs as ranges. */
    private static String anyOf(java.util.SortedSet<Integer> ids, String builtin) {
        java.util.List<String> terms = new java.util.ArrayList<>();
        for (String range : SwitchFilter.cpuList(ids).split(",")) {
            String[] ends = range.split("-");
            terms.add(ends.length == 1 ? builtin + " == " + Integer.parseInt(ends[0])
                    : "(" + builtin + " >= " + Integer.parseInt(ends[0]) + " && " + builtin + " <= " + Integer.parseInt(ends[1]) + ")");
        }
        return String.join(" || ", terms);
    }

    /**
     * A bpftrace string literal holding {@code text} as data: bpftrace's lexer (0.17 to 0.23) takes
     * every byte but a quote, a backslash and a line break as it is inside a literal, and knows the
     * escapes \", \\, \n and \t, which are used for those.
     */
    static String stringLiteral(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /**
     * A task enters __schedule() (A); the exit with is_switch is B's start: a sample. --exclude-idle
     * keeps A's tid at the entry (sched_exit_tp gives only is_switch).
     */
    private static void schedTp(StringBuilder s, boolean perTask, String keep, boolean excludeIdle, long slowerNs, boolean byKind,
                                boolean classify) {
        s.append("""
                rawtracepoint:sched_entry_tp {
                	if (@ctxsw_start[cpu]) { @ctxsw_unpaired = count(); }
                """);
        if (excludeIdle || slowerNs > 0) {
            s.append("\t@ctxsw_prev[cpu] = tid;\n");
        }
        if (slowerNs > 0) { // A's name, while A is current; its state is noted with the kind (noteState)
            s.append("\t@ctxsw_prev_comm[cpu] = comm;\n");
        }
        s.append("""
                	@ctxsw_start[cpu] = nsecs;
                }
                rawtracepoint:sched_exit_tp {
                	$now = nsecs;
                	$s = @ctxsw_start[cpu];
                	@ctxsw_start[cpu] = 0;
                	if ($s == 0 || $now < $s) {
                		@ctxsw_unpaired = count();
                	} else if ((arg0 & 0xff) == 0) {
                		@ctxsw_no_switch = count();
                	} else {
                """);
        if (classify) { // the kind noted since the entry (B idle: to-idle, unless A was), then cleared
            s.append("\t\t$k = @ctxsw_kind[cpu];\n\t\t@ctxsw_kind[cpu] = 0;\n")
                    .append("\t\tif ($k == 0) { @ctxsw_unpaired = count(); } else {\n")
                    .append("\t\t$k = $k - 1;\n\t\tif (tid == 0 && $k != ").append(kind(SwitchKind.FROM_IDLE))
                    .append(") { $k = ").append(kind(SwitchKind.TO_IDLE)).append("; }\n");
        }
        record(s, perTask, keep, slowerNs, byKind, classify);
        s.append(classify ? "\t\t}\n\t}\n}\n" : "\t}\n}\n");
    }

    /** --slower, kprobe and fentry: A's name at the start, while A is current; its state unknown (-1) until sched_switch says. */
    private static void noteOutlierTask(StringBuilder s, long slowerNs) {
        if (slowerNs > 0) {
            s.append("\t@ctxsw_prev_comm[cpu] = comm;\n\t@ctxsw_prev_state[cpu] = -1;\n");
        }
    }

    /**
     * Before 6.15, every switch (docs/probes.md, "libbpf fentry and kprobe"): the start where
     * __schedule() calls rcu_note_context_switch(), whichever way it was entered; sched_switch on that
     * CPU with prev == A names B (stored as pid + 1, so that 0 means "none yet"); the end is a sample
     * only in B. A switch sched_switch saw without a start, or whose end never came, is untimed;
     * an end that is not B's is unpaired, never a sample. kprobe mode's end, finish_task_switch(), is
     * not reached when __schedule() keeps A: A's next start then finds its own slot without a switch.
     */
    private static void everySwitch(StringBuilder s, String start, String ends, boolean perTask, String keep, long slowerNs) {
        s.append(start).append("""
                 {
                	if (@ctxsw_next[cpu]) {
                		if (@ctxsw_start[cpu]) { @ctxsw_untimed_end = count(); }
                	} else if (@ctxsw_start[cpu]) {
                		if (@ctxsw_prev[cpu] == tid) { @ctxsw_no_switch = count(); } else { @ctxsw_unpaired = count(); }
                	}
                	@ctxsw_start[cpu] = nsecs;
                	@ctxsw_prev[cpu] = tid;
                	@ctxsw_next[cpu] = 0;
                """);
        noteOutlierTask(s, slowerNs);
        s.append("""
                }
                tracepoint:sched:sched_switch {
                	if (@ctxsw_start[cpu] && @ctxsw_next[cpu] == 0 && @ctxsw_prev[cpu] == args->prev_pid) {
                		@ctxsw_next[cpu] = args->next_pid + 1;
                """);
        if (slowerNs > 0) {
            s.append("\t\t@ctxsw_prev_state[cpu] = args->prev_state;\n");
        }
        s.append("""
                	} else {
                		if (@ctxsw_next[cpu] && @ctxsw_start[cpu]) { @ctxsw_untimed_end = count(); }
                		else if (@ctxsw_start[cpu]) { @ctxsw_unpaired = count(); }
                		@ctxsw_untimed_start = count();
                		@ctxsw_start[cpu] = 0;
                		@ctxsw_prev[cpu] = args->prev_pid;
                		@ctxsw_next[cpu] = args->next_pid + 1;
                	}
                }
                """).append(ends).append("""
                 {
                	$now = nsecs;
                	$s = @ctxsw_start[cpu];
                	$n = @ctxsw_next[cpu];
                	if ($n == 0) {
                		@ctxsw_start[cpu] = 0;
                		if ($s != 0 && tid == @ctxsw_prev[cpu]) { @ctxsw_no_switch = count(); } else { @ctxsw_unpaired = count(); }
                	} else if ($n != tid + 1) {
                		@ctxsw_unpaired = count();
                	} else if ($s == 0 || $now < $s) {
                		@ctxsw_start[cpu] = 0;
                		@ctxsw_next[cpu] = 0;
                	} else {
                		@ctxsw_start[cpu] = 0;
                		@ctxsw_next[cpu] = 0;
                """);
        record(s, perTask, keep, slowerNs, false, false);
        s.append("\t}\n}\n");
    }

    /**
     * One sample $d on this CPU, for the current (incoming) task; with filters, only if {@code keep} holds. With
     * {@code byKind} the figures are keyed by its kind $k; with {@code classify} (byKind, or sched-tp's --slower) an
     * outlier's line ends with $k, else with -1 (not classified).
     */
    private static void record(StringBuilder s, boolean perTask, String keep, long slowerNs, boolean byKind, boolean classify) {
        int sub = LogLinearBuckets.SUB_BITS;
        String cpuKey = byKind ? "[cpu, $k]" : "[cpu]";
        if (keep != null) {
            s.append("\t\tif (!(").append(keep).append(")) {\n\t\t\t").append(FILTERED_MAP).append(" = count();\n\t\t} else {\n");
        }
        s.append("\t\t$d = $now - $s;\n");
        s.append("\t\t@ctxsw_n").append(cpuKey).append(" = count();\n\t\t@ctxsw_sum").append(cpuKey).append(" = sum($d);\n")
                .append("\t\t@ctxsw_min").append(cpuKey).append(" = min($d);\n\t\t@ctxsw_max").append(cpuKey).append(" = max($d);\n");
        s.append("""
                		$v = $d;
                		$e = (uint64)0;
                		if ($v >= 4294967296) { $v = $v >> 32; $e = $e + 32; }
                		if ($v >= 65536) { $v = $v >> 16; $e = $e + 16; }
                		if ($v >= 256) { $v = $v >> 8; $e = $e + 8; }
                		if ($v >= 16) { $v = $v >> 4; $e = $e + 4; }
                		if ($v >= 4) { $v = $v >> 2; $e = $e + 2; }
                		if ($v >= 2) { $e = $e + 1; }
                		$b = $d;
                """);
        s.append("\t\tif ($e > ").append(LogLinearBuckets.MAX_EXP).append(") { $b = ").append(LogLinearBuckets.COUNT - 1)
                .append("; } else if ($e >= ").append(sub).append(") { $b = (($e - ").append(sub - 1).append(") << ").append(sub)
                .append(") + (($d >> ($e - ").append(sub).append(")) & ").append((1 << sub) - 1).append("); }\n");
        s.append(byKind ? "\t\t@ctxsw_hist[$b, $k] = count();\n" : "\t\t@ctxsw_hist[$b] = count();\n");
        if (perTask) {
            s.append("""
                    		@ctxsw_task_n[tid, pid, comm] = count();
                    		@ctxsw_task_sum[tid, pid, comm] = sum($d);
                    		@ctxsw_task_min[tid, pid, comm] = min($d);
                    		@ctxsw_task_max[tid, pid, comm] = max($d);
                    """);
        }
        if (slowerNs > 0) {
            // The names last, after a tab each: a name may hold spaces (BpftraceOutlier reads it back).
            // Counted before the printf, in the same branch: an event bpftrace loses or drops is still counted.
            s.append("\t\tif ($d >= ").append(slowerNs).append(") { ").append(EMITTED_MAP).append(" = count(); printf(\"").append(OUTLIER)
                    .append("%llu %d %llu %d %lld %d %llu %d\\t%s\\t%s\\n\", $now, cpu, $d, @ctxsw_prev[cpu],")
                    .append(" @ctxsw_prev_state[cpu], tid, cgroup, ").append(classify ? "$k" : "-1")
                    .append(", @ctxsw_prev_comm[cpu], comm); }\n");
        }
        if (keep != null) {
            s.append("\t\t}\n");
        }
    }
}
