package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyCollectorTest {
    private static final ExporterInfo INFO = new ExporterInfo("0.1.0", "libbpf", "sched-tp", "6.18.0");

    private static CumulativeFigures.Cpu cpu(int cpu, long... latenciesNs) {
        long[] buckets = new long[LogLinearBuckets.COUNT];
        long sum = 0;
        for (long ns : latenciesNs) {
            buckets[LogLinearBuckets.bucketOf(ns)]++;
            sum += ns;
        }
        return new CumulativeFigures.Cpu(cpu, latenciesNs.length, sum, buckets);
    }

    private static String text(MetricSnapshots snapshots) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, snapshots);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static final CumulativeFigures FIGURES = new CumulativeFigures(
            List.of(cpu(0, 300, 700, 1000, 1001), cpu(1, 3000)), 7, 11, 0);

    @Test
    void theTotalHistogramHasExactSumAndCountInSeconds() throws Exception {
        String text = text(new LatencyCollector(() -> FIGURES, false, INFO).collect());
        assertThat(text).contains("# TYPE ctxswitch_latency_seconds histogram")
                .contains("ctxswitch_latency_seconds_bucket{le=\"2.56E-7\"} 0")
                .contains("ctxswitch_latency_seconds_bucket{le=\"5.12E-7\"} 1")
                .contains("ctxswitch_latency_seconds_bucket{le=\"1.024E-6\"} 4")
                .contains("ctxswitch_latency_seconds_bucket{le=\"4.096E-6\"} 5")
                .contains("ctxswitch_latency_seconds_bucket{le=\"+Inf\"} 5")
                .contains("ctxswitch_latency_seconds_count 5")
                .contains("ctxswitch_latency_seconds_sum 6.001E-6")
                .contains("ctxswitch_unpaired_total 7.0")
                .contains("ctxswitch_no_switch_total 11.0")
                .contains("ctxswitch_lost_total 0.0")
                .contains("ctxswitch_info{backend=\"libbpf\",kernel=\"6.18.0\",probe=\"sched-tp\",version=\"0.1.0\"} 1")
                .doesNotContain("cpu=");
    }

    @Test
    void perCpuGivesOneSeriesPerCpu() throws Exception {
        String text = text(new LatencyCollector(() -> FIGURES, true, INFO).collect());
        assertThat(text).contains("ctxswitch_latency_seconds_count{cpu=\"0\"} 4")
                .contains("ctxswitch_latency_seconds_count{cpu=\"1\"} 1")
                .contains("ctxswitch_latency_seconds_sum{cpu=\"1\"} 3.0E-6")
                .contains("ctxswitch_latency_seconds_bucket{cpu=\"1\",le=\"2.048E-6\"} 0")
                .contains("ctxswitch_latency_seconds_bucket{cpu=\"1\",le=\"4.096E-6\"} 1");
    }

    @Test
    void openMetricsIsAvailableToo() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OpenMetricsTextFormatWriter.create().write(out, new LatencyCollector(() -> FIGURES, false, INFO).collect());
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("# TYPE ctxswitch info")
                .contains("# UNIT ctxswitch_latency_seconds seconds").endsWith("# EOF\n");
    }

    @Test
    void eachScrapeReadsTheSourceAgain() throws Exception {
        int[] reads = {0};
        LatencyCollector collector = new LatencyCollector(() -> {
            reads[0]++;
            return FIGURES;
        }, false, INFO);
        collector.collect();
        collector.collect();
        assertThat(reads[0]).isEqualTo(2);
    }
}
