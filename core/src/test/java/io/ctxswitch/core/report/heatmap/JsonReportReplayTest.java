package io.ctxswitch.core.report.heatmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctxswitch.core.host.HostIdentity;
import io.ctxswitch.core.report.JsonRenderer;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class JsonReportReplayTest {
    private static final HostIdentity HOST = new HostIdentity("box", "6.18.0");
    private static final String PROBE = "sched-tp (x)";

    /** Reads a replay to its end, as the session does. */
    private static JsonReportReplay replay(String ndjson) throws Exception {
        byte[] bytes = ndjson.getBytes(StandardCharsets.UTF_8);
        JsonReportReplay.Format format = new JsonReportReplay.Format();
        assertThat(format.recognises(bytes, bytes.length)).isTrue();
        LatencySource source = format.replay(new ByteArrayInputStream(bytes), "run.ndjson", 0, null);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        source.onFinished(done::countDown);
        source.start(null);
        done.await();
        source.drain(); // rethrows the reader's failure, as the session's drain would
        return (JsonReportReplay) source;
    }

    @Test
    void theRecordedIntervalsDrawTheSameBytesAsTheLiveGrid() throws Exception {
        Random random = new Random(16);
        HeatmapGrid live = new HeatmapGrid();
        StringBuilder ndjson = new StringBuilder();
        JsonRenderer json = new JsonRenderer(HOST);
        LatencyStats total = new LatencyStats();
        for (int i = 0; i < 21; i++) {
            LatencyStats part = new LatencyStats();
            for (int n = random.nextInt(2000); n > 0; n--) {
                part.record(random.nextInt(2), (long) (500 + Math.exp(random.nextGaussian() * 2) * 300), 1, 1, "t");
            }
            long duration = 1_000_000_000L + random.nextInt(3_000_000);
            Summary s = Summary.of("interval", "libbpf", PROBE, duration, part, false, 0);
            live.addInterval(duration, s.histogram()); // what HeatmapListener does with the same part
            ndjson.append(json.render(s)).append('\n');
            total.add(part);
        }
        ndjson.append(json.render(Summary.of("summary", "libbpf", PROBE, 21_000_000_000L, total, false, 0))).append('\n');

        JsonReportReplay replayed = replay(ndjson.toString());
        assertThat(replayed.header()).isEqualTo(new HeatmapHeader("box", "6.18.0", "libbpf", PROBE));
        assertThat(replayed.summaryCount()).isEqualTo(total.total().count());
        assertThat(replayed.panels().all().total()).isEqualTo(total.total().count());
        HeatmapHeader header = new HeatmapHeader(HOST.host(), HOST.kernel(), "libbpf", PROBE);
        assertThat(replayed.hasCpuHistograms()).isFalse();
        assertThat(svg(replayed.header(), replayed.panels().all())).isEqualTo(svg(header, live));
    }

    @Test
    void perCpuTheRecordedIntervalsDrawTheSamePanelsAsTheLiveRun() throws Exception {
        Random random = new Random(61);
        HeatmapPanels live = new HeatmapPanels(true);
        StringBuilder ndjson = new StringBuilder();
        JsonRenderer json = new JsonRenderer(HOST);
        for (int i = 0; i < 12; i++) {
            LatencyStats part = new LatencyStats();
            for (int n = random.nextInt(2000); n > 0; n--) { // CPU 3 only from the fifth interval
                part.record(i < 4 ? random.nextInt(2) : random.nextInt(4), (long) (500 + Math.exp(random.nextGaussian() * 2) * 300), 1, 1, "t");
            }
            Summary s = Summary.of("interval", "libbpf", PROBE, 1_000_000_000L, part, true, 0);
            live.addInterval(s); // what HeatmapListener does with the same part
            ndjson.append(json.render(s)).append('\n');
        }
        JsonReportReplay replayed = replay(ndjson.toString());
        assertThat(replayed.hasCpuHistograms()).isTrue();
        assertThat(replayed.panels().cpus().keySet()).containsExactly(0, 1, 2, 3);
        HeatmapHeader header = new HeatmapHeader(HOST.host(), HOST.kernel(), "libbpf", PROBE);
        assertThat(svg(replayed.header(), replayed.panels())).isEqualTo(svg(header, live)).contains("CPU 3, ");
    }

    private static String svg(HeatmapHeader header, HeatmapPanels panels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new HeatmapSvg().write(header, panels, null, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String svg(HeatmapHeader header, HeatmapGrid grid) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new HeatmapSvg().write(header, grid, null, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aReportOfUnknownOriginSaysSoInJsonAndInTheTitle() throws Exception {
        LatencyStats part = new LatencyStats();
        part.record(0, 1000, 1, 1, "t");
        String line = new JsonRenderer().render(Summary.of("interval", "perf", "switch events", 1_000, part, false, 0));
        assertThat(line).contains("\"host\":null,\"kernel\":null");
        JsonReportReplay replayed = replay(line + "\n");
        assertThat(replayed.header().line()).isEqualTo("host unknown, kernel unknown, backend perf, probe switch events");
        assertThat(replayed.summaryCount()).isNull();
    }

    @Test
    void aSummaryWithoutIntervalsHasNothingToDraw() {
        String line = new JsonRenderer(HOST).render(Summary.of("summary", "libbpf", PROBE, 1, new LatencyStats(), false, 0));
        assertThatThrownBy(() -> replay(line + "\n"))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("no interval to draw");
    }

    @Test
    void otherInputIsNotTakenForOurs() {
        JsonReportReplay.Format format = new JsonReportReplay.Format();
        for (String other : new String[] {"{\"kind\":\"other\"}", "[1,2]", "   sched-pipe  123 [000] 1.0: sched:sched_switch", ""}) {
            byte[] b = other.getBytes(StandardCharsets.UTF_8);
            assertThat(format.recognises(b, b.length)).as(other).isFalse();
        }
    }
}
