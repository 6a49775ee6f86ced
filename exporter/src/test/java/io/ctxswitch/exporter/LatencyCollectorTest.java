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

    /**
     * A source with one histogram for all CPUs (bpftrace) is served in total like the others; per CPU it
     * would be one series labelled with no CPU, so a scrape fails instead (the CLI refuses --per-cpu for it).
     */
    @Test
    void oneEntryForAllCpusIsServedInTotalAndNeverAsACpu() throws Exception {
        CumulativeFigures all = new CumulativeFigures(List.of(cpu(CumulativeFigures.Cpu.ALL_CPUS, 300, 700, 3000)), 0, 2, 0);
        assertThat(text(new LatencyCollector(() -> all, false, INFO).collect()))
                .contains("ctxswitch_latency_seconds_count 3").contains("ctxswitch_latency_seconds_sum 4.0E-6").doesNotContain("cpu=");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LatencyCollector(() -> all, true, INFO).collect())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one histogram for all CPUs");
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

    /** A scrape request as the HTTP handler passes it, with only an Accept header. */
    private static io.prometheus.metrics.exporter.common.PrometheusHttpRequest accepting(String accept) {
        return new io.prometheus.metrics.exporter.common.PrometheusHttpRequest() {
            @Override
            public String getQueryString() {
                return null;
            }

            @Override
            public java.util.Enumeration<String> getHeaders(String name) {
                return java.util.Collections.enumeration("Accept".equalsIgnoreCase(name) && accept != null ? List.of(accept) : List.<String>of());
            }

            @Override
            public String getMethod() {
                return "GET";
            }

            @Override
            public String getRequestPath() {
                return "/metrics";
            }
        };
    }

    private static boolean hasNativeBuckets(MetricSnapshots snapshots) {
        return snapshots.stream().filter(s -> s instanceof io.prometheus.metrics.model.snapshots.HistogramSnapshot)
                .flatMap(s -> ((io.prometheus.metrics.model.snapshots.HistogramSnapshot) s).getDataPoints().stream())
                .allMatch(p -> p.hasNativeHistogramData() && p.getNativeBucketsForPositiveValues().size() > 0);
    }

    /** Native buckets are made for a protobuf scrape only (or when no request says otherwise); text scrapes skip their cost. */
    @Test
    void nativeBucketsOnlyForAScraperThatGetsThem() {
        LatencyCollector collector = new LatencyCollector(() -> FIGURES, true, INFO);
        String protobuf = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,"
                + "text/plain;version=0.0.4;q=0.3";
        assertThat(hasNativeBuckets(collector.collect(accepting(protobuf)))).isTrue();
        assertThat(hasNativeBuckets(collector.collect())).isTrue();
        for (String text : new String[] {"text/plain;version=0.0.4", "application/openmetrics-text;version=1.0.0", "*/*", null}) {
            MetricSnapshots snapshots = collector.collect(accepting(text));
            assertThat(snapshots.stream().flatMap(s -> s.getDataPoints().stream())
                    .filter(p -> p instanceof io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot)
                    .map(p -> (io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot) p))
                    .as("Accept: %s", text).hasSize(2).noneMatch(p -> p.hasNativeHistogramData())
                    .allMatch(p -> p.getClassicBuckets().size() == 21);
        }
    }

    /** Series of a text exposition: its sample lines. */
    private static long series(String text) {
        return text.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
    }

    /**
     * README's "Cardinality": 27 series per node; --per-cpu gives the histogram's 23 series (21 buckets,
     * _sum, _count) to each CPU, whatever its latencies, and leaves the 3 counters and the info gauge.
     */
    @Test
    void seriesPerNodeAndWhatPerCpuMultipliesThemBy() throws Exception {
        assertThat(series(text(new LatencyCollector(() -> FIGURES, false, INFO).collect()))).isEqualTo(27);
        for (int cpus : new int[] {1, 2, 64}) {
            List<CumulativeFigures.Cpu> each = new java.util.ArrayList<>();
            for (int c = 0; c < cpus; c++) {
                each.add(c % 2 == 0 ? cpu(c) : cpu(c, 300, 5_000_000));
            }
            CumulativeFigures figures = new CumulativeFigures(each, 0, 0, 0);
            assertThat(series(text(new LatencyCollector(() -> figures, true, INFO).collect()))).as("%d CPUs", cpus).isEqualTo(23L * cpus + 4);
            assertThat(series(text(new LatencyCollector(() -> figures, false, INFO).collect()))).as("%d CPUs", cpus).isEqualTo(27);
        }
    }
}
