package io.ctxswitch.exporter;

import static io.ctxswitch.exporter.testing.AcceptingRequest.accepting;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.CgroupSeries;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class LatencyCollectorTest {
    private static final ExporterInfo INFO = new ExporterInfo("0.1.0", "libbpf", "sched-tp", "6.18.0");

    private static CumulativeFigures.Cpu cpu(int cpu, long... latenciesNs) {
        return HistogramProtobufTest.cpu(cpu, latenciesNs);
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

    /** Kinds on two CPUs: blocked 300 and 700 ns on CPU 0, 1000 ns on CPU 1; to-idle 3000 ns on CPU 1; the other kinds none. */
    static final CumulativeFigures BY_KIND = withKinds(FIGURES);

    static CumulativeFigures withKinds(CumulativeFigures totals) {
        List<CumulativeFigures.Kind> kinds = new java.util.ArrayList<>();
        for (int c = 0; c < 2; c++) {
            for (io.ctxswitch.core.model.SwitchKind k : io.ctxswitch.core.model.SwitchKind.values()) {
                long[] ns = k == io.ctxswitch.core.model.SwitchKind.BLOCKED ? (c == 0 ? new long[] {300, 700} : new long[] {1000})
                        : k == io.ctxswitch.core.model.SwitchKind.TO_IDLE && c == 1 ? new long[] {3000} : new long[0];
                CumulativeFigures.Cpu figures = cpu(c, ns);
                kinds.add(new CumulativeFigures.Kind(k, c, figures.count(), figures.sumNs(), figures.buckets()));
            }
        }
        return totals.withKinds(kinds);
    }

    /** The exposition's value of {@code sample} (a whole line's name and labels), or null. */
    static Double value(String text, String sample) {
        return text.lines().filter(l -> l.startsWith(sample + " ")).map(l -> Double.valueOf(l.substring(sample.length() + 1))).findFirst().orElse(null);
    }

    /** --by=kind: a series per kind, all six from the start, and no unlabelled total beside them (sum without (kind) is the total). */
    @Test
    void byKindServesEveryKindAndNoTotalBesideThem() throws Exception {
        String text = text(new LatencyCollector(() -> BY_KIND, false, LatencyCollector.Breakdown.KIND, INFO).collect());
        assertThat(text).contains("ctxswitch_latency_seconds_count{kind=\"blocked\"} 3")
                .contains("ctxswitch_latency_seconds_sum{kind=\"blocked\"} 2.0E-6")
                .contains("ctxswitch_latency_seconds_bucket{kind=\"blocked\",le=\"5.12E-7\"} 1")
                .contains("ctxswitch_latency_seconds_bucket{kind=\"blocked\",le=\"1.024E-6\"} 3")
                .contains("ctxswitch_latency_seconds_count{kind=\"to-idle\"} 1")
                .contains("ctxswitch_latency_seconds_bucket{kind=\"to-idle\",le=\"4.096E-6\"} 1")
                .contains("ctxswitch_latency_seconds_count{kind=\"preempted\"} 0")
                .contains("ctxswitch_latency_seconds_count{kind=\"yield\"} 0")
                .contains("ctxswitch_latency_seconds_count{kind=\"exit\"} 0")
                .contains("ctxswitch_latency_seconds_count{kind=\"from-idle\"} 0")
                .doesNotContain("ctxswitch_latency_seconds_count ").doesNotContain("cpu=");
        double sum = 0;
        for (io.ctxswitch.core.model.SwitchKind k : io.ctxswitch.core.model.SwitchKind.values()) {
            sum += value(text, "ctxswitch_latency_seconds_count{kind=\"" + k.label() + "\"}");
        }
        assertThat(sum).as("the kinds add up to the samples").isEqualTo(4);
    }

    /** --by=kind with --per-cpu: the kernel keeps kinds per CPU, so each series has both labels. */
    @Test
    void byKindPerCpuHasBothLabels() throws Exception {
        String text = text(new LatencyCollector(() -> BY_KIND, true, LatencyCollector.Breakdown.KIND, INFO).collect());
        assertThat(text).contains("ctxswitch_latency_seconds_count{cpu=\"0\",kind=\"blocked\"} 2")
                .contains("ctxswitch_latency_seconds_count{cpu=\"1\",kind=\"blocked\"} 1")
                .contains("ctxswitch_latency_seconds_count{cpu=\"1\",kind=\"to-idle\"} 1")
                .contains("ctxswitch_latency_seconds_count{cpu=\"0\",kind=\"to-idle\"} 0")
                .doesNotContain("ctxswitch_latency_seconds_count{cpu=\"0\"}");
    }

    /** Two cgroups' power-of-two buckets and the table's overflow, as the libbpf backend reads them: their series, and other's. */
    static final CumulativeFigures BY_CGROUP = FIGURES.withCgroups(new CumulativeFigures.Cgroups(new CgroupSeries().series(List.of(
            cgroup(1, "/", new long[] {100, 300, 700}), // log2 buckets 6, 8, 9
            cgroup(4242, "/sys/fs/\"odd\" path", new long[] {3000})), id -> null), 2));

    static CumulativeFigures.Cgroup cgroup(long id, String path, long[] latenciesNs) {
        long[] log2 = new long[40];
        long sum = 0;
        for (long ns : latenciesNs) {
            log2[63 - Long.numberOfLeadingZeros(ns)]++;
            sum += ns;
        }
        return new CumulativeFigures.Cgroup(id, path, latenciesNs.length, sum, log2);
    }

    /**
     * --by=cgroup: a series per cgroup labelled with its path (escaped as the format wants), "other", the count of
     * switches no cgroup holds; the buckets are the kernel's powers of two at the totals' le values, no finer.
     */
    @Test
    void byCgroupServesPathsOtherAndTheUnattributed() throws Exception {
        String text = text(new LatencyCollector(() -> BY_CGROUP, false, LatencyCollector.Breakdown.CGROUP, INFO).collect());
        assertThat(text).contains("ctxswitch_latency_seconds_count{cgroup=\"/\"} 3")
                .contains("ctxswitch_latency_seconds_sum{cgroup=\"/\"} 1.1E-6")
                .contains("ctxswitch_latency_seconds_bucket{cgroup=\"/\",le=\"2.56E-7\"} 1") // 100 ns: [64, 128)
                .contains("ctxswitch_latency_seconds_bucket{cgroup=\"/\",le=\"5.12E-7\"} 2") // 300 ns: [256, 512)
                .contains("ctxswitch_latency_seconds_bucket{cgroup=\"/\",le=\"1.024E-6\"} 3")
                .contains("ctxswitch_latency_seconds_count{cgroup=\"/sys/fs/\\\"odd\\\" path\"} 1")
                .contains("ctxswitch_latency_seconds_bucket{cgroup=\"/sys/fs/\\\"odd\\\" path\",le=\"2.048E-6\"} 0")
                .contains("ctxswitch_latency_seconds_bucket{cgroup=\"/sys/fs/\\\"odd\\\" path\",le=\"4.096E-6\"} 1")
                .contains("ctxswitch_latency_seconds_count{cgroup=\"other\"} 0")
                .contains("ctxswitch_cgroup_unattributed_total 2.0")
                .doesNotContain("ctxswitch_latency_seconds_count ");
        assertThat(text.lines().filter(l -> l.startsWith("ctxswitch_latency_seconds_bucket{cgroup=\"/\"")).count()).isEqualTo(21);
    }

    @Test
    void cgroupsAreNotServedPerCpu() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LatencyCollector(() -> BY_CGROUP, true, LatencyCollector.Breakdown.CGROUP, INFO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * README's "Cardinality" with a breakdown: --by=kind serves 6 histograms (times the CPUs under --per-cpu) for the
     * one; --by=cgroup at most 51 (50 cgroups and "other") and one more counter.
     */
    @Test
    void seriesPerNodeWithABreakdown() throws Exception {
        assertThat(series(text(new LatencyCollector(() -> BY_KIND, false, LatencyCollector.Breakdown.KIND, INFO).collect()))).isEqualTo(6 * 23 + 4);
        assertThat(series(text(new LatencyCollector(() -> BY_KIND, true, LatencyCollector.Breakdown.KIND, INFO).collect()))).isEqualTo(2 * 6 * 23 + 4);
        long[] counts = new long[200];
        CgroupSeries kept = new CgroupSeries(); // as the source keeps them, the counts all of one open interval
        java.util.function.Supplier<CumulativeFigures> cgroups = () -> {
            List<CumulativeFigures.Cgroup> all = new java.util.ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                long[] log2 = new long[40];
                log2[10] = counts[i];
                all.add(new CumulativeFigures.Cgroup(100 + i, "/c" + i, counts[i], counts[i] * 1500, log2));
            }
            return FIGURES.withCgroups(new CumulativeFigures.Cgroups(kept.series(all, id -> null), 0));
        };
        LatencyCollector collector = new LatencyCollector(cgroups::get, false, LatencyCollector.Breakdown.CGROUP, INFO);
        java.util.Arrays.fill(counts, 1);
        assertThat(series(text(collector.collect()))).as("the top ten and other").isEqualTo(11 * 23 + 5);
        long bound = (CgroupSeries.MAX_SERVED + 1) * 23L + 5;
        for (int round = 0; round < counts.length / 10; round++) { // ten other cgroups at the top each time
            for (int i = 0; i < 10; i++) {
                counts[round * 10 + i] += 1_000_000L * (round + 1);
            }
            assertThat(series(text(collector.collect()))).as("round %d", round).isLessThanOrEqualTo(bound);
        }
        assertThat(series(text(collector.collect()))).isEqualTo(bound);
    }

    /** OpenMetrics carries the labels as the Prometheus text does (the protobuf's: HistogramProtobufTest). */
    @Test
    void openMetricsCarriesTheLabels() throws Exception {
        ByteArrayOutputStream kinds = new ByteArrayOutputStream();
        OpenMetricsTextFormatWriter.create().write(kinds, new LatencyCollector(() -> BY_KIND, true, LatencyCollector.Breakdown.KIND, INFO).collect());
        assertThat(kinds.toString(StandardCharsets.UTF_8)).contains("ctxswitch_latency_seconds_count{cpu=\"0\",kind=\"blocked\"} 2")
                .contains("ctxswitch_latency_seconds_bucket{cpu=\"1\",kind=\"to-idle\",le=\"4.096E-6\"} 1").endsWith("# EOF\n");
        ByteArrayOutputStream cgroups = new ByteArrayOutputStream();
        OpenMetricsTextFormatWriter.create().write(cgroups, new LatencyCollector(() -> BY_CGROUP, false, LatencyCollector.Breakdown.CGROUP, INFO).collect());
        assertThat(cgroups.toString(StandardCharsets.UTF_8)).contains("ctxswitch_latency_seconds_count{cgroup=\"/\"} 3")
                .contains("ctxswitch_latency_seconds_bucket{cgroup=\"other\",le=\"+Inf\"} 0")
                .contains("ctxswitch_cgroup_unattributed_total 2").endsWith("# EOF\n");
    }

    /** promtool accepts the labelled expositions: kinds, kinds per CPU, cgroups with a path that needs escaping. */
    @Test
    void promtoolAcceptsTheLabelledExpositions() throws Exception {
        io.ctxswitch.core.testing.LiveTestSkip.unless(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/promtool")),
                "promtool (apt-get install prometheus)");
        for (LatencyCollector collector : List.of(new LatencyCollector(() -> BY_KIND, false, LatencyCollector.Breakdown.KIND, INFO),
                new LatencyCollector(() -> BY_KIND, true, LatencyCollector.Breakdown.KIND, INFO),
                new LatencyCollector(() -> BY_CGROUP, false, LatencyCollector.Breakdown.CGROUP, INFO))) {
            String exposition = text(collector.collect());
            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor()).as(lint).isZero();
            assertThat(lint).isEmpty();
        }
    }
}
