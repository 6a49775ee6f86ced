package io.ctxswitch.core.model;

/**
 * How a switch came about ({@code --by=kind}): whether one side is an idle task, and otherwise how the
 * outgoing task A left the CPU, from the kernel's {@code sched_switch} ({@code preempt} and
 * {@code prev_state}). The kinds partition the switches: each falls in exactly one, so their counts add
 * up to the total. The order here is the order of the reports. README.md, "Breakdown by kind", says what
 * each means and where each backend gets it from.
 */
public enum SwitchKind {
    /** A was still runnable: preempted in the kernel, or on its way back to user mode (not a yield). */
    PREEMPTED("preempted"),
    /** A went to sleep (a non-running state: S, D, I, T...): it waits for something. */
    BLOCKED("blocked"),
    /** A called sched_yield() and another task took the CPU. */
    YIELD("yield"),
    /** A's last switch: it exited. */
    EXIT("exit"),
    /** A is an idle task (pid 0): the CPU had been idle and B was woken. */
    FROM_IDLE("from-idle"),
    /** B is an idle task: A left (almost always blocked or exited) and the CPU had nothing else to run. */
    TO_IDLE("to-idle");

    private final String label;

    SwitchKind(String label) {
        this.label = label;
    }

    /** The name users see, in text, JSON ({@code by_kind[].kind}) and the documentation. */
    public String label() {
        return label;
    }

    /**
     * The kind of a switch from A to B, by what the kernel's sched_switch says of A (A's own reason is
     * asked only when neither side is idle: an idle task never blocks, and a switch to idle says the
     * CPU had nothing else to run).
     *
     * @param prevIdle whether A is an idle task
     * @param nextIdle whether B is an idle task
     * @param leaving how A left, when neither is idle
     */
    public static SwitchKind of(boolean prevIdle, boolean nextIdle, SwitchKind leaving) {
        if (prevIdle) {
            return FROM_IDLE;
        }
        if (nextIdle) {
            return TO_IDLE;
        }
        return leaving;
    }
}
