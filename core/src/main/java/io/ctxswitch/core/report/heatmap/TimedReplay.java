package io.ctxswitch.core.report.heatmap;

/**
 * A replay whose switches carry timestamps (perf traces), which can therefore also be drawn as a
 * heat map: asked before it starts, it bins its switches by trace time as it reads them.
 */
public interface TimedReplay {
    /** Also bin the switches in intervals of {@code intervalNs} of trace time. Call before the source starts. */
    void binBy(long intervalNs);

    /** The bins, once the reading ended; an empty grid if {@link #binBy} was not called. */
    HeatmapGrid timeline();
}
