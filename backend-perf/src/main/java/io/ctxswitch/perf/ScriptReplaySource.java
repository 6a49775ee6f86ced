package io.ctxswitch.perf;

import io.ctxswitch.core.spi.BackgroundReplay;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * Replays perf script text from a stream (see {@link BackgroundReplay} for its life): the figures
 * come in one piece at the end, or those read so far if the user stopped it.
 */
final class ScriptReplaySource extends BackgroundReplay implements io.ctxswitch.core.report.heatmap.TimedReplay {

    /** Where the text comes from: a file, stdin, or a perf script child; closed when the source is. */
    interface Input extends AutoCloseable {
        InputStream open() throws IOException;

        /** Called once the text has been read to its end: a child's exit status becomes an error here. */
        default void finished() throws SourceException {
        }

        @Override
        default void close() {
        }
    }

    private final Input input;
    private final String probe;
    private final LatencyStats stats = new LatencyStats();
    private volatile PerfScriptReader.Outcome outcome;
    private volatile io.ctxswitch.core.report.heatmap.TimeBinner times;

    private final io.ctxswitch.core.spi.SwitchFilter filter;
    private final boolean byKind;
    private final long slowerNs;
    private volatile java.util.function.Consumer<io.ctxswitch.core.model.Outlier> outlierSink = o -> { };

    /**
     * @param skippedBefore lines passed over before the input (junk before the trace), counted as skipped
     * @param filter which switches to keep: every filter but the cgroup, which perf's switch records do not carry
     */
    ScriptReplaySource(Input input, String name, String probe, long skippedBefore, io.ctxswitch.core.spi.SwitchFilter filter) {
        this(input, name, probe, skippedBefore, filter, false, 0);
    }

    /**
     * @param byKind classify each switch by kind ({@code --by=kind}), from the trace's sched_switch lines
     * @param slowerNs {@code --slower}'s threshold, 0 for none
     */
    ScriptReplaySource(Input input, String name, String probe, long skippedBefore, io.ctxswitch.core.spi.SwitchFilter filter,
                       boolean byKind, long slowerNs) {
        super(name);
        this.byKind = byKind;
        this.input = input;
        this.probe = probe;
        this.filter = filter;
        this.slowerNs = slowerNs;
        stats.addSkippedLines(skippedBefore);
    }

    /**
     * The filters a perf trace carries what they need for (the incoming task's ids and name, the CPU, the outgoing
     * task's id), and the kind of each switch (its sched_switch line's prev_state).
     */
    @Override
    public java.util.Set<io.ctxswitch.core.spi.Feature> features() {
        java.util.Set<io.ctxswitch.core.spi.Feature> features = java.util.EnumSet.of(io.ctxswitch.core.spi.Feature.OUTLIERS);
        features.addAll(PerfSource.TRACE_FEATURES);
        return features;
    }

    /** --slower: each switch at or above the threshold, dated by the trace's own timestamps, as the trace is read. */
    @Override
    public void onOutlier(java.util.function.Consumer<io.ctxswitch.core.model.Outlier> sink) {
        outlierSink = sink;
    }

    @Override
    public String name() {
        return PerfSource.NAME;
    }

    @Override
    protected void read(BooleanSupplier stop) throws IOException, SourceException {
        try (InputStream in = input.open()) {
            outcome = PerfScriptReader.read(in, stats, stop, times, filter, byKind,
                    slowerNs > 0 ? new OutlierWatch(slowerNs, null, outlierSink) : null);
            if (!outcome.stoppedEarly()) {
                input.finished();
            }
        }
    }

    @Override
    public void binBy(long intervalNs, boolean perCpu) {
        times = new io.ctxswitch.core.report.heatmap.TimeBinner(intervalNs, perCpu);
    }

    @Override
    public io.ctxswitch.core.report.heatmap.HeatmapPanels timeline() {
        io.ctxswitch.core.report.heatmap.TimeBinner t = times;
        return t == null ? new io.ctxswitch.core.report.heatmap.HeatmapPanels(false) : t.panels();
    }

    @Override
    public String probeDescription() {
        return probe;
    }

    @Override
    protected LatencyStats figures(boolean done) throws SourceException {
        if (!done) { // stopped while the reader is blocked in a read: a copy, should it wake
            LatencyStats copy = new LatencyStats();
            copy.add(stats);
            return copy;
        }
        if (outcome == null) { // stopped, and the read failed meanwhile: what was read before
            return stats;
        }
        TraceVerdict.requireUsable(outcome, inputName);
        return stats;
    }

    @Override
    public OptionalLong coveredNs() {
        return outcome == null ? OptionalLong.empty() : OptionalLong.of(outcome.spanNs());
    }

    @Override
    public List<String> warnings() {
        if (outcome == null) {
            return stopRequested() ? List.of(TraceVerdict.INTERRUPTED) : List.of();
        }
        return TraceVerdict.warnings(outcome, stats.skippedLines());
    }

    @Override
    public void close() {
        super.close();
        input.close();
    }
}
