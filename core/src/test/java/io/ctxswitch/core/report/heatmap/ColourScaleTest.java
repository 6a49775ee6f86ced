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
        }
        ColourScale big = new ColourScale(100_000_000);
        assertThat(big.classes()).isEqualTo(8);
        assertThat(big.classOf(99)).isLessThan(big.classOf(1_000_000));
    }
}
