package io.ctxswitch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.host.HostIdentity;
import io.ctxswitch.core.report.JsonRenderer;
import io.ctxswitch.core.report.Percentiles;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.testing.HeatmapSvgParts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** --heatmap with --replay, through the jar: what it draws, and what it refuses in one line. Traces nothing. */
@Timeout(120)
class HeatmapReplayIT {
    private Path dir;

    @BeforeEach
    void directory() throws Exception {
        Jar.assumeBuilt();
        dir = Files.createTempDirectory("ctxswitch-heatmap-replay");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** What --format=json --interval prints for {@code intervals} intervals of 100 switches each, and the summary if asked. */
    private Path recording(int intervals, boolean summary) throws Exception {
        return recording(intervals, summary, false, Percentiles.DEFAULT);
    }

    /** The same, as printed with --percentiles. */
    private Path recording(int intervals, boolean summary, Percentiles percentiles) throws Exception {
        return recording(intervals, summary, false, percentiles);
    }

    /** The same, with --per-cpu if {@code perCpu}: the switches of interval i on CPU i % 2. */
    private Path recording(int intervals, boolean summary, boolean perCpu) throws Exception {
        return recording(intervals, summary, perCpu, Percentiles.DEFAULT);
    }

    private Path recording(int intervals, boolean summary, boolean perCpu, Percentiles percentiles) throws Exception {
        JsonRenderer json = new JsonRenderer(new HostIdentity("box", "6.18.0"));
        StringBuilder out = new StringBuilder();
        LatencyStats total = new LatencyStats();
        for (int i = 0; i < intervals; i++) {
            LatencyStats part = new LatencyStats();
            for (int n = 0; n < 100; n++) {
                part.record(perCpu ? i % 2 : 0, 800 + 10L * n * (i + 1), 1, 1, "t");
            }
            total.add(part);
            out.append(json.render(Summary.of("interval", "libbpf", "sched-tp (x)", 1_000_000_000L, part, perCpu, 0, percentiles))).append('\n');
        }
        if (summary) {
            out.append(json.render(Summary.of("summary", "libbpf", "sched-tp (x)", intervals * 1_000_000_000L, total, perCpu, 0, percentiles))).append('\n');
        }
        Path file = dir.resolve("run.ndjson");
        Files.writeString(file, out);
        return file;
    }

    @Test
    void ourJsonOutputDrawsItsIntervals() throws Exception {
        Path svg = dir.resolve("out.svg");
        Jar.Run run = Jar.run("--replay=" + recording(3, true), "--heatmap=" + svg);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty(); // a report already: nothing new to print
        assertThat(run.err().strip()).isEqualTo("ctxswitch: drew 3 intervals (300 switches) into " + svg);
        String picture = Files.readString(svg);
        assertThat(picture).contains("host box, kernel 6.18.0, backend libbpf, probe sched-tp (x)", "300 switches in 3 intervals");
        assertThat(Files.getPosixFilePermissions(svg)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        try (var left = Files.list(dir)) { // the temporary file was renamed, not left behind
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("run.ndjson", "out.svg");
        }
    }

    /** A recording made with --percentiles draws the same; --percentiles on its replay is refused, as it prints no percentile. */
    @Test
    void percentilesDoNotApplyToDrawingOurJsonOutput() throws Exception {
        Path file = recording(3, true, Percentiles.parse("5,99.99"));
        assertThat(Files.readString(file)).contains("\"p05_ns\":").contains("\"p9999_ns\":").doesNotContain("\"p50_ns\":");
        Path svg = dir.resolve("out.svg");
        Jar.Run run = Jar.run("--replay=" + file, "--heatmap=" + svg);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err().strip()).isEqualTo("ctxswitch: drew 3 intervals (300 switches) into " + svg);

        Path refused = dir.resolve("refused.svg");
        Jar.Run asked = Jar.run("--replay=" + file, "--heatmap=" + refused, "--percentiles=50,99");
        assertThat(asked.exit()).as(asked.err()).isEqualTo(2);
        assertThat(asked.err().lines().findFirst().orElse("")).isEqualTo("ctxswitch: --percentiles does not apply to a replay of"
                + " ctxswitch's own JSON output: it only draws a heat map, whose bins are too coarse for percentiles");
        assertThat(refused).doesNotExist();
    }

    @Test
    void aRunCutShortStillDrawsAndSaysSo() throws Exception {
        Path file = recording(2, false);
        Files.writeString(file, Files.readString(file) + "{\"kind\":\"interval\",\"backend\":\"libb", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        Jar.Run run = Jar.run("--replay=" + file, "--heatmap=" + dir.resolve("out.svg"));
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("drew 2 intervals (200 switches)", "the recording has no summary");
    }

    @Test
    void ourJsonOutputWithoutHeatmapIsNotATrace() throws Exception {
        Jar.Run run = Jar.run("--replay=" + recording(1, true));
        assertThat(run.exit()).isEqualTo(4);
        assertThat(run.err().strip()).endsWith("is ctxswitch's own JSON output, not a trace: it replays only into a heat map (--heatmap=FILE.svg)");
    }

    @Test
    void aHeatmapThatCannotBeWrittenIsOneLine() throws Exception {
        Jar.Run run = Jar.run("--replay=" + recording(1, true), "--heatmap=" + dir.resolve("missing/out.svg"));
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("ctxswitch: --heatmap=" + dir.resolve("missing/out.svg") + ": directory "
                + dir.resolve("missing") + " does not exist");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void aPerfTraceIsBinnedByItsTimestamps() throws Exception {
        Path svg = dir.resolve("p.svg");
        Jar.Run perf = Jar.run("--replay=" + Jar.ROOT.resolve("backend-perf/src/test/resources/perf/pipe.txt"),
                "--format=json", "--heatmap=" + svg);
        assertThat(perf.exit()).as(perf.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(perf.out());
        long count = summary.get("count").asLong();
        assertThat(count).isPositive();
        String picture = Files.readString(svg);
        assertThat(picture).contains("host unknown, kernel unknown, backend perf");
        // each cell: "TIME, LATENCY RANGE: COUNT"; summed per latency range over time, the summary's histogram
        java.util.regex.Matcher cell = java.util.regex.Pattern.compile("<title>[^,<]+, ([^:<]+): ([0-9,]+)</title></rect>").matcher(picture);
        java.util.Map<String, Long> perRange = new java.util.HashMap<>();
        while (cell.find()) {
            perRange.merge(cell.group(1), Long.parseLong(cell.group(2).replace(",", "")), Long::sum);
        }
        java.util.List<Long> histogram = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode bin : summary.get("histogram")) {
            if (bin.get("count").asLong() > 0) {
                histogram.add(bin.get("count").asLong());
            }
        }
        assertThat(perRange.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(count);
        assertThat(perRange.values()).containsExactlyInAnyOrderElementsOf(histogram);
    }

    @Test
    void perCpuOurJsonOutputDrawsEachCpusPanelAndRefusesARecordingWithoutThem() throws Exception {
        Path svg = dir.resolve("cpus.svg");
        Jar.Run run = Jar.run("--replay=" + recording(3, true, true), "--per-cpu", "--heatmap=" + svg);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err().strip()).isEqualTo("ctxswitch: drew 3 intervals (300 switches, 2 CPUs) into " + svg);
        org.w3c.dom.Document doc = HeatmapSvgParts.parse(Files.readAllBytes(svg));
        java.util.SortedMap<Integer, java.util.List<org.w3c.dom.Element>> cells = HeatmapSvgParts.cpuCells(doc);
        assertThat(cells.keySet()).containsExactly(0, 1);
        assertThat(cells.get(0).stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(200); // intervals 0 and 2
        assertThat(cells.get(1).stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(100);
        // without --per-cpu the same recording draws the all-CPU panel alone
        Jar.Run all = Jar.run("--replay=" + dir.resolve("run.ndjson"), "--heatmap=" + dir.resolve("all.svg"));
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(HeatmapSvgParts.cpuCells(HeatmapSvgParts.parse(Files.readAllBytes(dir.resolve("all.svg"))))).isEmpty();

        Path plain = recording(2, true, false); // recorded without --per-cpu: nothing per CPU to draw
        Jar.Run refused = Jar.run("--replay=" + plain, "--per-cpu", "--heatmap=" + dir.resolve("none.svg"));
        assertThat(refused.exit()).isEqualTo(4);
        assertThat(refused.err().strip()).isEqualTo("ctxswitch: " + plain + " has no histogram per CPU to draw with --per-cpu:"
                + " record it with --per-cpu --format=json --interval=TIME");
        assertThat(dir.resolve("none.svg")).doesNotExist();
    }

    @Test
    void perCpuAPerfTraceIsBinnedByEachSwitchsCpu() throws Exception {
        Path svg = dir.resolve("p.svg");
        Jar.Run perf = Jar.run("--replay=" + Jar.ROOT.resolve("backend-perf/src/test/resources/perf/pipe.txt"),
                "--format=json", "--per-cpu", "--heatmap=" + svg);
        assertThat(perf.exit()).as(perf.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(perf.out());
        org.w3c.dom.Document doc = HeatmapSvgParts.parse(Files.readAllBytes(svg));
        assertThat(HeatmapSvgParts.cells(doc).stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(summary.get("count").asLong());
        java.util.SortedMap<Integer, java.util.List<org.w3c.dom.Element>> cells = HeatmapSvgParts.cpuCells(doc);
        java.util.Map<Integer, Long> expected = new java.util.TreeMap<>();
        for (com.fasterxml.jackson.databind.JsonNode cpu : summary.get("per_cpu")) {
            expected.put(cpu.get("cpu").asInt(), cpu.get("count").asLong());
        }
        assertThat(expected).hasSizeGreaterThan(1); // the trace has switches on more than one CPU
        java.util.Map<Integer, Long> drawn = new java.util.TreeMap<>();
        cells.forEach((cpu, list) -> drawn.put(cpu, list.stream().mapToLong(HeatmapSvgParts::count).sum()));
        assertThat(drawn).isEqualTo(expected);
    }

    @Test
    void bpftraceOutputHasNoTimeAxisToDraw() throws Exception {
        Jar.Run bpftrace = Jar.run("--replay=" + Jar.ROOT.resolve("backend-bpftrace/src/test/resources/bpftrace/kprobe-0.17-linux6.1.text.txt"),
                "--heatmap=" + dir.resolve("b.svg"));
        assertThat(bpftrace.exit()).isEqualTo(2);
        assertThat(bpftrace.err()).contains("bpftrace's output has no time axis").doesNotContain("\tat ");
        assertThat(dir.resolve("b.svg")).doesNotExist();
    }
}
