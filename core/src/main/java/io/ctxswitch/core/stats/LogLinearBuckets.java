package io.ctxswitch.core.stats;

/**
 * The histogram that in-kernel aggregators keep (docs/measurement.md, "What is reported"): exact
 * below 2^7 ns, then 2^7 buckets per power of two, each at most 1/128 (0.78 %) of its start wide;
 * values of 2^36 ns (68.7 s) and above share the last bucket. The libbpf program and the bpftrace
 * script compute the same index, and user space turns bucket counts back into a distribution here.
 */
public final class LogLinearBuckets {
    public static final int SUB_BITS = 7;
    public static final int MAX_EXP = 35;
    public static final int COUNT = (MAX_EXP - SUB_BITS + 2) << SUB_BITS;
    /** How many powers of two of nanoseconds {@link #powersOfTwo} gives: [2^i, 2^(i+1)) for i up to {@link #MAX_EXP}. */
    public static final int POWERS = MAX_EXP + 1;

    private LogLinearBuckets() {
    }

    /** The bucket of a latency. */
    public static int bucketOf(long ns) {
        if (ns < (1L << SUB_BITS)) {
            return (int) ns;
        }
        int e = 63 - Long.numberOfLeadingZeros(ns);
        if (e > MAX_EXP) {
            return COUNT - 1;
        }
        int b = (e - SUB_BITS + 1) << SUB_BITS;
        return b + (int) ((ns >>> (e - SUB_BITS)) & ((1 << SUB_BITS) - 1));
    }

    /** The smallest latency in bucket {@code b}. */
    public static long low(int b) {
        if (b < (1 << SUB_BITS)) {
            return b;
        }
        int e = (b >> SUB_BITS) + SUB_BITS - 1;
        long sub = b & ((1 << SUB_BITS) - 1);
        return ((1L << SUB_BITS) + sub) << (e - SUB_BITS);
    }

    /** How many distinct latencies bucket {@code b} holds (the last one is open-ended; this is its nominal width). */
    public static long width(int b) {
        if (b < (1 << SUB_BITS)) {
            return 1;
        }
        int e = (b >> SUB_BITS) + SUB_BITS - 1;
        return 1L << (e - SUB_BITS);
    }

    /**
     * The samples per power of two of nanoseconds, from samples per bucket ({@link #COUNT} long): element i holds
     * [2^i, 2^(i+1)) ns, the first also 0 ns, the last everything above (the cgroups' histograms' layout,
     * {@link CumulativeFigures.Cgroup#log2Buckets}). Exact: every power of two from 2 ns up is a boundary of the buckets.
     * Sums of whole ranges, which the JIT compiles to a tight loop: made while a reading's buckets are still in
     * the cache, it spares an exporter a pass over every CPU's buckets at each scrape.
     */
    public static long[] powersOfTwo(long[] buckets) {
        long[] powers = new long[POWERS];
        powersOfTwo(buckets, powers);
        return powers;
    }

    /** {@link #powersOfTwo(long[])} into {@code powers} ({@link #POWERS} long); returns their total, the buckets'. */
    public static long powersOfTwo(long[] buckets, long[] powers) {
        long total = buckets[0] + buckets[1];
        powers[0] = total;
        for (int i = 1; i < POWERS; i++) {
            // below 2^SUB_BITS a bucket per nanosecond; above, 2^SUB_BITS buckets per power of two from bucket (i-6)*128
            int from = i < SUB_BITS ? 1 << i : (i - SUB_BITS + 1) << SUB_BITS;
            int to = i < SUB_BITS ? 1 << (i + 1) : (i - SUB_BITS + 2) << SUB_BITS;
            long sum = 0;
            for (int b = from; b < to; b++) {
                sum += buckets[b];
            }
            powers[i] = sum;
            total += sum;
        }
        return total;
    }

    /**
     * Where a bucket's samples go into the distribution: its middle, kept within the exact min and
     * max of the samples (when known, i.e. min <= max). The bucket is at most 1/128 wide, so the
     * value is within 0.4 % of every sample in it.
     */
    public static long representative(int b, long min, long max) {
        long middle = low(b) + width(b) / 2;
        return min <= max ? Math.max(min, Math.min(max, middle)) : middle;
    }
}
