package io.ctxswitch.perf;

import io.ctxswitch.core.model.SwitchKind;

/**
 * How the outgoing task left, from the {@code prev_state} that perf prints for a {@code sched:sched_switch}
 * ({@code prev_state=S} in the kernel's format, {@code A:1 [120] S ==> ...} in libtraceevent's). The kernel
 * prints {@code R+} when the switch was a preemption (sched_switch's {@code preempt}), {@code R} for a task
 * still runnable that entered the scheduler itself (on its way back to user mode with need_resched, or from
 * sched_yield(): a trace cannot tell them apart, so both count as preempted), {@code Z} or {@code X} for a
 * task's last switch (its exit state: zombie or dead), and any other letter (S, D, I, T, t, P...) for a task
 * that went to sleep.
 */
final class PrevState {
    private PrevState() {
    }

    /** The kind for the state text in {@code b[from, to)}, or null if it is not a state. */
    static SwitchKind of(byte[] b, int from, int to) {
        if (from >= to) {
            return null;
        }
        byte first = b[from];
        if (first == 'R') {
            return SwitchKind.PREEMPTED;
        }
        if (first == 'Z' || first == 'X') {
            return SwitchKind.EXIT;
        }
        if (first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z') {
            return SwitchKind.BLOCKED;
        }
        return null;
    }
}
