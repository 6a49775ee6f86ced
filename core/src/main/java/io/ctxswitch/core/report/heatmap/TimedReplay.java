package io.ctxswitch.core.report.heatmap;

/**
 * A replay whose switches carry timestamps (perf traces), which can therefore also be drawn as a
 * heat map: asked before it starts, it bins its switches by trace time (and CPU) as it reads them.
 */
public interface TimedReplay {
    /**
     * Also bin the switches in intervals of {@code intervalNs} of trace time, and by CPU if
     * {@code perCpu}. Call before the source starts.
     */
    void binBy(long intervalNs, boolean perCpu);

    /** The bins, once the reading ended; empty panels if {@link #binBy} was not called. */
    HeatmapPanels timeline();
}
