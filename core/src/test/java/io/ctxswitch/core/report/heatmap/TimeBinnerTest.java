package io.ctxswitch.core.report.heatmap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TimeBinnerTest {

    @Test
    void switchesFallInTheIntervalOfTheirEndInTheReportsBins() {
        TimeBinner binner = new TimeBinner(1_000);
        long start = 5_000_000;
        binner.record(start, 0, 900);          // interval 0 (time starts at the first switch)
        binner.record(start + 999, 1, 1_100);  // interval 0
        binner.record(start + 1_000, 0, 1_100); // interval 1
        binner.record(start + 3_500, 0, 3);    // interval 3; interval 2 stays empty
        binner.record(start - 10, 1, 1_279);   // another CPU's record a little earlier: interval 0
        HeatmapPanels panels = binner.panels();
        assertThat(panels.cpus()).isEmpty(); // not asked for
        HeatmapGrid grid = panels.all();
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
    void perCpuEachSwitchCountsInItsCpusGridOnTheSameColumns() {
        TimeBinner binner = new TimeBinner(1_000, true);
        long start = 5_000_000;
        binner.record(start, 0, 900);
        binner.record(start + 10, 0, 950);
        binner.record(start + 999, 1, 1_100);
        binner.record(start + 2_500, 3, 1_100); // CPU 3's first switch, in the third interval
        HeatmapPanels panels = binner.panels();
        assertThat(panels.cpus().keySet()).containsExactly(0, 1, 3);
        assertThat(panels.cpus().get(0).columns().get(0).count()).containsExactly(2);
        assertThat(panels.cpus().get(1).columns().get(0).from()).containsExactly(1024);
        HeatmapGrid cpu3 = panels.cpus().get(3);
        assertThat(cpu3.columns()).extracting(HeatmapGrid.Column::startNs)
                .containsExactlyElementsOf(panels.all().columns().stream().map(HeatmapGrid.Column::startNs).toList());
        assertThat(cpu3.columns().get(0).from()).isEmpty();
        assertThat(cpu3.columns().get(2).count()).containsExactly(1);
        assertThat(panels.cpus().values().stream().mapToLong(HeatmapGrid::total).sum()).isEqualTo(panels.all().total());
    }
}
