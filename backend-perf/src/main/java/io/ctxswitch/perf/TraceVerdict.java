package io.ctxswitch.perf;

import io.ctxswitch.core.spi.SourceException;
import java.util.ArrayList;
import java.util.List;

/** What a pass over a perf trace means for the user: an input error, or figures with warnings. */
final class TraceVerdict {
    static final String HOW_TO_RECORD = "record with 'perf record -a --switch-events -e sched:sched_switch'"
            + " and print with 'perf script --ns --show-switch-events'";

    static final String INTERRUPTED = "interrupted: the figures cover the part of the trace read so far";

    private TraceVerdict() {
    }

    /** Throws an input error (exit 4) when the trace had no usable switch record. */
    static void requireUsable(PerfScriptReader.Outcome outcome, String name) throws SourceException {
        if (outcome.lines() == 0) {
            throw SourceException.input(name + " is empty");
        }
        if (outcome.schedSwitchOnly()) {
            throw SourceException.input(name + " has sched_switch lines but no PERF_RECORD_SWITCH_CPU_WIDE records: "
                    + HOW_TO_RECORD);
        }
        if (outcome.switchRecords() == 0 && !outcome.stoppedEarly()) {
            throw SourceException.input(name + " has no usable switch record: expected perf script output with"
                    + " PERF_RECORD_SWITCH_CPU_WIDE lines (" + HOW_TO_RECORD + ")");
        }
    }

    static List<String> warnings(PerfScriptReader.Outcome outcome, long skippedLines) {
        List<String> warnings = new ArrayList<>();
        if (outcome.microsecondsOnly()) {
            warnings.add("the trace has microsecond timestamps (printed without --ns): latencies below 1 us cannot be resolved");
        }
        if (skippedLines > 0) {
            warnings.add(String.format(java.util.Locale.ROOT, "%,d lines of the trace could not be parsed and were skipped", skippedLines));
        }
        if (outcome.stoppedEarly()) {
            warnings.add(INTERRUPTED);
        }
        return warnings;
    }
}
