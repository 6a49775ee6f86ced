package io.ctxswitch.core.model;

/**
 * A task's state when it left the CPU, as the kernel's {@code sched_switch} tracepoint reports it
 * ({@code prev_state}, {@code __trace_sched_switch_state()} since Linux 4.14): one bit per state, the
 * bit {@link #PREEMPTED} when the task was preempted (still runnable), 0 when it was running (yielded,
 * or stayed runnable). Printed with the letters of {@code ps} and {@code perf sched}: R, S, D, T, t,
 * X, Z, P, I, and R+ for preempted.
 */
public final class TaskState {
    /** {@code TASK_REPORT_MAX}: the bit sched_switch sets for a preempted task. */
    public static final long PREEMPTED = 0x100;
    private static final String LETTERS = "SDTtXZPI";

    private TaskState() {
    }

    /**
     * The letters for sched_switch's prev_state as a BPF program receives it: since Linux 5.18 that argument is
     * the task's raw {@code __state}, and the tracepoint computes the TASK_REPORT form only for its text
     * ({@code __trace_sched_switch_state()}). The same computation here, but for the exit state, which the
     * argument lacks: a task in its last switch ({@code TASK_DEAD}) shows as X. {@code preempted}: the
     * tracepoint's preempt argument (then "R+", whatever the state said).
     */
    public static String ofRaw(long state, boolean preempted) {
        if (preempted) {
            return "R+";
        }
        long s = state & 0xffff_ffffL;
        long report = s & 0x7f;                // TASK_REPORT: S D T t X Z P
        if ((s & 0x402) == 0x402) {            // TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD
            report = 0x80;
        } else if ((s & 0x1000) != 0) {        // TASK_RTLOCK_WAIT shows as D
            report = 0x2;
        } else if (report == 0 && (s & 0x80) != 0) { // TASK_DEAD, without its exit_state: X
            report = 0x10;
        }
        return report == 0 ? "R" : letters(Long.highestOneBit(report)); // fls(): the highest state bit
    }

    /** The letters for a reported state, e.g. "S", "R+", or "S|D" should two bits be set (never, today). */
    public static String letters(long reported) {
        if ((reported & PREEMPTED) != 0) {
            return "R+";
        }
        if (reported == 0) {
            return "R";
        }
        StringBuilder s = new StringBuilder();
        for (int bit = 0; bit < LETTERS.length(); bit++) {
            if ((reported & (1L << bit)) != 0) {
                s.append(s.length() == 0 ? "" : "|").append(LETTERS.charAt(bit));
            }
        }
        long unknown = reported & ~((1L << LETTERS.length()) - 1) & ~PREEMPTED;
        if (unknown != 0) {
            s.append(s.length() == 0 ? "" : "|").append("0x").append(Long.toHexString(unknown));
        }
        return s.toString();
    }
}
