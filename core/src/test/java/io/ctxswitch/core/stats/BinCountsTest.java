package io.ctxswitch.core.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.report.HistogramBins;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BinCountsTest {

    @Test
    void binsAreTheReportsBins() {
        Random random = new Random(16);
        for (int i = 0; i < 100_000; i++) {
            long v = i < 5000 ? i : (long) Math.exp(random.nextDouble() * 43);
            long start = HistogramBins.binStart(v);
            int index = BinCounts.index(v);
            // same index for a bin's edges and everything inside it, a different one just outside
            assertThat(BinCounts.index(start)).isEqualTo(index);
            assertThat(BinCounts.index(HistogramBins.binEnd(start) - 1)).isEqualTo(index);
            assertThat(BinCounts.index(HistogramBins.binEnd(start))).isEqualTo(index + 1 + (v == 3 ? 4 : 0));
            assertThat(BinCounts.from(index)).isEqualTo(start);
            assertThat(BinCounts.to(index)).isEqualTo(HistogramBins.binEnd(start));
        }
    }

    @Test
    void everyKernelBucketLiesInsideOneBin() {
        for (int b = 0; b < LogLinearBuckets.COUNT - 1; b++) {
            long low = LogLinearBuckets.low(b);
            long high = low + LogLinearBuckets.width(b) - 1;
            assertThat(BinCounts.index(high)).as("bucket %d", b).isEqualTo(BinCounts.index(low));
        }
    }

    @Test
    void countsAddUpAndMerge() {
        BinCounts a = new BinCounts();
        a.record(900);
        a.record(1000);
        a.add(BinCounts.index(5_000_000), 7);
        BinCounts b = new BinCounts();
        b.record(2);
        b.add(a);
        assertThat(b.total()).isEqualTo(10);
        assertThat(b.count(BinCounts.index(950))).isEqualTo(2);
        assertThat(b.count(2)).isEqualTo(1);
        assertThat(b.count(BinCounts.index(5_000_000))).isEqualTo(7);
        assertThat(b.count(250)).isZero();
    }
}
