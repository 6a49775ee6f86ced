package io.ctxswitch.perf;

import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;

/**
 * Streams {@code perf script} text through the parser and the pairing rule into a
 * {@link LatencyStats}: linear time, memory independent of the input's length.
 */
public final class PerfScriptReader {

    /** What one pass over a trace found besides the samples. */
    public record Outcome(long lines, long switchRecords, long schedSwitchLines, int minTimeDigits,
                          long firstTimeNs, long lastTimeNs, boolean stoppedEarly) {

        /** The trace had sched_switch lines but no switch records: recorded without --switch-events. */
        public boolean schedSwitchOnly() {
            return switchRecords == 0 && schedSwitchLines > 0;
        }

        /** Timestamps had fewer than nine decimals: recorded or printed without --ns. */
        public boolean microsecondsOnly() {
            return switchRecords > 0 && minTimeDigits < 9;
        }

        public long spanNs() {
            return switchRecords == 0 ? 0 : Math.max(0, lastTimeNs - firstTimeNs);
        }
    }

    private PerfScriptReader() {
    }



    /**
     * Reads to the end of {@code in} (or until {@code stop} says so, checked at every line).
     * Malformed and overlong lines are counted in {@code stats}' skipped lines.
     */
    public static Outcome read(InputStream in, LatencyStats stats, BooleanSupplier stop) throws IOException {
        return read(in, stats, stop, null, io.ctxswitch.core.spi.SwitchFilter.NONE);
    }

    /**
     * @param times also bins each sample by its time, for a heat map; or null
     * @param filter which paired switches become samples (see {@link SwitchPairer})
     */
    public static Outcome read(InputStream in, LatencyStats stats, BooleanSupplier stop,
                               io.ctxswitch.core.report.heatmap.TimeBinner times, io.ctxswitch.core.spi.SwitchFilter filter)
            throws IOException {
        return read(in, stats, stop, times, filter, false, null);
    }

    /**
     * @param byKind also classify each sample by kind ({@code --by=kind}, see {@link SwitchPairer})
     * @param watch --slower: where to hand the switches at or above its threshold; or null
     */
    public static Outcome read(InputStream in, LatencyStats stats, BooleanSupplier stop,
                               io.ctxswitch.core.report.heatmap.TimeBinner times, io.ctxswitch.core.spi.SwitchFilter filter,
                               boolean byKind, OutlierWatch watch) throws IOException {
        LineReader lines = new LineReader(in);
        ScriptPass pass = new ScriptPass(stats, times, filter, null, byKind, watch);
        boolean stopped = false;
        while (lines.next()) {
            pass.counted();
            if (stop.getAsBoolean()) { // every line: a reader woken after a stop adds nothing more
                stopped = true;
                break;
            }
            pass.take(lines.buffer(), lines.start(), lines.end(), lines.overlong());
        }
        pass.finish();
        return pass.outcome(stopped);
    }
}
