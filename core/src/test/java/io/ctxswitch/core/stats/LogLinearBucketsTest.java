package io.ctxswitch.core.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The log-linear buckets: contiguous, exact below 128 ns, and never wider than 1/128 of their start. */
class LogLinearBucketsTest {

    @Test
    void bucketsTileTheRangeWithoutGapsOrOverlap() {
        for (int b = 1; b < LogLinearBuckets.COUNT; b++) {
            assertThat(LogLinearBuckets.low(b)).as("bucket %d", b)
                    .isEqualTo(LogLinearBuckets.low(b - 1) + LogLinearBuckets.width(b - 1));
        }
    }

    @Test
    void everyValueFallsInsideItsBucketAndTheBucketIsNarrow() {
        Random random = new Random(3);
        for (int i = 0; i < 1_000_000; i++) {
            long ns = random.nextLong() >>> (1 + random.nextInt(63));
            if (ns >= 1L << (LogLinearBuckets.MAX_EXP + 1)) {
                assertThat(LogLinearBuckets.bucketOf(ns)).isEqualTo(LogLinearBuckets.COUNT - 1);
                continue;
            }
            int b = LogLinearBuckets.bucketOf(ns);
            long low = LogLinearBuckets.low(b);
            assertThat(ns).isBetween(low, low + LogLinearBuckets.width(b) - 1);
            if (low >= 128) { // below 128 ns buckets are one value wide: exact
                assertThat((double) LogLinearBuckets.width(b) / low).isLessThanOrEqualTo(1.0 / 128);
            }
        }
    }

    @Test
    void smallValuesAreExact() {
        for (long ns = 0; ns < 128; ns++) {
            assertThat(LogLinearBuckets.low(LogLinearBuckets.bucketOf(ns))).isEqualTo(ns);
            assertThat(LogLinearBuckets.width(LogLinearBuckets.bucketOf(ns))).isEqualTo(1);
        }
        assertThat(LogLinearBuckets.bucketOf(128)).isEqualTo(128);
        // by hand: 1000 = 2^9 + ..., so e = 9, bucket (9 - 7 + 1) * 128 + ((1000 >> 2) & 127) = 384 + 122
        assertThat(LogLinearBuckets.bucketOf(1000)).isEqualTo(506);
        assertThat(LogLinearBuckets.low(506)).isEqualTo(1000);
        assertThat(LogLinearBuckets.width(506)).isEqualTo(4);
    }

    /** Each sample counted in its power of two, [2^i, 2^(i+1)) ns (0 ns with 1 ns, 2^36 ns and above in the last). */
    @Test
    void powersOfTwoCountEachSampleInItsPowerOfTwo() {
        Random random = new Random(36);
        long[] buckets = new long[LogLinearBuckets.COUNT];
        long[] expected = new long[LogLinearBuckets.POWERS];
        for (int i = 0; i < 200_000; i++) {
            long ns = random.nextInt(10) == 0 ? random.nextInt(300) : random.nextLong() >>> (25 + random.nextInt(39));
            buckets[LogLinearBuckets.bucketOf(ns)]++;
            int power = ns < 2 ? 0 : 63 - Long.numberOfLeadingZeros(ns);
            expected[Math.min(power, LogLinearBuckets.POWERS - 1)]++;
        }
        for (long ns : new long[] {0, 1, 2, 3, 127, 128, 255, 256, (1L << 35) - 1, 1L << 35, 1L << 36, Long.MAX_VALUE}) {
            buckets[LogLinearBuckets.bucketOf(ns)]++;
            expected[Math.min(ns < 2 ? 0 : 63 - Long.numberOfLeadingZeros(ns), LogLinearBuckets.POWERS - 1)]++;
        }
        assertThat(LogLinearBuckets.powersOfTwo(buckets)).containsExactly(expected);
    }
}
