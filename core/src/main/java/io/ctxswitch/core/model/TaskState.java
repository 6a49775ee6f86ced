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
