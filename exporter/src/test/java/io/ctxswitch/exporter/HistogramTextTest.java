package io.ctxswitch.exporter;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.stats.CumulativeFigures;
import io.ctxswitch.exporter.testing.AcceptingRequest;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's text and OpenMetrics scrapes ({@link LatencyCollector#writeText}, the latency histogram by
 * {@link HistogramText}) are the bytes the library's writers write for the collector's snapshots of a text
 * scrape, for every breakdown and escaping scheme, label values that need escaping included.
 */
@Timeout(60)
class HistogramTextTest {
    private static final ExporterInfo INFO = new ExporterInfo("0.1.0", "libbpf", "sched-tp", "6.18.0");
    private static final ExpositionFormatWriter[] FORMATS = {PrometheusTextFormatWriter.create(), OpenMetricsTextFormatWriter.create()};
    private static final String[] ACCEPTS = {"text/plain;version=0.0.4", "application/openmetrics-text;version=1.0.0"};

    private static void assertSameAsLibrary(CumulativeFigures figures, LatencyCollector.Breakdown breakdown) throws IOException {
        for (boolean perCpu : breakdown == LatencyCollector.Breakdown.CGROUP ? new boolean[] {false} : new boolean[] {true, false}) {
            LatencyCollector collector = new LatencyCollector(() -> figures, perCpu, breakdown, INFO);
            for (int f = 0; f < FORMATS.length; f++) {
                for (EscapingScheme scheme : EscapingScheme.values()) {
                    ByteArrayOutputStream library = new ByteArrayOutputStream();
                    FORMATS[f].write(library, collector.collect(AcceptingRequest.accepting(ACCEPTS[f])), scheme);
                    ByteArrayOutputStream served = new ByteArrayOutputStream();
                    collector.writeText(served, FORMATS[f], scheme);
                    assertThat(served.toString(StandardCharsets.UTF_8)).as("%s, per-CPU %s, %s", ACCEPTS[f], perCpu, scheme)
                            .isEqualTo(library.toString(StandardCharsets.UTF_8));
                    assertThat(served.toByteArray()).isEqualTo(library.toByteArray());
                }
            }
        }
    }

    @Test
    void theKnownHistogramIsWrittenAsTheLibraryWritesIt() throws IOException {
        assertSameAsLibrary(new CumulativeFigures(List.of(HistogramProtobufTest.cpu(0, HistogramProtobufTest.KNOWN_NS),
                HistogramProtobufTest.cpu(1, 3000), HistogramProtobufTest.cpu(2)), 7, 11, 3), LatencyCollector.Breakdown.NONE);
    }

    /** Counts up to 2^40 and sums up to 2^60 ns: every digit count, sums whose seconds print in E notation or not. */
    @Test
    void randomHistogramsAreWrittenAsTheLibraryWritesThem() throws IOException {
        Random random = new Random(14);
        for (int round = 0; round < 20; round++) {
            List<CumulativeFigures.Cpu> cpus = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                long[] buckets = HistogramProtobufTest.randomSparseBuckets(random);
                long sum = random.nextInt(4) == 0 ? random.nextInt(1000) : random.nextLong(1L << 60);
                cpus.add(new CumulativeFigures.Cpu(c * 37, java.util.Arrays.stream(buckets).sum(), sum, buckets));
            }
            assertSameAsLibrary(new CumulativeFigures(cpus, round, 2 * round, 3 * round), LatencyCollector.Breakdown.NONE);
        }
    }

    /** A histogram long enough that the writer sends it a part at a time (1,024 CPUs). */
    @Test
    void aFamilyLongerThanTheBufferIsWrittenWhole() throws IOException {
        List<CumulativeFigures.Cpu> cpus = new ArrayList<>();
        for (int c = 0; c < 1024; c++) {
            cpus.add(HistogramProtobufTest.cpu(c, 300 + c, 70_000L * c, 5_000_000_000L));
        }
        assertSameAsLibrary(new CumulativeFigures(cpus, 0, 0, 0), LatencyCollector.Breakdown.NONE);
    }

    @Test
    void kindsAreWrittenAsTheLibraryWritesThem() throws IOException {
        CumulativeFigures totals = new CumulativeFigures(List.of(HistogramProtobufTest.cpu(0, HistogramProtobufTest.KNOWN_NS),
                HistogramProtobufTest.cpu(1, 3000)), 7, 11, 3);
        List<CumulativeFigures.Kind> kinds = new ArrayList<>();
        for (SwitchKind k : SwitchKind.values()) {
            CumulativeFigures.Cpu zero = k.ordinal() % 2 == 0 ? HistogramProtobufTest.cpu(0, HistogramProtobufTest.KNOWN_NS) : HistogramProtobufTest.cpu(0);
            kinds.add(new CumulativeFigures.Kind(k, 0, zero.count(), zero.sumNs(), zero.buckets()));
            kinds.add(new CumulativeFigures.Kind(k, 1, 1, 40 * k.ordinal(), HistogramProtobufTest.cpu(1, 40 * k.ordinal()).buckets()));
        }
        assertSameAsLibrary(totals.withKinds(kinds), LatencyCollector.Breakdown.KIND);
    }

    /** Paths with a quote, a backslash, a newline and a letter outside ASCII: each escaped (or not) as the library does. */
    @Test
    void cgroupsAreWrittenAsTheLibraryWritesThemEscapesIncluded() throws IOException {
        assertSameAsLibrary(HistogramProtobufTest.cgroupFigures(), LatencyCollector.Breakdown.CGROUP);
    }

    /** Before the source has read anything: no CPU, hence no series (the library writes no family without one). */
    @Test
    void nothingMeasuredYetIsWrittenAsTheLibraryWritesIt() throws IOException {
        assertSameAsLibrary(new CumulativeFigures(List.of(), 0, 0, 0), LatencyCollector.Breakdown.NONE);
    }
}
