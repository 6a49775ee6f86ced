package io.ctxswitch.core.report.heatmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.report.HistogramBins;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TimeBinnerTest {

    @Test
    void switchesFallInTheIntervalOfTheirEndInTheReportsBins() {
        TimeBinner binner = new TimeBinner(1_000);
        long start = 5_000_000;
        binner.record(start, 900);          // interval 0 (time starts at the first switch)
        binner.record(start + 999, 1_100);  // interval 0
        binner.record(start + 1_000, 1_100); // interval 1
        binner.record(start + 3_500, 3);    // interval 3; interval 2 stays empty
        binner.record(start - 10, 1_279);   // another CPU's record a little earlier: interval 0
        HeatmapGrid grid = binner.grid();
        assertThat(grid.columns()).hasSize(4);
        assertThat(grid.columns()).extracting(HeatmapGrid.Column::durationNs).containsExactly(1_000L, 1_000L, 1_000L, 500L);
        HeatmapGrid.Column first = grid.columns().get(0);
        assertThat(first.from()).containsExactly(896, 1024);
        assertThat(first.to()).containsExactly(1024, 1280);
        assertThat(first.count()).containsExactly(1, 2);
        assertThat(grid.columns().get(2).from()).isEmpty();
        assertThat(grid.columns().get(3).from()).containsExactly(3);
        assertThat(grid.total()).isEqualTo(5);
    }

    @Test
    void binIndicesAgreeWithTheReportsEdges() {
        Random random = new Random(16);
        for (int i = 0; i < 100_000; i++) {
            long v = i < 5000 ? i : (long) Math.exp(random.nextDouble() * 40);
            long start = HistogramBins.binStart(v);
            // same index for a bin's edges and everything inside it, a different one just outside
            assertThat(TimeBinner.index(start)).isEqualTo(TimeBinner.index(v));
            assertThat(TimeBinner.index(HistogramBins.binEnd(start) - 1)).isEqualTo(TimeBinner.index(v));
            assertThat(TimeBinner.index(HistogramBins.binEnd(start))).isEqualTo(TimeBinner.index(v) + 1 + (v == 3 ? 4 : 0));
        }
    }
}
