package io.ctxswitch.core.report.heatmap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ColourScaleTest {

    @Test
    void classesCoverEveryCountFromOneToTheMaximumWithoutGaps() {
        for (long max : new long[] {1, 2, 3, 7, 100, 123_456, 10_000_000}) {
            ColourScale scale = new ColourScale(max);
            assertThat(scale.lowest(0)).isEqualTo(1);
            for (int c = 0; c + 1 < scale.classes(); c++) {
                assertThat(scale.highest(c) + 1).isEqualTo(scale.lowest(c + 1));
            }
            assertThat(scale.highest(scale.classes() - 1)).isEqualTo(-1);
            assertThat(scale.classOf(max)).isEqualTo(scale.classes() - 1);
            assertThat(scale.colour(scale.classes() - 1)).isEqualTo(ColourScale.PALETTE[ColourScale.PALETTE.length - 1]);
            assertThat(scale.classOf(1)).isZero();
            for (long count = 1; count <= Math.min(max, 5000); count++) { // each count in the class whose range holds it
                int c = scale.classOf(count);
                assertThat(count).isGreaterThanOrEqualTo(scale.lowest(c));
                if (scale.highest(c) >= 0) {
                    assertThat(count).isLessThanOrEqualTo(scale.highest(c));
                }
            }
        }
        ColourScale big = new ColourScale(100_000_000);
        assertThat(big.classes()).isEqualTo(8);
        for (int c = 0; c < 8; c++) { // evenly spaced in log(count): a power of ten each
            assertThat(big.lowest(c)).isEqualTo((long) Math.pow(10, c));
        }
        ColourScale small = new ColourScale(7); // fewer counts than colours: one class per count, none skipped
        assertThat(small.classes()).isEqualTo(5);
        assertThat(small.lowest(4)).isEqualTo(5);
        assertThat(big.classOf(99)).isLessThan(big.classOf(1_000_000));
    }
}
