package io.ctxswitch.core.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CumulativeCountsTest {

    @Test
    void eachSampleCountsOnceInItsCpusCountSumAndBucket() {
        CumulativeCounts counts = new CumulativeCounts();
        counts.record(3, 1_500);
        counts.record(3, 1_501);
        counts.record(0, 100);
        counts.addUnpaired(2);
        counts.addNoSwitch(1);
        counts.addLost(7);
        CumulativeFigures f = counts.figures();
        assertThat(f.cpus()).extracting(CumulativeFigures.Cpu::cpu).containsExactly(0, 3);
        CumulativeFigures.Cpu three = f.cpus().get(1);
        assertThat(three.count()).isEqualTo(2);
        assertThat(three.sumNs()).isEqualTo(3_001);
        assertThat(Arrays.stream(three.buckets()).sum()).isEqualTo(2);
        assertThat(three.buckets()[LogLinearBuckets.bucketOf(1_500)]).isEqualTo(2); // 1500 and 1501 share a bucket 8 ns wide
        assertThat(f.cpus().get(0).buckets()[100]).isEqualTo(1);
        assertThat(f.unpaired()).isEqualTo(2);
        assertThat(f.noSwitch()).isEqualTo(1);
        assertThat(f.lost()).isEqualTo(7);
    }

    @Test
    void aReadingIsACopyThatLaterSamplesDoNotChange() {
        CumulativeCounts counts = new CumulativeCounts();
        counts.record(1, 5_000);
        CumulativeFigures before = counts.figures();
        counts.record(1, 5_000);
        assertThat(before.cpus().get(0).count()).isEqualTo(1);
        assertThat(before.cpus().get(0).buckets()[LogLinearBuckets.bucketOf(5_000)]).isEqualTo(1);
        assertThat(counts.figures().cpus().get(0).count()).isEqualTo(2);
    }

    @Test
    void nothingRecordedIsNoCpu() {
        assertThat(new CumulativeCounts().figures().cpus()).isEmpty();
    }
}
