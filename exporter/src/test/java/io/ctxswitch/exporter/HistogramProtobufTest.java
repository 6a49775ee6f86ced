package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.stats.CgroupSeries;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.core.stats.LogLinearBuckets;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's protobuf scrape ({@link LatencyCollector#writeProtobuf}, native buckets by {@link
 * HistogramProtobuf}) exposes what the library's protobuf writer exposes for the same figures (the
 * same bytes), and the native buckets of a known histogram are pinned (golden file).
 */
@Timeout(60)
class HistogramProtobufTest {
    private static final ExporterInfo INFO = new ExporterInfo("0.1.0", "libbpf", "sched-tp", "6.18.0");
    /** A limit no histogram reaches: schema 7, the kernel's resolution, for every series (the golden file's). */
    static final int KERNEL_RESOLUTION = Integer.MAX_VALUE;
    /** The default limit, the finest one, and the coarsest: schemas from 7 down to -4 among the tests' histograms. */
    private static final int[] LIMITS = {PrometheusBuckets.DEFAULT_NATIVE_BUCKETS, KERNEL_RESOLUTION, 20, PrometheusBuckets.MIN_NATIVE_BUCKETS};

    /**
     * The known histogram: the exact region below 128 ns (a native bucket per nanosecond, far apart:
     * one span each), samples sharing a kernel bucket (1000 to 1003 ns), kernel buckets sharing a
     * native bucket (2032 and 2040 ns, at the top of an octave), neighbours at the bottom of an octave
     * whose native buckets are two or three apart (the gap is filled with empty buckets in the span),
     * and latencies past the classic +Inf bound.
     */
    static final long[] KNOWN_NS = {0, 1, 2, 5, 127, 128, 129, 130, 300, 700, 1000, 1001, 1002, 1003,
        1024, 1032, 1040, 1048, 2032, 2040, 2047, 4096, 4160, 8192, 8320, 3000, 3000, 3000, 65_535, 1_000_000, 90_000_000, 5_000_000_000L};

    static CumulativeFigures.Cpu cpu(int cpu, long... latenciesNs) {
        long[] buckets = new long[LogLinearBuckets.COUNT];
        long sum = 0;
        for (long ns : latenciesNs) {
            buckets[LogLinearBuckets.bucketOf(ns)]++;
            sum += ns;
        }
        return new CumulativeFigures.Cpu(cpu, latenciesNs.length, sum, buckets);
    }

