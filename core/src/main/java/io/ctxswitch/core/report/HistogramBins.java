package io.ctxswitch.core.report;

import java.util.ArrayList;
import io.ctxswitch.core.stats.BinCounts;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The histogram that reports show: four bins per power of two (edges 1, 1.25, 1.5, 1.75 × 2^k),
 * from the bin of the minimum to the bin of the maximum, empty bins included so the shape reads
 * true. Finer than bpftrace's log2 {@code hist}, still short enough for a terminal.
 */
public final class HistogramBins {

    /** Samples with from ≤ latency &lt; to. */
    public record Bin(long fromNs, long toNs, long count) {
    }

    private HistogramBins() {
    }

    /** The lower edge of the bin holding {@code value}. */
    public static long binStart(long value) {
        if (value < 4) {
            return Math.max(0, value);
        }
        int k = 63 - Long.numberOfLeadingZeros(value);
        long quarter = 1L << (k - 2);
        return (value / quarter) * quarter;
    }

    /** The upper edge (exclusive) of the bin that starts at {@code start}. */
    public static long binEnd(long start) {
        if (start < 4) {
            return start + 1;
        }
        int k = 63 - Long.numberOfLeadingZeros(start);
        return start + (1L << (k - 2));
    }

    /**
     * Exact counts already in these bins: from the lowest non-empty bin to the highest, empty bins
     * between them included as in {@link #of(Histogram, long, long)}; none when there are no counts.
     */
    public static List<Bin> of(BinCounts counts) {
        List<Bin> bins = new ArrayList<>();
        int next = -1; // the bin after the last one added
        for (int i = 0; i < counts.limit(); i++) {
            if (counts.count(i) == 0) {
                continue;
            }
            for (int empty = next < 0 ? i : next; empty < i; empty++) {
                bins.add(new Bin(BinCounts.from(empty), BinCounts.to(empty), 0));
            }
            bins.add(new Bin(BinCounts.from(i), BinCounts.to(i), counts.count(i)));
            next = BinCounts.index(BinCounts.to(i)); // after 3 ns comes 4 ns, bin 8
        }
        return bins;
    }

    static List<Bin> of(Histogram h, long minNs, long maxNs) {
        long first = binStart(minNs);
        long last = binStart(maxNs);
        List<long[]> bins = new ArrayList<>();
        for (long start = first; ; start = binEnd(start)) {
            bins.add(new long[] {start, binEnd(start), 0});
            if (start >= last) {
                break;
            }
        }
        int index = 0;
        for (HistogramIterationValue v : h.recordedValues()) {
            // Each HdrHistogram bucket is narrower than 0.1 %: place it by its middle, kept inside
            // [min, max] so that no count lands outside the bins shown.
            long value = Math.max(minNs, Math.min(maxNs, h.medianEquivalentValue(v.getValueIteratedTo())));
            while (index < bins.size() - 1 && value >= bins.get(index)[1]) {
                index++;
            }
            bins.get(index)[2] += v.getCountAtValueIteratedTo();
        }
        return bins.stream().map(b -> new Bin(b[0], b[1], b[2])).toList();
    }
}
