package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.report.HistogramBins;
import io.ctxswitch.core.report.Summary;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a heat map draws: the grid of all CPUs together and, with {@code --per-cpu}, one grid per CPU
 * that had a switch, all over the same intervals (a CPU whose first switch comes late has empty
 * columns before it), so that every panel shares the time axis.
 */
public final class HeatmapPanels {
    private final HeatmapGrid all;
    private final boolean perCpu;
    private final SortedMap<Integer, HeatmapGrid> cpus = new TreeMap<>();

    /** @param perCpu whether to keep a grid per CPU ({@code --per-cpu}) */
    public HeatmapPanels(boolean perCpu) {
        this(new HeatmapGrid(), perCpu);
    }

    /** Around a grid already filled (a replayed perf trace's, without --per-cpu). */
    public HeatmapPanels(HeatmapGrid all, boolean perCpu) {
        this.all = all;
        this.perCpu = perCpu;
    }

    /**
     * One interval: its bins for all CPUs, and per CPU (ignored without {@code --per-cpu}); a CPU
     * missing from {@code byCpu} had no switch in it.
     */
    public void addInterval(long durationNs, List<HistogramBins.Bin> allBins, Map<Integer, List<HistogramBins.Bin>> byCpu) {
        if (perCpu) {
            for (Map.Entry<Integer, List<HistogramBins.Bin>> e : byCpu.entrySet()) {
                if (!cpus.containsKey(e.getKey()) && e.getValue().stream().anyMatch(b -> b.count() > 0)) {
                    cpus.put(e.getKey(), all.emptyCopy()); // the intervals before its first switch
                }
            }
            for (Map.Entry<Integer, HeatmapGrid> e : cpus.entrySet()) {
                e.getValue().addInterval(durationNs, byCpu.getOrDefault(e.getKey(), List.of()));
            }
        }
        all.addInterval(durationNs, allBins);
    }

    /**
     * One interval as its report has it ({@code --format=json --interval} prints the same figures):
     * its histogram, and its per-CPU entries' histograms where it has them.
     */
    public void addInterval(Summary interval) {
        Map<Integer, List<HistogramBins.Bin>> byCpu = new TreeMap<>();
        for (Summary.CpuLine cpu : interval.perCpu()) {
            if (cpu.histogram() != null) {
                byCpu.put(cpu.cpu(), cpu.histogram());
            }
        }
        addInterval(interval.durationNs(), interval.histogram(), byCpu);
    }

    public HeatmapGrid all() {
        return all;
    }

    public boolean perCpu() {
        return perCpu;
    }

    /** The CPUs that had a switch, each with its grid, in CPU order; empty without {@code --per-cpu}. */
    public SortedMap<Integer, HeatmapGrid> cpus() {
        return Collections.unmodifiableSortedMap(cpus);
    }
}
