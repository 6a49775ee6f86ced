package io.ctxswitch.libbpf;

import com.sun.jna.Pointer;
import io.ctxswitch.core.stats.LogLinearBuckets;

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

    /**
     * One aggregate's figures since load: {@code count} is the total of {@code buckets}; {@code powersOfTwo} the same
     * samples per power of two ({@link LogLinearBuckets#powersOfTwo}), when the buckets are {@link LogLinearBuckets}'.
     */
    record Reading(long count, long sumNs, long[] buckets, long[] powersOfTwo) {
    }

    /** A copy's open sum and the copied histogram's total (summed once: a scrape of many CPUs makes many copies). */
    record Copy(long openSum, long total) {
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
        long[] powers = buckets == LogLinearBuckets.COUNT ? new long[LogLinearBuckets.POWERS] : null;
        Copy copy = readConsistently(area, KernelLayout.slot(slots, current), current, current > lastClosed, hist, counts, powers,
                closedCount[i]);
        return new Reading(copy.total(), closedSum[i] + copy.openSum(), counts, powers);
    }

    /**
     * Copies the histogram at {@code hist} into {@code buckets} and returns its total and the sum of the open slot at
     * {@code slot} (0 when the slot holds another interval, or none is {@code open}), read just after a copy that is
     * consistent with it: the slot's count and sum unchanged across the copy, and the histogram holding {@code
     * closedInHistogram} plus the open count; after {@link #CONSISTENT_READ_ATTEMPTS} inconsistent copies, the last one.
     * With {@code powers} (for {@link LogLinearBuckets} buckets), also the copy's samples per power of two, summed
     * while the copy is in the cache: the total comes from them, and an exporter needs no other pass to get them.
     */
    static Copy readConsistently(Pointer area, long slot, long current, boolean open, long hist, long[] buckets, long[] powers,
            long closedInHistogram) {
        long[] before = new long[SLOT_LONGS];
        long[] after = new long[SLOT_LONGS];
        long sum = 0;
        long total = 0;
        for (int attempt = 0; attempt < CONSISTENT_READ_ATTEMPTS; attempt++) {
            if (open) { // epoch, count and sum in one native call each side: per field, they were most of a scrape's native calls
                area.read(slot, before, 0, SLOT_LONGS);
            }
            area.read(hist, buckets, 0, buckets.length);
            if (open) {
                area.read(slot, after, 0, SLOT_LONGS);
            }
            long count1 = openField(before, open, current, KernelLayout.SLOT_COUNT);
            long sum1 = openField(before, open, current, KernelLayout.SLOT_SUM);
            long count2 = openField(after, open, current, KernelLayout.SLOT_COUNT);
            sum = openField(after, open, current, KernelLayout.SLOT_SUM);
            total = powers != null ? LogLinearBuckets.powersOfTwo(buckets, powers) : total(buckets);
            if (count1 == count2 && sum1 == sum && closedInHistogram + count2 == total) {
                break;
            }
        }
        return new Copy(sum, total);
    }

    /** The longs of a slot's epoch, count and sum, in that order. */
    private static final int SLOT_LONGS = 3;

    /** A field (its byte offset in the slot) of the open interval's slot as read, 0 when the slot holds an older interval or none is open. */
    private static long openField(long[] slotRead, boolean open, long current, int field) {
        if (!open || slotRead[KernelLayout.SLOT_EPOCH / Long.BYTES] != current) {
            return 0;
        }
        return slotRead[field / Long.BYTES];
    }

    static long total(long[] buckets) {
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        return total;
    }
}
