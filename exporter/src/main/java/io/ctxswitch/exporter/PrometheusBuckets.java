package io.ctxswitch.exporter;

import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import java.util.Arrays;

/**
 * Turns the kernel's log-linear bucket counts ({@link LogLinearBuckets}: exact below 128 ns, then 128
 * linear buckets per power of two of nanoseconds) into Prometheus histogram buckets, in seconds.
 *
 * <p>Classic buckets: one per power of two from 256 ns to 2^27 ns (134 ms), then +Inf. Every power
 * of two of nanoseconds from 128 ns up is a boundary of the kernel's buckets, so each classic
 * bucket is an exact sum of kernel buckets: {@code le="X"} counts the latencies below X (the kernel
 * truncates to whole nanoseconds, so "below X" is "at most X" of the real, continuous latency).
 *
 * <p>Native buckets (schema {@value #NATIVE_SCHEMA}: 128 per power of two of seconds, each 0.54 %
 * wide): no schema's boundaries coincide with the kernel's, because those fall on powers of two of
 * nanoseconds and 10^-9 is no power of two; so each kernel bucket's samples go to the native bucket
 * holding the kernel bucket's middle. A sample lands at most half a kernel bucket (0.39 %) beside
 * its native bucket.
 */
final class PrometheusBuckets {
    static final int NATIVE_SCHEMA = 7;
    /** No zero bucket: every kernel bucket, 0 ns included, goes to the native bucket of its middle (0.5 ns for 0 ns). */
    static final double NATIVE_ZERO_THRESHOLD = 0;
    static final long NATIVE_ZERO_COUNT = 0;
    static final int FIRST_POWER = 8;
    static final int LAST_POWER = 27;

    /** Upper bounds in seconds, +Inf last. */
    private static final double[] CLASSIC_BOUNDS = new double[LAST_POWER - FIRST_POWER + 2];
    /** For each classic bound, the first kernel bucket above it. */
    private static final int[] CLASSIC_FIRST_ABOVE = new int[LAST_POWER - FIRST_POWER + 1];
    /** For each kernel bucket, its native bucket index. */
    private static final int[] NATIVE_INDEX = new int[LogLinearBuckets.COUNT];

    static {
        for (int e = FIRST_POWER; e <= LAST_POWER; e++) {
            CLASSIC_BOUNDS[e - FIRST_POWER] = (1L << e) / 1e9;
            CLASSIC_FIRST_ABOVE[e - FIRST_POWER] = LogLinearBuckets.bucketOf(1L << e);
        }
        CLASSIC_BOUNDS[CLASSIC_BOUNDS.length - 1] = Double.POSITIVE_INFINITY;
        for (int b = 0; b < NATIVE_INDEX.length; b++) {
            double middleSeconds = (LogLinearBuckets.low(b) + LogLinearBuckets.width(b) / 2.0) / 1e9;
            NATIVE_INDEX[b] = nativeIndex(middleSeconds);
        }
    }

    private PrometheusBuckets() {
    }

    /** The classic upper bounds, in seconds, +Inf last. */
    static double[] classicBounds() {
        return CLASSIC_BOUNDS.clone();
    }

    /** The native bucket of schema {@link #NATIVE_SCHEMA} holding {@code seconds}: (2^((i-1)/128), 2^(i/128)]. */
    static int nativeIndex(double seconds) {
        double log2 = Math.log(seconds) / Math.log(2);
        return (int) Math.ceil(log2 * (1 << NATIVE_SCHEMA) - 1e-9);
    }

    /** Samples per classic bucket (not cumulative: the library accumulates), from kernel bucket counts. */
    static ClassicHistogramBuckets classic(long[] kernel) {
        long[] counts = new long[CLASSIC_BOUNDS.length];
        int from = 0;
        for (int i = 0; i <= CLASSIC_FIRST_ABOVE.length; i++) {
            int to = i < CLASSIC_FIRST_ABOVE.length ? CLASSIC_FIRST_ABOVE[i] : kernel.length; // +Inf: the rest
            long sum = 0;
            for (int b = from; b < to; b++) {
                sum += kernel[b];
            }
            counts[i] = sum;
            from = to;
        }
        return ClassicHistogramBuckets.of(CLASSIC_BOUNDS, counts);
    }

    /** The native bucket that kernel bucket {@code b}'s samples go to. */
    static int nativeIndexOfKernelBucket(int b) {
        return NATIVE_INDEX[b];
    }

    /** The non-empty native buckets, from kernel bucket counts. */
    static NativeHistogramBuckets nativeBuckets(long[] kernel) {
        int[] indexes = new int[kernel.length];
        long[] counts = new long[kernel.length];
        int n = nativeRuns(kernel, indexes, counts);
        return NativeHistogramBuckets.of(Arrays.copyOf(indexes, n), Arrays.copyOf(counts, n));
    }

    /**
     * The non-empty native buckets, from kernel bucket counts, into {@code indexes} and {@code counts}
     * (each at least {@code kernel.length} long), in increasing index: the kernel's buckets are in
     * increasing latency and {@link #NATIVE_INDEX} never decreases, so neighbours that share a native
     * bucket are merged as they come. Returns how many there are.
     */
    static int nativeRuns(long[] kernel, int[] indexes, long[] counts) {
        int n = 0;
        for (int b = 0; b < kernel.length; b++) {
            if (kernel[b] == 0) {
                continue;
            }
            int index = NATIVE_INDEX[b];
            if (n > 0 && indexes[n - 1] == index) {
                counts[n - 1] += kernel[b];
            } else {
                indexes[n] = index;
                counts[n] = kernel[b];
                n++;
            }
        }
        return n;
    }
}
