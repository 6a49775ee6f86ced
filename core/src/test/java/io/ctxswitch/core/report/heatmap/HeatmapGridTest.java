package io.ctxswitch.core.report.heatmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.report.HistogramBins.Bin;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HeatmapGridTest {

    @Test
    void oneColumnPerIntervalWithOnlyTheNonEmptyBins() {
        HeatmapGrid grid = new HeatmapGrid(8);
        grid.addInterval(1_000, List.of(new Bin(1024, 1280, 5), new Bin(1280, 1536, 0), new Bin(1536, 1792, 2)));
        grid.addInterval(900, List.of());
        assertThat(grid.columns()).hasSize(2);
        HeatmapGrid.Column first = grid.columns().get(0);
        assertThat(first.from()).containsExactly(1024, 1536);
        assertThat(first.count()).containsExactly(5, 2);
        assertThat(grid.columns().get(1).startNs()).isEqualTo(1_000);
        assertThat(grid.columns().get(1).from()).isEmpty();
        assertThat(grid.total()).isEqualTo(7);
        assertThat(grid.elapsedNs()).isEqualTo(1_900);
        assertThat(grid.firstIntervalNs()).isEqualTo(1_000);
    }

    @Test
    void pastTheLimitNeighboursMergeInPairsKeepingEveryCount() {
        HeatmapGrid grid = new HeatmapGrid(4);
        long expected = 0;
        for (int i = 0; i < 11; i++) {
            long n = i + 1;
            // alternate between two bins so that merging has both shared and separate bins
            grid.addInterval(100, List.of(new Bin(1024, 1280, n), new Bin(i % 2 == 0 ? 2048 : 4096, i % 2 == 0 ? 2560 : 5120, 1)));
            expected += n + 1;
        }
        assertThat(grid.span()).isEqualTo(4);
        assertThat(grid.columns()).hasSize(3); // 4 + 4 + 3 intervals
        assertThat(grid.columns()).extracting(HeatmapGrid.Column::intervals).containsExactly(4, 4, 3);
        assertThat(grid.columns()).extracting(HeatmapGrid.Column::startNs).containsExactly(0L, 400L, 800L);
        HeatmapGrid.Column first = grid.columns().get(0);
        assertThat(first.from()).containsExactly(1024, 2048, 4096);
        assertThat(first.count()).containsExactly(1 + 2 + 3 + 4, 2, 2);
        assertThat(grid.total()).isEqualTo(expected);
        assertThat(grid.intervals()).isEqualTo(11);
    }

    @Test
    void coarsenedMergesAlignedPairsAndEmptyCopyKeepsTheColumnsOnly() {
        HeatmapGrid grid = new HeatmapGrid(8);
        for (int i = 0; i < 7; i++) {
            grid.addInterval(100, List.of(new Bin(1024, 1280, i + 1)));
        }
        HeatmapGrid coarse = grid.coarsened(2);
        assertThat(coarse.columns()).extracting(HeatmapGrid.Column::intervals).containsExactly(4, 3);
        assertThat(coarse.span()).isEqualTo(4);
        assertThat(coarse.columns().get(0).count()).containsExactly(1 + 2 + 3 + 4);
        assertThat(coarse.total()).isEqualTo(grid.total());
        assertThat(grid.columns()).hasSize(7); // the grid itself is untouched
        assertThat(grid.coarsened(7).columns()).hasSize(7);

        HeatmapGrid empty = grid.emptyCopy();
        assertThat(empty.columns()).extracting(HeatmapGrid.Column::startNs)
                .containsExactlyElementsOf(grid.columns().stream().map(HeatmapGrid.Column::startNs).toList());
        assertThat(empty.total()).isZero();
        empty.addInterval(100, List.of(new Bin(1024, 1280, 9)));
        grid.addInterval(100, List.of(new Bin(1024, 1280, 9)));
        assertThat(empty.columns()).extracting(HeatmapGrid.Column::startNs)
                .containsExactlyElementsOf(grid.columns().stream().map(HeatmapGrid.Column::startNs).toList());
    }
}