    /** What the server sends to a protobuf scrape. */
    static byte[] served(LatencyCollector collector, EscapingScheme scheme) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        collector.writeProtobuf(out, scheme);
        return out.toByteArray();
    }

    /** What the library's protobuf writer writes from the collector's snapshots with native buckets. */
    static byte[] library(LatencyCollector collector, EscapingScheme scheme) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusProtobufWriter().write(out, collector.collect(), scheme);
        return out.toByteArray();
    }

    private static void assertSameAsLibrary(CumulativeFigures figures) throws IOException {
        assertSameAsLibrary(figures, LatencyCollector.Breakdown.NONE);
    }

    private static void assertSameAsLibrary(CumulativeFigures figures, LatencyCollector.Breakdown breakdown) throws IOException {
        for (boolean perCpu : breakdown == LatencyCollector.Breakdown.CGROUP ? new boolean[] {false} : new boolean[] {true, false}) {
            for (int limit : LIMITS) {
                LatencyCollector collector = new LatencyCollector(() -> figures, perCpu, breakdown, limit, INFO);
                for (EscapingScheme scheme : EscapingScheme.values()) {
                    byte[] library = library(collector, scheme);
                    assertThat(served(collector, scheme)).as("per-CPU %s, at most %d native buckets, %s, %d bytes", perCpu, limit, scheme,
                            library.length).isEqualTo(library);
                }
            }
        }
    }

    @Test
    void theKnownHistogramIsExposedAsTheLibraryExposesIt() throws IOException {
        assertSameAsLibrary(new CumulativeFigures(List.of(cpu(0, KNOWN_NS), cpu(1, 3000), cpu(2)), 7, 11, 3));
    }

    /** Every kernel bucket filled, as the benchmark's "every-bucket": a native bucket for nearly each. */
    @Test
    void everyBucketFilledIsExposedAsTheLibraryExposesIt() throws IOException {
        List<CumulativeFigures.Cpu> cpus = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            long[] buckets = new long[LogLinearBuckets.COUNT];
            long count = 0;
            for (int b = 0; b < buckets.length; b++) {
                buckets[b] = 1 + (b + c) % 97;
                count += buckets[b];
            }
            cpus.add(new CumulativeFigures.Cpu(c, count, 123_456_789L * (c + 1), buckets));
        }
        assertSameAsLibrary(new CumulativeFigures(cpus, 0, 0, 0));
    }

    /** Random sparse histograms: every kind of gap between native buckets, counts up to 2^40. */
    @Test
    void randomHistogramsAreExposedAsTheLibraryExposesThem() throws IOException {
        Random random = new Random(14);
        for (int round = 0; round < 20; round++) {
            List<CumulativeFigures.Cpu> cpus = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                long[] buckets = randomSparseBuckets(random);
                cpus.add(new CumulativeFigures.Cpu(c, java.util.Arrays.stream(buckets).sum(), random.nextLong(1L << 60), buckets));
            }
            assertSameAsLibrary(new CumulativeFigures(cpus, round, 2 * round, 3 * round));
        }
    }

    /** Up to 200 random kernel buckets filled, each with 1 to 5 samples or up to 2^40. */
    static long[] randomSparseBuckets(Random random) {
        long[] buckets = new long[LogLinearBuckets.COUNT];
        int filled = random.nextInt(200);
        for (int i = 0; i < filled; i++) {
            int b = random.nextInt(buckets.length);
            buckets[b] += 1 + (random.nextBoolean() ? random.nextInt(5) : random.nextLong(1L << 40));
        }
        return buckets;
    }

    /** --by=kind: a series per kind (and CPU), each with its native buckets; a kind with no sample has none. */
    @Test
    void kindsAreExposedAsTheLibraryExposesThem() throws IOException {
        CumulativeFigures totals = new CumulativeFigures(List.of(cpu(0, KNOWN_NS), cpu(1, 3000)), 7, 11, 3);
        List<CumulativeFigures.Kind> kinds = new ArrayList<>();
        for (io.ctxswitch.core.model.SwitchKind k : io.ctxswitch.core.model.SwitchKind.values()) {
            CumulativeFigures.Cpu zero = k.ordinal() % 2 == 0 ? cpu(0, KNOWN_NS) : cpu(0);
            CumulativeFigures.Cpu one = k.ordinal() < 3 ? cpu(1, 3000, 40 * k.ordinal()) : cpu(1);
            kinds.add(new CumulativeFigures.Kind(k, 0, zero.count(), zero.sumNs(), zero.buckets()));
            kinds.add(new CumulativeFigures.Kind(k, 1, one.count(), one.sumNs(), one.buckets()));
        }
        assertSameAsLibrary(totals.withKinds(kinds), LatencyCollector.Breakdown.KIND);
    }

    /**
     * --by=cgroup: classic buckets only (the kernel's are powers of two, no native schema's), as the library writes a
     * histogram without native buckets ({@link #cgroupFigures}).
     */
    @Test
    void cgroupsAreExposedAsTheLibraryExposesThem() throws IOException {
        assertSameAsLibrary(cgroupFigures(), LatencyCollector.Breakdown.CGROUP);
    }

    /**
     * Three cgroups' series: one whose path escaping leaves alone, one whose path has a quote, a letter outside ASCII,
     * a backslash and a newline, and one with no path; power-of-two buckets at both ends, counts up to 2^40.
     */
    static CumulativeFigures cgroupFigures() {
        CumulativeFigures totals = new CumulativeFigures(List.of(cpu(0, KNOWN_NS)), 1, 2, 3);
        long[] app = new long[40];
        app[9] = 5;
        app[30] = 1;
        long[] odd = new long[40];
        odd[0] = 2;
        odd[39] = 1L << 40;
        return totals.withCgroups(new CumulativeFigures.Cgroups(new CgroupSeries().series(List.of(
                new CumulativeFigures.Cgroup(7, "/app.slice/web", 6, 5 * 700 + (3L << 30), app),
                new CumulativeFigures.Cgroup(8, "/k8s/pod\"a\"/é\\x\nnew line", 2 + (1L << 40), 1L << 60, odd),
                new CumulativeFigures.Cgroup(9, null, 0, 0, new long[40])), id -> null), 4));
    }

    /**
     * The golden file: the known histogram's native buckets as Prometheus decodes them from the
     * served bytes (index and count of each non-empty bucket), with schema, zero threshold and zero
     * count. The file says which entries were checked by hand.
     */
    @Test
    void theKnownHistogramsNativeBucketsAreTheGoldenOnes() throws IOException {
        LatencyCollector collector = new LatencyCollector(() -> new CumulativeFigures(List.of(cpu(0, KNOWN_NS)), 0, 0, 0), false,
                LatencyCollector.Breakdown.NONE, KERNEL_RESOLUTION, INFO);
        Map<String, ProtobufExpositionReader.NativeHistogram> histograms =
                ProtobufExpositionReader.nativeHistograms(served(collector, EscapingScheme.ALLOW_UTF8), LatencyCollector.LATENCY);
        assertThat(histograms).containsOnlyKeys("{}");
        assertThat(render(histograms.get("{}"))).isEqualTo(golden("known-histogram.native-buckets.txt"));
    }

    /** The same native buckets for each CPU of a per-CPU scrape as for the one histogram of the total. */
    @Test
    void perCpuNativeBucketsAreEachCpusOwn() throws IOException {
        LatencyCollector collector = new LatencyCollector(() -> new CumulativeFigures(List.of(cpu(0, KNOWN_NS), cpu(1, 3000, 3000)), 0, 0, 0), true,
                LatencyCollector.Breakdown.NONE, KERNEL_RESOLUTION, INFO);
        Map<String, ProtobufExpositionReader.NativeHistogram> histograms =
                ProtobufExpositionReader.nativeHistograms(served(collector, EscapingScheme.ALLOW_UTF8), LatencyCollector.LATENCY);
        assertThat(histograms).containsOnlyKeys("{cpu=\"0\"}", "{cpu=\"1\"}");
        assertThat(render(histograms.get("{cpu=\"0\"}"))).isEqualTo(golden("known-histogram.native-buckets.txt"));
        assertThat(histograms.get("{cpu=\"1\"}").positive()).containsExactly(Map.entry(-2348, 2L));
    }

    /**
     * By default each series gets the finest schema within 160 buckets from its fastest switch to its slowest: a CPU
     * whose switches span 0 ns to 5 s (33 powers of two) schema 2, one whose switches all took 3 us schema 7; the
     * coarse series' buckets are the golden schema-7 ones merged, 2^5 into one, and hold every sample.
     */
    @Test
    void byDefaultEachSeriesGetsTheFinestSchemaWithin160Buckets() throws IOException {
        LatencyCollector collector = new LatencyCollector(() -> new CumulativeFigures(List.of(cpu(0, KNOWN_NS), cpu(1, 3000, 3000)), 0, 0, 0), true, INFO);
        Map<String, ProtobufExpositionReader.NativeHistogram> histograms =
                ProtobufExpositionReader.nativeHistograms(served(collector, EscapingScheme.ALLOW_UTF8), LatencyCollector.LATENCY);
        ProtobufExpositionReader.NativeHistogram wide = histograms.get("{cpu=\"0\"}");
        assertThat(wide.schema()).isEqualTo(2);
        Map<Integer, Long> merged = new java.util.TreeMap<>();
        LatencyCollector fine = new LatencyCollector(() -> new CumulativeFigures(List.of(cpu(0, KNOWN_NS)), 0, 0, 0), false,
                LatencyCollector.Breakdown.NONE, KERNEL_RESOLUTION, INFO);
        ProtobufExpositionReader.nativeHistograms(served(fine, EscapingScheme.ALLOW_UTF8), LatencyCollector.LATENCY).get("{}").positive()
                .forEach((index, count) -> merged.merge(((index - 1) >> 5) + 1, count, Long::sum));
        assertThat(wide.positive()).isEqualTo(merged);
        assertThat(wide.positive().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(KNOWN_NS.length);
        int span = java.util.Collections.max(wide.positive().keySet()) - java.util.Collections.min(wide.positive().keySet()) + 1;
        assertThat(span).isLessThanOrEqualTo(PrometheusBuckets.DEFAULT_NATIVE_BUCKETS).isGreaterThan(PrometheusBuckets.DEFAULT_NATIVE_BUCKETS / 2 - 1);
        assertThat(histograms.get("{cpu=\"1\"}").schema()).isEqualTo(7);
        assertThat(histograms.get("{cpu=\"1\"}").positive()).containsExactly(Map.entry(-2348, 2L));
    }

    private static String render(ProtobufExpositionReader.NativeHistogram h) {
        return "schema " + h.schema() + "\nzero_threshold " + h.zeroThreshold() + "\nzero_count " + h.zeroCount()
                + "\nnegative_spans " + h.negativeSpans() + "\nnegative_deltas " + h.negativeDeltas() + "\n"
                + h.positive().entrySet().stream().map(e -> "bucket " + e.getKey() + " " + e.getValue() + "\n").collect(Collectors.joining());
    }

    /** The golden file, less its comment lines. */
    private static String golden(String name) throws IOException {
        try (InputStream in = HistogramProtobufTest.class.getResourceAsStream("/exposition/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#"))
                    .map(l -> l + "\n").collect(Collectors.joining());
        }
    }
}
