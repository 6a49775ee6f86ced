package io.ctxswitch.core.stats;

import java.util.Arrays;

/**
 * Exact counts in the report's histogram bins (four per power of two: edges 1, 1.25, 1.5, 1.75 ×
 * 2^k; one bin per value below 4 ns), kept where a distribution per CPU or per interval is wanted
 * and a full HdrHistogram each would cost too much. Counting is an index and an increment: a replay
 * counts millions of switches a second. The array grows to the highest bin used, so a CPU whose
 * switches all took under 10 ms holds under a hundred counters.
 */
public final class BinCounts {
    private long[] counts = new long[0];
    private long total;

    /** The bin of a latency: 0-3 below 4 ns, then 4 × log2 + the quarter (4-7 stay unused). */
    public static int index(long ns) {
        if (ns < 4) {
            return (int) Math.max(0, ns);
        }
        int k = 63 - Long.numberOfLeadingZeros(ns);
        return 4 * k + (int) ((ns >>> (k - 2)) & 3);
    }

    /** The lower edge of bin {@code index}. */
    public static long from(int index) {
        if (index < 4) {
            return index;
        }
        int k = index / 4;
        return (4L + index % 4) << (k - 2);
    }

    /** The upper edge (exclusive) of bin {@code index}. */
    public static long to(int index) {
        return index < 4 ? index + 1 : from(index) + (1L << (index / 4 - 2));
    }

    public void record(long ns) {
        add(index(ns), 1);
    }

    /** {@code count} switches in bin {@code index}. */
    public void add(int index, long count) {
        if (count == 0) {
            return;
        }
        if (index >= counts.length) {
            counts = Arrays.copyOf(counts, index + 1);
        }
        counts[index] += count;
        total += count;
    }

    public void add(BinCounts other) {
        for (int i = 0; i < other.counts.length; i++) {
            add(i, other.counts[i]);
        }
    }

    /** The count of bin {@code index}. */
    public long count(int index) {
        return index < counts.length ? counts[index] : 0;
    }

    /** One past the highest bin that may hold a count. */
    public int limit() {
        return counts.length;
    }

    public long total() {
        return total;
    }

    public boolean isEmpty() {
        return total == 0;
    }
}
