package io.ctxswitch.libbpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The log-linear buckets: contiguous, exact below 128 ns, and never wider than 1/128 of their start. */
class BucketTest {

    @Test
    void bucketsTileTheRangeWithoutGapsOrOverlap() {
        for (int b = 1; b < KernelLayout.NBUCKETS; b++) {
            assertThat(KernelLayout.bucketLow(b)).as("bucket %d", b)
                    .isEqualTo(KernelLayout.bucketLow(b - 1) + KernelLayout.bucketWidth(b - 1));
        }
    }

    @Test
    void everyValueFallsInsideItsBucketAndTheBucketIsNarrow() {
        Random random = new Random(3);
        for (int i = 0; i < 1_000_000; i++) {
            long ns = random.nextLong() >>> (1 + random.nextInt(63));
            if (ns >= 1L << (KernelLayout.MAX_EXP + 1)) {
                assertThat(KernelLayout.bucketOf(ns)).isEqualTo(KernelLayout.NBUCKETS - 1);
                continue;
            }
            int b = KernelLayout.bucketOf(ns);
            long low = KernelLayout.bucketLow(b);
            assertThat(ns).isBetween(low, low + KernelLayout.bucketWidth(b) - 1);
            if (low >= 128) { // below 128 ns buckets are one value wide: exact
                assertThat((double) KernelLayout.bucketWidth(b) / low).isLessThanOrEqualTo(1.0 / 128);
            }
        }
    }

    @Test
    void smallValuesAreExact() {
        for (long ns = 0; ns < 128; ns++) {
            assertThat(KernelLayout.bucketLow(KernelLayout.bucketOf(ns))).isEqualTo(ns);
            assertThat(KernelLayout.bucketWidth(KernelLayout.bucketOf(ns))).isEqualTo(1);
        }
        assertThat(KernelLayout.bucketOf(128)).isEqualTo(128);
        // by hand: 1000 = 2^9 + ..., so e = 9, bucket (9 - 7 + 1) * 128 + ((1000 >> 2) & 127) = 384 + 122
        assertThat(KernelLayout.bucketOf(1000)).isEqualTo(506);
        assertThat(KernelLayout.bucketLow(506)).isEqualTo(1000);
        assertThat(KernelLayout.bucketWidth(506)).isEqualTo(4);
    }
}
