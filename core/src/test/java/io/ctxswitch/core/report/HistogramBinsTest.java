package io.ctxswitch.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class HistogramBinsTest {

    @Test
    void binsAreQuartersOfPowersOfTwo() {
        assertThat(HistogramBins.binStart(1023)).isEqualTo(896);
        assertThat(HistogramBins.binStart(1024)).isEqualTo(1024);
        assertThat(HistogramBins.binEnd(1024)).isEqualTo(1280);
        assertThat(HistogramBins.binStart(1500)).isEqualTo(1280);
        assertThat(HistogramBins.binEnd(1792)).isEqualTo(2048);
        assertThat(HistogramBins.binStart(2)).isEqualTo(2);
        assertThat(HistogramBins.binEnd(2)).isEqualTo(3);
    }

    @Test
    void everyCountLandsInTheBinOfItsValueAndEmptyBinsBetweenAreKept() {
        Histogram h = new Histogram(3);
        h.recordValueWithCount(300, 4);
        h.recordValueWithCount(1100, 2);
        h.recordValueWithCount(5000, 1);
        List<HistogramBins.Bin> bins = HistogramBins.of(h, 300, 5000);
        assertThat(bins.get(0)).isEqualTo(new HistogramBins.Bin(256, 320, 4));
        assertThat(bins).contains(new HistogramBins.Bin(1024, 1280, 2), new HistogramBins.Bin(4096, 5120, 1));
        assertThat(bins).contains(new HistogramBins.Bin(2048, 2560, 0));
        assertThat(bins.stream().mapToLong(HistogramBins.Bin::count).sum()).isEqualTo(7);
        for (int i = 1; i < bins.size(); i++) {
            assertThat(bins.get(i).fromNs()).isEqualTo(bins.get(i - 1).toNs());
        }
    }

    @Test
    void edgesReadLikeBpftrace() {
        assertThat(Durations.edge(320)).isEqualTo("320");
        assertThat(Durations.edge(1024)).isEqualTo("1K");
        assertThat(Durations.edge(1280)).isEqualTo("1.25K");
        assertThat(Durations.edge(3 * 1024 * 1024)).isEqualTo("3M");
        assertThat(Durations.format(312)).isEqualTo("312 ns");
        assertThat(Durations.format(1_270)).isEqualTo("1.27 us");
        assertThat(Durations.format(14_000_000)).isEqualTo("14.0 ms");
        assertThat(Durations.format(2_500_000_000L)).isEqualTo("2.50 s");
    }
}
