package io.ctxswitch.perf;

import java.nio.charset.StandardCharsets;

/**
 * One line of {@code perf script} output, parsed. Mutable and reused from line to line: the parser
 * runs at millions of lines a second and allocates nothing but a task's name when it is asked for.
 */
public final class PerfRecord {

    /** What a line is. */
    public enum Kind {
        /** {@code PERF_RECORD_SWITCH_CPU_WIDE OUT}: the line's task stops; {@link #otherTid} is next. */
        SWITCH_OUT,
        /** {@code PERF_RECORD_SWITCH_CPU_WIDE IN}: the line's task starts; {@link #otherTid} was prev. */
        SWITCH_IN,
        /** A {@code sched:sched_switch} tracepoint line (kernel or libtraceevent format). */
        SCHED_SWITCH,
        /** {@code PERF_RECORD_LOST}: {@link #lost} events the kernel could not write. */
        LOST,
        /** A well-formed line of another event: not ours, not an error. */
        OTHER,
        /** Blank, or a comment ({@code #}). */
        NOTHING,
        /** A line that is not perf script output: skipped and counted. */
        MALFORMED
    }

    Kind kind;
    /** The line's task: comm (bytes in {@link #line}), thread id, CPU, time. */
    byte[] line;
    int commStart;
    int commEnd;
    int tid;
    int cpu;
    long timeNs;
    /** Digits after the decimal point of the timestamp: 9 with --ns, 6 without. */
    int timeDigits;
    /** The other task of a switch record: next (OUT) or prev (IN), and its process id. */
    int otherTid;
    int otherPid;
    long lost;
    /** A sched_switch line: how prev left ({@link PrevState}), or null if the line has no state we know. */
    io.ctxswitch.core.model.SwitchKind leaving;
    /** An OUT record marked {@code preempt}: the task was still runnable when it left. */
    boolean preempted;
    /** A sched_switch line's text after the event name, for {@link #prevState}. */
    int payloadStart;
    int payloadEnd;

    public Kind kind() {
        return kind;
    }

    public int tid() {
        return tid;
    }

    public int cpu() {
        return cpu;
    }

    public long timeNs() {
        return timeNs;
    }

    public int timeDigits() {
        return timeDigits;
    }

    public int otherTid() {
        return otherTid;
    }

    public int otherPid() {
        return otherPid;
    }

    public long lost() {
        return lost;
    }

    /** How a sched_switch line's prev left the CPU, or null where the line does not say. */
    public io.ctxswitch.core.model.SwitchKind leaving() {
        return leaving;
    }

    /** Whether an OUT record says {@code preempt}: its task was still runnable. */
    public boolean preempted() {
        return preempted;
    }

    /**
     * A {@link Kind#SCHED_SWITCH} line's prev_state as printed ("S", "R+", "D|K"...), found when asked
     * (only --slower asks): the kernel's "prev_state=S" or libtraceevent's "A:1 [120] S ==> B:2 [120]".
     * Null if the line has none.
     */
    public String prevState() {
        if (kind != Kind.SCHED_SWITCH) {
            return null;
        }
        int arrow = PerfScriptParser.indexOf(line, payloadStart, payloadEnd, "==>".getBytes(StandardCharsets.US_ASCII));
        if (arrow < 0) {
            return null;
        }
        byte[] marker = "prev_state=".getBytes(StandardCharsets.US_ASCII);
        int at = PerfScriptParser.lastIndexOf(line, payloadStart, arrow, marker);
        int start;
        if (at >= 0) {
            start = at + marker.length;
        } else { // libtraceevent: the last word before the arrow
            int end = arrow;
            while (end > payloadStart && line[end - 1] == ' ') {
                end--;
            }
            start = end;
            while (start > payloadStart && line[start - 1] != ' ') {
                start--;
            }
        }
        int end = start;
        while (end < arrow && line[end] != ' ') {
            end++;
        }
        return end > start ? new String(line, start, end - start, StandardCharsets.US_ASCII) : null;
    }

    /** The line's task name, decoded as UTF-8 (bytes that are not become U+FFFD; the name stays whole). */
    public String comm() {
        return new String(line, commStart, commEnd - commStart, StandardCharsets.UTF_8);
    }

    /** True if the task name equals {@code other}'s bytes (to reuse a decoded name). */
    boolean commEquals(byte[] other) {
        int n = commEnd - commStart;
        if (other.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (line[commStart + i] != other[i]) {
                return false;
            }
        }
        return true;
    }

    byte[] commBytes() {
        return java.util.Arrays.copyOfRange(line, commStart, commEnd);
    }
}
