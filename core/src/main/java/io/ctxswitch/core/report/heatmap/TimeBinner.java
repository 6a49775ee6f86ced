package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.report.HistogramBins;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Switches with timestamps (a replayed perf trace) into intervals of {@code intervalNs} of trace
 * time, counted in the report's bins, for a heat map. Time starts at the first switch's end.
 * Counting is by array index per interval: a replay reads millions of switches a second.
 */
public final class TimeBinner {
    /** Bins per interval: values below 4 have one each, then four per power of two, up to 2^63. */
    private static final int BINS = 256;

    private final long intervalNs;
    private final TreeMap<Long, long[]> intervals = new TreeMap<>();
    private final long[] from = new long[BINS]; // the lower edge of each bin index, once seen
    private long firstNs = Long.MIN_VALUE;
    private long lastNs;
    private long currentIndex = -1;
    private long[] current;

    public TimeBinner(long intervalNs) {
        if (intervalNs <= 0) {
            throw new IllegalArgumentException("interval must be positive, not " + intervalNs);
        }
        this.intervalNs = intervalNs;
    }

    /** One switch that ended at {@code endNs} (trace time) after {@code latencyNs}. */
    public void record(long endNs, long latencyNs) {
        if (firstNs == Long.MIN_VALUE) {
            firstNs = endNs;
        }
        long index = Math.max(0, endNs - firstNs) / intervalNs; // a CPU's record a little behind the first: interval 0
        if (index != currentIndex) {
            current = intervals.computeIfAbsent(index, i -> new long[BINS]);
            currentIndex = index;
        }
        int bin = index(latencyNs);
        if (current[bin]++ == 0 && from[bin] == 0) {
            from[bin] = HistogramBins.binStart(latencyNs);
        }
        lastNs = Math.max(lastNs, endNs);
    }

    /** The bin index of a latency: 0-3 below 4 ns, then 4 × log2 + the quarter. */
    static int index(long ns) {
        if (ns < 4) {
            return (int) Math.max(0, ns);
        }
        int k = 63 - Long.numberOfLeadingZeros(ns);
        return 4 * k + (int) ((ns >>> (k - 2)) & 3);
    }

    /** The intervals as a grid: every interval from the first switch to the last, the empty ones too. */
    public HeatmapGrid grid() {
        HeatmapGrid grid = new HeatmapGrid();
        if (intervals.isEmpty()) {
            return grid;
        }
        long last = intervals.lastKey();
        for (long i = 0; i <= last; i++) {
            long[] counts = intervals.get(i);
            List<HistogramBins.Bin> bins = new ArrayList<>();
            if (counts != null) {
                for (int b = 0; b < BINS; b++) {
                    if (counts[b] > 0) {
                        bins.add(new HistogramBins.Bin(from[b], HistogramBins.binEnd(from[b]), counts[b]));
                    }
                }
            }
            // the last interval ends with the last switch
            grid.addInterval(i < last ? intervalNs : Math.max(1, lastNs - firstNs - i * intervalNs), bins);
        }
        return grid;
    }

    /** For tests: the intervals that have switches. */
    Map<Long, long[]> intervals() {
        return intervals;
    }
}
