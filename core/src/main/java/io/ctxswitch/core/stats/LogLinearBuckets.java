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
     * Where a bucket's samples go into the distribution: its middle, kept within the exact min and
     * max of the samples (when known, i.e. min <= max). The bucket is at most 1/128 wide, so the
     * value is within 0.4 % of every sample in it.
     */
    public static long representative(int b, long min, long max) {
        long middle = low(b) + width(b) / 2;
        return min <= max ? Math.max(min, Math.min(max, middle)) : middle;
    }
}
