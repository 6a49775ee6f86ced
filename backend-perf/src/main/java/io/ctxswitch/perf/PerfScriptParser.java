package io.ctxswitch.perf;

/**
 * Parses one line of {@code perf script} text (perf 6.1 to 6.12 column widths, with or without
 * {@code --ns}), a pure function from bytes to a {@link PerfRecord}:
 *
 * <pre>
 *       sched-pipe  7066 [000]  1141.492276659: PERF_RECORD_SWITCH_CPU_WIDE OUT preempt  next pid/tid:  7065/7065
 *    Web Content 9  4242 [001]  1141.492277049: PERF_RECORD_SWITCH_CPU_WIDE IN           prev pid/tid:  7066/7066
 *             perf  7078 [001]  1141.548492300: sched:sched_switch: prev_comm=perf prev_pid=7078 ... ==> next_comm=... next_pid=7080 ...
 *             perf  7078 [001]  1141.548492300: sched:sched_switch: perf:7078 [120] R ==> perf-exec:7080 [120]
 *       sched-pipe  7065 [000]  1141.549501640: PERF_RECORD_LOST lost 57672
 * </pre>
 *
 * The task name may hold spaces, colons, brackets and any bytes: the line is anchored on the
 * {@code TID [CPU] SECONDS.FRACTION:} run that follows it, the first one that parses.
 */
public final class PerfScriptParser {
    private static final byte[] SWITCH = "PERF_RECORD_SWITCH_CPU_WIDE ".getBytes();
    private static final byte[] LOST = "PERF_RECORD_LOST".getBytes();
    private static final byte[] SCHED_SWITCH = "sched:sched_switch:".getBytes();
    private static final byte[] PID_TID = "pid/tid:".getBytes();
    private static final byte[] NEXT_PID = "next_pid=".getBytes();
    private static final byte[] PREV_STATE = "prev_state=".getBytes();
    private static final byte[] PREEMPT = "preempt".getBytes();
    private static final byte[] ARROW = "==>".getBytes();

    private static final long[] SCALE = {1_000_000_000L, 100_000_000L, 10_000_000L, 1_000_000L, 100_000L,
        10_000L, 1_000L, 100L, 10L, 1L};

    private PerfScriptParser() {
    }

    /** Parses {@code line[start, end)} (no line terminator) into {@code out}; returns its kind. */
    public static PerfRecord.Kind parse(byte[] line, int start, int end, PerfRecord out) {
        out.line = line;
        out.kind = classify(line, start, end, out);
        return out.kind;
    }

    private static PerfRecord.Kind classify(byte[] b, int start, int end, PerfRecord out) {
        while (end > start && (b[end - 1] == '\r' || b[end - 1] == ' ')) {
            end--;
        }
        int first = skipSpaces(b, start, end);
        if (first == end || b[first] == '#') {
            return PerfRecord.Kind.NOTHING;
        }
        int payload = header(b, first, end, out);
        if (payload < 0) {
            return PerfRecord.Kind.MALFORMED;
        }
        if (startsWith(b, payload, end, SWITCH)) {
            return switchRecord(b, payload + SWITCH.length, end, out);
        }
        if (startsWith(b, payload, end, LOST)) {
            int i = skipSpaces(b, indexOfSpace(b, payload, end), end);
            if (startsWith(b, i, end, "lost".getBytes())) {
                i = skipSpaces(b, i + 4, end);
            }
            long n = number(b, i, end);
            if (n < 0) {
                return PerfRecord.Kind.MALFORMED;
            }
            out.lost = n;
            return PerfRecord.Kind.LOST;
        }
        if (startsWith(b, payload, end, SCHED_SWITCH)) {
            out.payloadStart = payload + SCHED_SWITCH.length;
            out.payloadEnd = end;
            return schedSwitch(b, payload + SCHED_SWITCH.length, end, out);
        }
        return PerfRecord.Kind.OTHER;
    }

