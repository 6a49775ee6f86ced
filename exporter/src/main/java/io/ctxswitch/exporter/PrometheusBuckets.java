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
 * <p>Native buckets: no schema's boundaries coincide with the kernel's, because those fall on powers
 * of two of nanoseconds and 10^-9 is no power of two; so each kernel bucket's samples go to the native
 * bucket holding the kernel bucket's middle. At schema {@value #MAX_NATIVE_SCHEMA} (128 per power of two
 * of seconds, each 0.54 % wide, about the kernel's resolution) a sample lands at most half a kernel
 * bucket (0.39 %) beside its native bucket. Each series gets the finest schema whose buckets, from its
 * fastest switch to its slowest, number at most a limit ({@link #nativeSchema}; by default {@value
 * #DEFAULT_NATIVE_BUCKETS}, the Prometheus client libraries' default bucket limit): what a native bucket
 * costs Prometheus to store and a scrape to write grows with their number, and a real CPU's switches
 * spread over 13 powers of two, 1,300 buckets at schema 7. Coarser schemas merge whole buckets of
 * schema 7 (Prometheus's own schema reduction), so every schema's buckets hold the same kernel buckets'
 * samples, merged.
 */
public final class PrometheusBuckets {
    /** The finest schema served: 128 buckets per power of two, about the kernel's resolution (0.78 % at most). */
    static final int MAX_NATIVE_SCHEMA = 7;
    /** The coarsest schema Prometheus knows: one bucket per 2^16. */
    static final int MIN_NATIVE_SCHEMA = -4;
    /** The limit of native buckets per series unless asked otherwise: the Prometheus Java client's nativeMaxNumberOfBuckets. */
    public static final int DEFAULT_NATIVE_BUCKETS = 160;
    /** The smallest limit accepted: at schema -4 the kernel's whole range (1 ns to 68 s) spans 3 buckets. */
    public static final int MIN_NATIVE_BUCKETS = 4;
    /** No zero bucket: every kernel bucket, 0 ns included, goes to the native bucket of its middle (0.5 ns for 0 ns). */
    static final double NATIVE_ZERO_THRESHOLD = 0;
    static final long NATIVE_ZERO_COUNT = 0;
    static final int FIRST_POWER = 8;
    static final int LAST_POWER = 27;

    /** Upper bounds in seconds, +Inf last. */
    private static final double[] CLASSIC_BOUNDS = new double[LAST_POWER - FIRST_POWER + 2];
    /** For each kernel bucket, its native bucket index at schema {@link #MAX_NATIVE_SCHEMA}. */
    private static final int[] NATIVE_INDEX = new int[LogLinearBuckets.COUNT];
    /**
     * Per schema (index {@code MAX_NATIVE_SCHEMA - schema}), for each kernel bucket, the first kernel bucket after it in
     * another native bucket: the native buckets' runs of kernel buckets, so that a native bucket's count is one tight
     * sum ({@link #runEnd}).
     */
    private static final int[][] RUN_END = new int[MAX_NATIVE_SCHEMA - MIN_NATIVE_SCHEMA + 1][LogLinearBuckets.COUNT];

    static {
        for (int e = FIRST_POWER; e <= LAST_POWER; e++) {
            CLASSIC_BOUNDS[e - FIRST_POWER] = (1L << e) / 1e9;
        }
        CLASSIC_BOUNDS[CLASSIC_BOUNDS.length - 1] = Double.POSITIVE_INFINITY;
        for (int b = 0; b < NATIVE_INDEX.length; b++) {
            double middleSeconds = (LogLinearBuckets.low(b) + LogLinearBuckets.width(b) / 2.0) / 1e9;
            NATIVE_INDEX[b] = nativeIndex(middleSeconds);
        }
        for (int schema = MAX_NATIVE_SCHEMA; schema >= MIN_NATIVE_SCHEMA; schema--) {
            int[] ends = RUN_END[MAX_NATIVE_SCHEMA - schema];
            ends[ends.length - 1] = ends.length;
            for (int b = ends.length - 2; b >= 0; b--) {
                ends[b] = reduce(NATIVE_INDEX[b], schema) == reduce(NATIVE_INDEX[b + 1], schema) ? ends[b + 1] : b + 1;
            }
        }
    }

    private PrometheusBuckets() {
    }

    /** The classic upper bounds, in seconds, +Inf last. */
    static double[] classicBounds() {
        return CLASSIC_BOUNDS.clone();
    }

    /** The native bucket of schema {@link #MAX_NATIVE_SCHEMA} holding {@code seconds}: (2^((i-1)/128), 2^(i/128)]. */
    static int nativeIndex(double seconds) {
        double log2 = Math.log(seconds) / Math.log(2);
        return (int) Math.ceil(log2 * (1 << MAX_NATIVE_SCHEMA) - 1e-9);
    }

    /**
     * The finest schema, from {@link #MAX_NATIVE_SCHEMA} down to {@link #MIN_NATIVE_SCHEMA}, whose buckets from the
     * lowest non-empty kernel bucket's to the highest's number at most {@code maxBuckets} (empty ones between them
     * included: a bound found from the two ends alone, where counting the non-empty ones at each schema would be another
     * pass over every bucket); {@link #MAX_NATIVE_SCHEMA} for no samples. The ends are looked for only within the
     * lowest and highest non-empty powers of two ({@code powers}, {@link LogLinearBuckets#powersOfTwo} of {@code kernel}).
     */
    static int nativeSchema(long[] kernel, long[] powers, int maxBuckets) {
        int[] ends = nonEmptyEnds(kernel, powers);
        return ends == null ? MAX_NATIVE_SCHEMA : nativeSchema(ends[0], ends[1], maxBuckets);
    }

    /** {@link #nativeSchema(long[], long[], int)} of samples from kernel bucket {@code first} to {@code last}. */
    static int nativeSchema(int first, int last, int maxBuckets) {
        int schema = MAX_NATIVE_SCHEMA;
        while (schema > MIN_NATIVE_SCHEMA && reduce(NATIVE_INDEX[last], schema) - reduce(NATIVE_INDEX[first], schema) + 1 > maxBuckets) {
            schema--;
        }
        return schema;
    }

    /** The lowest and the highest non-empty kernel bucket, found within the lowest and highest non-empty powers of two; null if none. */
    static int[] nonEmptyEnds(long[] kernel, long[] powers) {
        int low = 0;
        while (low < powers.length && powers[low] == 0) {
            low++;
        }
        if (low == powers.length) {
            return null;
        }
        int high = powers.length - 1;
        while (powers[high] == 0) {
            high--;
        }
        int first = nextNonEmpty(kernel, low == 0 ? 0 : LogLinearBuckets.bucketOf(1L << low));
        int last = high == powers.length - 1 ? kernel.length - 1 : LogLinearBuckets.bucketOf(1L << (high + 1)) - 1;
        while (kernel[last] == 0) {
            last--;
        }
        return new int[] {first, last};
    }

    /**
     * The bucket of {@code schema} holding bucket {@code index} of schema {@link #MAX_NATIVE_SCHEMA}: its 2^(7-schema)
     * buckets (j-1)k+1 .. jk make bucket j (k = 2^(7-schema)), as Prometheus reduces a schema; the shift floors
     * negative indexes too (latencies below a second have them).
     */
    static int reduce(int index, int schema) {
        return ((index - 1) >> (MAX_NATIVE_SCHEMA - schema)) + 1;
    }

    /**
     * Samples per classic bucket from samples per power of two of nanoseconds ({@code powers[i]}: [2^i, 2^(i+1)) ns, the
     * last everything above; {@link LogLinearBuckets#powersOfTwo}, and a cgroup's histogram as the kernel keeps it): the
     * classic bounds are powers of two of nanoseconds too, so each classic bucket is an exact sum of them, whatever
     * their number. Finer ones ({@code le} from 2 ns) would be exact as well, but a histogram whose series had
     * different bounds would not add up by {@code le}.
     */
    static ClassicHistogramBuckets classicFromPowersOfTwo(long[] powers) {
        long[] counts = new long[CLASSIC_BOUNDS.length];
        for (int i = 0; i < powers.length; i++) {
            int bound = i + 1 <= FIRST_POWER ? 0 : i + 1 - FIRST_POWER; // [2^i, 2^(i+1)) lies below 2^(i+1)
            counts[Math.min(bound, counts.length - 1)] += powers[i];
        }
        return ClassicHistogramBuckets.of(CLASSIC_BOUNDS, counts);
    }

    /**
     * The first non-empty bucket of {@code counts} at or after {@code from}; {@code counts.length} if none. A scrape
     * visits every kernel bucket of every CPU, most of them empty (3,840 a CPU, a few hundred or fewer filled): in
     * this tight loop the empty ones cost a fraction of what they did as an iteration of the loops that use them.
     */
    static int nextNonEmpty(long[] counts, int from) {
        int i = from;
        while (i < counts.length && counts[i] == 0) {
            i++;
        }
        return i;
    }

    /** The first kernel bucket after {@code b} whose samples go to another native bucket of {@code schema} than b's. */
    static int runEnd(int b, int schema) {
        return RUN_END[MAX_NATIVE_SCHEMA - schema][b];
    }

    /** The native bucket of {@code schema} that kernel bucket {@code b}'s samples go to. */
    static int nativeIndexOfKernelBucket(int b, int schema) {
        return reduce(NATIVE_INDEX[b], schema);
    }

    /** The non-empty native buckets of {@code schema}, from kernel bucket counts. */
    static NativeHistogramBuckets nativeBuckets(long[] kernel, int schema) {
        int[] indexes = new int[kernel.length];
        long[] counts = new long[kernel.length];
        int n = nativeRuns(kernel, schema, indexes, counts);
        return NativeHistogramBuckets.of(Arrays.copyOf(indexes, n), Arrays.copyOf(counts, n));
    }

    /**
     * The non-empty native buckets of {@code schema}, from kernel bucket counts, into {@code indexes} and {@code counts}
     * (each at least {@code kernel.length} long), in increasing index: the kernel's buckets are in
     * increasing latency and {@link #NATIVE_INDEX} never decreases, so neighbours that share a native
     * bucket are merged as they come. Returns how many there are.
     */
    static int nativeRuns(long[] kernel, int schema, int[] indexes, long[] counts) {
        int n = 0;
        for (int b = nextNonEmpty(kernel, 0); b < kernel.length; b = nextNonEmpty(kernel, b + 1)) {
            int index = nativeIndexOfKernelBucket(b, schema);
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
