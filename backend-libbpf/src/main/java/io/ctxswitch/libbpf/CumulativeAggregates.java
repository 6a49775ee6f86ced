package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;

/**
 * Everything since load of aggregates laid out as the kernel's {@code struct cpu_agg} and {@code struct kind_agg}
 * are (exact figures per interval in a slot pair chosen by the epoch's parity, and a cumulative log-linear
 * histogram), without closing an interval: the exact figures of the intervals closed so far, which the drains
 * add here as they close them, plus the open interval's slot (unless the final drain already took it as final),
 * and the histogram. Not thread-safe: the drains and the readings are made under one lock (LibbpfSource).
 *
 * <p>The programs keep writing meanwhile, and a sample updates the exact slot (sum, then count) before its
 * histogram bucket. An aggregate's figures are taken as consistent when its open count and sum did not change
 * while its histogram was copied and the histogram holds exactly that many samples (with those of the closed
 * intervals, when it is cumulative); one that stays busy through {@link #CONSISTENT_READ_ATTEMPTS} copies is
 * given the histogram's own sample count, and the sum read just after it (ahead by at most the sample being
 * recorded then). Either way the count is the buckets' total, and no field ever goes back between two readings.
 */
final class CumulativeAggregates {
    /** How often a busy aggregate is read again to catch its figures between two samples. */
    static final int CONSISTENT_READ_ATTEMPTS = 4;

    /** One aggregate's figures since load: {@code count} is the total of {@code buckets}. */
    record Reading(long count, long sumNs, long[] buckets) {
    }

    private final long[] closedCount;
    private final long[] closedSum;
    private long lastClosed;

    CumulativeAggregates(int aggregates) {
        closedCount = new long[aggregates];
        closedSum = new long[aggregates];
    }

    /** A drain took aggregate {@code i}'s exact figures of the interval it closed. */
    void closed(int i, long count, long sumNs) {
        closedCount[i] += count;
        closedSum[i] += sumNs;
    }

    /** A drain closed interval {@code epoch} (every aggregate's figures of it were given to {@link #closed}). */
    void closedEpoch(long epoch) {
        lastClosed = epoch;
    }

    /**
     * Aggregate {@code i} since load, its slot pair at {@code slots} and its cumulative histogram of {@code buckets}
     * longs at {@code hist} in {@code area}, while {@code current} is the epoch the programs write.
     */
    Reading read(Pointer area, int i, long slots, long hist, int buckets, long current) {
        long[] counts = new long[buckets];
        long openSum = readConsistently(area, KernelLayout.slot(slots, current), current, current > lastClosed, hist, counts, closedCount[i]);
        return new Reading(total(counts), closedSum[i] + openSum, counts);
    }

    /**
     * Copies the histogram at {@code hist} into {@code buckets} and returns the sum of the open slot at {@code slot}
     * (0 when the slot holds another interval, or none is {@code open}), read just after a copy that is consistent
     * with it: the slot's count and sum unchanged across the copy, and the histogram holding {@code closedInHistogram}
     * plus the open count; after {@link #CONSISTENT_READ_ATTEMPTS} inconsistent copies, the last one.
     */
    static long readConsistently(Pointer area, long slot, long current, boolean open, long hist, long[] buckets, long closedInHistogram) {
        long sum = 0;
        for (int attempt = 0; attempt < CONSISTENT_READ_ATTEMPTS; attempt++) {
            long count1 = openField(area, slot, current, open, KernelLayout.SLOT_COUNT);
            long sum1 = openField(area, slot, current, open, KernelLayout.SLOT_SUM);
            area.read(hist, buckets, 0, buckets.length);
            long count2 = openField(area, slot, current, open, KernelLayout.SLOT_COUNT);
            sum = openField(area, slot, current, open, KernelLayout.SLOT_SUM);
            if (count1 == count2 && sum1 == sum && closedInHistogram + count2 == total(buckets)) {
                break;
            }
        }
        return sum;
    }

    /** A field of the open interval's slot, 0 when the slot holds an older interval or none is open. */
    private static long openField(Pointer area, long slot, long current, boolean open, int field) {
        if (!open || area.getLong(slot + KernelLayout.SLOT_EPOCH) != current) {
            return 0;
        }
        return area.getLong(slot + field);
    }

    static long total(long[] buckets) {
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        return total;
    }
}