    /**
     * Finds "TID [CPU] SEC.FRAC:" after the name; fills tid, cpu, time and the name's bounds.
     * Returns where the event text starts, or -1.
     */
    private static int header(byte[] b, int first, int end, PerfRecord out) {
        for (int open = indexOf(b, first, end, (byte) '['); open >= 0; open = indexOf(b, open + 1, end, (byte) '[')) {
            if (open == first || b[open - 1] != ' ') {
                continue;
            }
            int cpuEnd = digitsEnd(b, open + 1, end);
            if (cpuEnd == open + 1 || cpuEnd >= end || b[cpuEnd] != ']') {
                continue;
            }
            int t = skipSpaces(b, cpuEnd + 1, end);
            int secEnd = digitsEnd(b, t, end);
            if (secEnd == t || secEnd >= end || b[secEnd] != '.') {
                continue;
            }
            int fracEnd = digitsEnd(b, secEnd + 1, end);
            int digits = fracEnd - secEnd - 1;
            if (digits == 0 || digits > 9 || fracEnd >= end || b[fracEnd] != ':' || secEnd - t > 11) {
                continue;
            }
            // The thread id (or pid/tid) just before " [": digits, read backwards.
            int tidEnd = open - 1;
            while (tidEnd > first && b[tidEnd - 1] == ' ') {
                tidEnd--;
            }
            int tidStart = tidEnd;
            while (tidStart > first && isDigit(b[tidStart - 1])) {
                tidStart--;
            }
            if (tidStart == tidEnd || tidEnd - tidStart > 10) {
                continue;
            }
            boolean negative = tidStart > first && b[tidStart - 1] == '-'; // perf's -1: a thread it could not resolve
            int nameEnd = negative ? tidStart - 1 : tidStart;
            if (nameEnd > first && b[nameEnd - 1] == '/') { // "pid/tid" with -F +pid
                nameEnd--;
                while (nameEnd > first && (isDigit(b[nameEnd - 1]) || b[nameEnd - 1] == '-')) {
                    nameEnd--;
                }
            }
            if (nameEnd > first && b[nameEnd - 1] != ' ') {
                continue; // the number is part of the name, not its own column
            }
            while (nameEnd > first && b[nameEnd - 1] == ' ') {
                nameEnd--;
            }
            long tid = number(b, tidStart, tidEnd);
            long cpu = number(b, open + 1, cpuEnd);
            if (tid > Integer.MAX_VALUE || cpu > 65_535) {
                continue;
            }
            out.commStart = first;
            out.commEnd = nameEnd;
            out.tid = negative ? -(int) tid : (int) tid;
            out.cpu = (int) cpu;
            out.timeNs = number(b, t, secEnd) * 1_000_000_000L + number(b, secEnd + 1, fracEnd) * SCALE[digits];
            out.timeDigits = digits;
            return skipSpaces(b, fracEnd + 1, end);
        }
        return -1;
    }

    /** After "PERF_RECORD_SWITCH_CPU_WIDE ": "OUT [preempt] next pid/tid: P/T" or "IN prev pid/tid: P/T". */
    private static PerfRecord.Kind switchRecord(byte[] b, int i, int end, PerfRecord out) {
        PerfRecord.Kind kind;
        if (startsWith(b, i, end, "OUT".getBytes())) {
            kind = PerfRecord.Kind.SWITCH_OUT;
            out.preempted = startsWith(b, skipSpaces(b, i + 3, end), end, PREEMPT);
        } else if (startsWith(b, i, end, "IN".getBytes())) {
            out.preempted = false;
            kind = PerfRecord.Kind.SWITCH_IN;
        } else {
            return PerfRecord.Kind.MALFORMED;
        }
        // "pid/tid:" is the line's last colon: search back for it rather than across the whole text.
        int colon = lastIndexOf(b, i, end, (byte) ':');
        int at = colon - (PID_TID.length - 1);
        if (colon < 0 || at < i || !startsWith(b, at, end, PID_TID)) {
            return PerfRecord.Kind.MALFORMED;
        }
        int p = skipSpaces(b, at + PID_TID.length, end);
        int pidEnd = signedEnd(b, p, end);
        if (pidEnd == p || pidEnd >= end || b[pidEnd] != '/') {
            return PerfRecord.Kind.MALFORMED;
        }
        int tidEnd = signedEnd(b, pidEnd + 1, end);
        if (tidEnd == pidEnd + 1 || pidEnd - p > 11 || tidEnd - pidEnd > 12) {
            return PerfRecord.Kind.MALFORMED;
        }
        long pid = signed(b, p, pidEnd);
        long tid = signed(b, pidEnd + 1, tidEnd);
        if (pid == Long.MIN_VALUE || tid == Long.MIN_VALUE) {
            return PerfRecord.Kind.MALFORMED;
        }
        out.otherPid = (int) pid;
        out.otherTid = (int) tid;
        return kind;
    }

