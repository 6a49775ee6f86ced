package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import org.junit.jupiter.api.Test;

class PrometheusBucketsTest {
    private static long[] kernel(long... latenciesNs) {
        long[] buckets = new long[LogLinearBuckets.COUNT];
        for (long ns : latenciesNs) {
            buckets[LogLinearBuckets.bucketOf(ns)]++;
        }
        return buckets;
    }

    @Test
    void classicBoundsArePowersOfTwoOfNanosecondsFrom256nsTo134ms() {
        double[] bounds = PrometheusBuckets.classicBounds();
        assertThat(bounds[0]).isEqualTo(256e-9);
        assertThat(bounds[1]).isEqualTo(512e-9);
        assertThat(bounds[bounds.length - 2]).isEqualTo((1L << 27) / 1e9);
        assertThat(bounds[bounds.length - 1]).isInfinite();
    }

    @Test
    void aClassicBucketCountsExactlyTheLatenciesBelowItsBound() {
        // 255 ns is below le=256ns, 256 ns is not; the kernel's buckets split exactly there.
        ClassicHistogramBuckets classic = PrometheusBuckets.classicFromPowersOfTwo(
                LogLinearBuckets.powersOfTwo(kernel(10, 255, 256, 511, 512, 1023, 1024, 1L << 27, 60_000_000_000L)));
        assertThat(classic.getUpperBound(0)).isEqualTo(256e-9);
        assertThat(classic.getCount(0)).as("le=256ns").isEqualTo(2);
        assertThat(classic.getCount(1)).as("(256ns, 512ns]").isEqualTo(2);
        assertThat(classic.getCount(2)).as("(512ns, 1024ns]").isEqualTo(2);
        assertThat(classic.getCount(3)).isEqualTo(1);
        assertThat(classic.getCount(classic.size() - 1)).as("+Inf: 2^27 ns and a minute").isEqualTo(2);
        long total = 0;
        for (int i = 0; i < classic.size(); i++) {
            total += classic.getCount(i);
        }
        assertThat(total).isEqualTo(9);
    }

    @Test
    void nativeBucketsHoldEachSampleWithinHalfAKernelBucketOfItsValueAtEverySchema() {
        for (int schema = PrometheusBuckets.MAX_NATIVE_SCHEMA; schema >= PrometheusBuckets.MIN_NATIVE_SCHEMA; schema--) {
            double base = Math.pow(2, Math.pow(2, -schema));
            for (long ns = 1; ns < 40_000_000_000L; ns = ns * 21 / 20 + 1) {
                NativeHistogramBuckets nb = PrometheusBuckets.nativeBuckets(kernel(ns), schema);
                assertThat(nb.size()).isEqualTo(1);
                int index = nb.getBucketIndex(0);
                double upper = Math.pow(base, index);
                double lower = upper / base;
                double seconds = ns * 1e-9;
                double slack = LogLinearBuckets.width(LogLinearBuckets.bucketOf(ns)) * 1e-9;
                assertThat(seconds).as("schema %d: %d ns in (%s, %s]", schema, ns, lower, upper)
                        .isGreaterThan(lower - slack).isLessThanOrEqualTo(upper + slack);
            }
        }
    }

    /** The finest schema whose buckets from the lowest sample's to the highest's are within the limit; the next finer one's are not. */
    @Test
    void aSeriesGetsTheFinestSchemaWithinItsBucketLimit() {
        assertThat(nativeSchema(kernel(), 160)).as("no samples").isEqualTo(7);
        assertThat(nativeSchema(kernel(3000, 3000), 4)).as("one bucket").isEqualTo(7);
        // A real CPU's spread: 601 ns to 7.8 ms, 13.7 powers of two (bench/results/jmh-vm-ScrapeBenchmark.md's recorded CPUs).
        long[] real = kernel(601, 1500, 4000, 90_000, 7_800_000);
        assertThat(nativeSchema(real, 160)).isEqualTo(3);
        assertThat(nativeSchema(real, 3840)).isEqualTo(7);
        assertThat(nativeSchema(real, 4)).isEqualTo(-3);
        for (int limit : new int[] {4, 5, 10, 50, 100, 160, 200, 500, 1000, 1753, 1754, 3840}) {
            int schema = nativeSchema(real, limit);
            assertThat(span(real, schema)).as("limit %d, schema %d", limit, schema).isLessThanOrEqualTo(limit);
            if (schema < PrometheusBuckets.MAX_NATIVE_SCHEMA) {
                assertThat(span(real, schema + 1)).as("limit %d, schema %d", limit, schema + 1).isGreaterThan(limit);
            }
        }
    }

    private static int nativeSchema(long[] kernel, int limit) {
        return PrometheusBuckets.nativeSchema(kernel, LogLinearBuckets.powersOfTwo(kernel), limit);
    }

    private static int span(long[] kernel, int schema) {
        NativeHistogramBuckets nb = PrometheusBuckets.nativeBuckets(kernel, schema);
        return nb.getBucketIndex(nb.size() - 1) - nb.getBucketIndex(0) + 1;
    }

    @Test
    void nativeBucketsAreSortedMergedAndAddUpToTheKernelCount() {
        NativeHistogramBuckets nb = PrometheusBuckets.nativeBuckets(kernel(1000, 1000, 1001, 5000, 2_000_000, 100), 7);
        long total = 0;
        for (int i = 0; i < nb.size(); i++) {
            total += nb.getCount(i);
            if (i > 0) {
                assertThat(nb.getBucketIndex(i)).isGreaterThan(nb.getBucketIndex(i - 1));
            }
        }
        assertThat(total).isEqualTo(6);
        assertThat(nb.getCount(1)).as("1000 and 1001 ns share a native bucket").isEqualTo(3);
    }
}
