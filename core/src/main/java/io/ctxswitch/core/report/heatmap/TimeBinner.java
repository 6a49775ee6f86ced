package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.report.HistogramBins;
import io.ctxswitch.core.stats.BinCounts;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Switches with timestamps (a replayed perf trace) into intervals of {@code intervalNs} of trace
 * time, counted in the report's bins, for a heat map; with {@code perCpu}, also by the CPU each
 * switch happened on. Time starts at the first switch's end. Counting is by array index per
 * interval: a replay reads millions of switches a second.
 */
public final class TimeBinner {
    private final long intervalNs;
    private final boolean perCpu;
    private final TreeMap<Long, Interval> intervals = new TreeMap<>();
    private long firstNs = Long.MIN_VALUE;
    private long lastNs;
    private long currentIndex = -1;
    private Interval current;

    /** One interval's switches, in total and (if asked) per CPU. */
    private static final class Interval {
        final BinCounts all = new BinCounts();
        BinCounts[] cpus = new BinCounts[0];

        BinCounts cpu(int cpu) {
            if (cpu >= cpus.length) {
                cpus = Arrays.copyOf(cpus, Math.max(cpu + 1, cpus.length * 2));
            }
            if (cpus[cpu] == null) {
                cpus[cpu] = new BinCounts();
            }
            return cpus[cpu];
        }
    }

    public TimeBinner(long intervalNs) {
        this(intervalNs, false);
    }

    /** @param perCpu whether to bin per CPU too ({@code --per-cpu}) */
    public TimeBinner(long intervalNs, boolean perCpu) {
        if (intervalNs <= 0) {
            throw new IllegalArgumentException("interval must be positive, not " + intervalNs);
        }
        this.intervalNs = intervalNs;
        this.perCpu = perCpu;
    }

    /** One switch on {@code cpu} that ended at {@code endNs} (trace time) after {@code latencyNs}. */
    public void record(long endNs, int cpu, long latencyNs) {
        if (firstNs == Long.MIN_VALUE) {
            firstNs = endNs;
        }
        long index = Math.max(0, endNs - firstNs) / intervalNs; // a CPU's record a little behind the first: interval 0
        if (index != currentIndex) {
            current = intervals.computeIfAbsent(index, i -> new Interval());
            currentIndex = index;
        }
        current.all.record(latencyNs);
        if (perCpu) {
            current.cpu(cpu).record(latencyNs);
        }
        lastNs = Math.max(lastNs, endNs);
    }

    /** The intervals as panels: every interval from the first switch to the last, the empty ones too. */
    public HeatmapPanels panels() {
        HeatmapPanels panels = new HeatmapPanels(perCpu);
        if (intervals.isEmpty()) {
            return panels;
        }
        long last = intervals.lastKey();
        for (long i = 0; i <= last; i++) {
            Interval interval = intervals.get(i);
            Map<Integer, List<HistogramBins.Bin>> byCpu = new TreeMap<>();
            if (interval != null) {
                for (int cpu = 0; cpu < interval.cpus.length; cpu++) {
                    if (interval.cpus[cpu] != null) {
                        byCpu.put(cpu, bins(interval.cpus[cpu]));
                    }
                }
            }
            // the last interval ends with the last switch
            panels.addInterval(i < last ? intervalNs : Math.max(1, lastNs - firstNs - i * intervalNs),
                    interval == null ? List.of() : bins(interval.all), byCpu);
        }
        return panels;
    }

    private static List<HistogramBins.Bin> bins(BinCounts counts) {
        return HistogramBins.of(counts);
    }
}