    /**
     * The tracepoint's text: the kernel's "prev_comm=A prev_pid=1 ... ==> next_comm=B next_pid=2 ..."
     * or libtraceevent's "A:1 [120] S ==> B:2 [120]". Names may hold spaces, so the pids are found
     * from their markers. Fills tid with prev and otherTid with next.
     */
    private static PerfRecord.Kind schedSwitch(byte[] b, int i, int end, PerfRecord out) {
        // The kernel's form ends "==> next_comm=B next_pid=2 next_prio=120": search back from the end.
        int next = lastIndexOf(b, i, end, NEXT_PID);
        if (next >= 0) {
            long n = number(b, next + NEXT_PID.length, digitsEnd(b, next + NEXT_PID.length, end));
            if (n < 0 || lastIndexOf(b, i, next, ARROW) < 0) {
                return PerfRecord.Kind.MALFORMED;
            }
            out.otherTid = (int) n;
            int state = lastIndexOf(b, i, next, PREV_STATE);
            out.leaving = state < 0 ? null
                    : PrevState.of(b, state + PREV_STATE.length, indexOfSpace(b, state + PREV_STATE.length, next));
            return PerfRecord.Kind.SCHED_SWITCH;
        }
        int arrow = indexOf(b, i, end, ARROW);
        if (arrow < 0) {
            return PerfRecord.Kind.MALFORMED;
        }
        // libtraceevent: "A:1 [120] S ==> ...": the state is the word before the arrow.
        int stateEnd = arrow;
        while (stateEnd > i && b[stateEnd - 1] == ' ') {
            stateEnd--;
        }
        int stateStart = stateEnd;
        while (stateStart > i && b[stateStart - 1] != ' ' && b[stateStart - 1] != ']') {
            stateStart--;
        }
        out.leaving = stateStart > i && b[stateStart - 1] == ' ' ? PrevState.of(b, stateStart, stateEnd) : null;
        // libtraceevent: "... ==> NAME:PID [PRIO]": the pid ends at the last " [" of the line.
        int bracket = lastIndexOf(b, arrow, end, (byte) '[');
        if (bracket < 0) {
            return PerfRecord.Kind.MALFORMED;
        }
        int pidEnd = bracket;
        while (pidEnd > arrow && b[pidEnd - 1] == ' ') {
            pidEnd--;
        }
        int pidStart = pidEnd;
        while (pidStart > arrow && isDigit(b[pidStart - 1])) {
            pidStart--;
        }
        if (pidStart == pidEnd || b[pidStart - 1] != ':') {
            return PerfRecord.Kind.MALFORMED;
        }
        out.otherTid = (int) number(b, pidStart, pidEnd);
        return PerfRecord.Kind.SCHED_SWITCH;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** The end of an optionally negative run of digits starting at i (i itself if there is none). */
    private static int signedEnd(byte[] b, int i, int end) {
        int digits = i < end && b[i] == '-' ? i + 1 : i;
        int e = digitsEnd(b, digits, end);
        return e == digits ? i : e;
    }

    /** The optionally negative number in b[from, to), or Long.MIN_VALUE. */
    private static long signed(byte[] b, int from, int to) {
        boolean negative = from < to && b[from] == '-';
        long n = number(b, negative ? from + 1 : from, to);
        return n < 0 ? Long.MIN_VALUE : negative ? -n : n;
    }

    private static int digitsEnd(byte[] b, int i, int end) {
        while (i < end && isDigit(b[i])) {
            i++;
        }
        return i;
    }

    /** The decimal number in b[from, to), or -1 if empty or too long. */
    private static long number(byte[] b, int from, int to) {
        if (from >= to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(b[i])) {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n;
    }

    private static int skipSpaces(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    private static int indexOfSpace(byte[] b, int i, int end) {
        while (i < end && b[i] != ' ') {
            i++;
        }
        return i;
    }

    private static boolean startsWith(byte[] b, int i, int end, byte[] prefix) {
        if (end - i < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (b[i + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int i, int end, byte c) {
        for (; i < end; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, int from, int end, byte c) {
        for (int i = end - 1; i >= from; i--) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    static int indexOf(byte[] b, int i, int end, byte[] needle) {
        byte first = needle[0];
        for (int limit = end - needle.length; i <= limit; i++) {
            if (b[i] == first && startsWith(b, i, end, needle)) {
                return i;
            }
        }
        return -1;
    }

    static int lastIndexOf(byte[] b, int from, int end, byte[] needle) {
        byte first = needle[0];
        for (int i = end - needle.length; i >= from; i--) {
            if (b[i] == first && startsWith(b, i, end, needle)) {
                return i;
            }
        }
        return -1;
    }
}
