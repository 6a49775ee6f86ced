package io.ctxswitch.cli;

import static io.ctxswitch.core.testing.HeatmapSvgParts.cells;
import static io.ctxswitch.core.testing.HeatmapSvgParts.parse;
import static io.ctxswitch.core.testing.HeatmapSvgParts.texts;
import static io.ctxswitch.core.testing.HeatmapSvgParts.title;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctxswitch.core.testing.HeatmapSvgParts;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The heat map of a real run: traced with the libbpf backend during a pinned ping-pong, drawn by
 * the jar, opened in a real browser, and drawn again from the run's JSON output.
 */
@Timeout(300)
class HeatmapLiveIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The darkest colour of the scale: the busiest cells. */
    private static final int DARKEST = 0x800026;
    private Path dir;

    @BeforeEach
    void needsACapableHost() throws Exception {
        LiveHost.assumeSchedTpCapable();
        if (!Jar.onPath("perf") || !Jar.onPath("taskset")) {
            Jar.skip("perf bench or taskset is missing (apt-get install linux-perf util-linux)");
        }
        Chromium.assumeInstalled();
        dir = Files.createTempDirectory("ctxswitch-heatmap");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void aPingPongSeenInTheBrowserAndDrawnAgainFromItsJson() throws Exception {
        Path svg = dir.resolve("live.svg");
        Traced traced = tracePingPong("--heatmap=" + svg);
        Jar.Run run = traced.run();
        List<JsonNode> intervals = traced.intervals();
        JsonNode summary = traced.summary();
        assertThat(summary.get("count").asLong()).isGreaterThanOrEqualTo(80_000); // the ping-pong's 2 × 40000
        assertThat(summary.get("host").asText()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());

        // Well-formed, one cell per non-empty bin of each interval, counts adding up to the summary's.
        byte[] live = Files.readAllBytes(svg);
        Document doc = parse(live);
        List<Element> cells = cells(doc);
        long nonEmptyBins = 0;
        for (JsonNode interval : intervals) {
            for (JsonNode bin : interval.get("histogram")) {
                nonEmptyBins += bin.get("count").asLong() > 0 ? 1 : 0;
            }
        }
        assertThat(cells).hasSize((int) nonEmptyBins);
        assertThat(cells.stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(summary.get("count").asLong());
        List<String> texts = texts(doc);
        assertThat(texts).contains("latency (log scale)", "time since the start", "0 s", "1 s", "switches per cell");
        assertThat(texts).anyMatch(t -> t.endsWith(" us")); // a latency tick in microseconds
        assertThat(texts).anyMatch(t -> t.startsWith("host ") && t.contains("backend libbpf") && t.contains("probe sched-tp"));

        // In the browser: a column for each interval that measured something, the darkest colour where
        // the ping-pong was (the busiest cell), and white where nothing was.
        Element root = doc.getDocumentElement();
        int width = Integer.parseInt(root.getAttribute("width"));
        int height = Integer.parseInt(root.getAttribute("height"));
        BufferedImage png = Chromium.screenshot(svg, width, height, dir.resolve("live.png"));
        assertThat(png.getWidth()).isEqualTo(width);
        Element busiest = cells.stream().max(java.util.Comparator.comparingLong(HeatmapSvgParts::count)).orElseThrow();
        assertThat(rgb(png, centreX(busiest), centreY(busiest))).isEqualTo(DARKEST);
        for (Element cell : cells) { // every cell is painted: no pixel of it is the white plot behind
            assertThat(rgb(png, centreX(cell), centreY(cell))).as(title(cell)).isNotEqualTo(0xffffff);
        }
        java.util.Set<Integer> columnsWithColour = new java.util.TreeSet<>();
        Element plot = plot(doc);
        int plotTop = (int) Double.parseDouble(plot.getAttribute("y")) + 1;
        int plotBottom = plotTop + (int) Double.parseDouble(plot.getAttribute("height")) - 2;
        for (Element cell : cells) {
            int x = (int) centreX(cell);
            for (int y = plotTop; y < plotBottom; y++) {
                if (rgb(png, x, y) != 0xffffff) {
                    columnsWithColour.add(x);
                    break;
                }
            }
        }
        long intervalsWithSwitches = intervals.stream().filter(i -> i.get("count").asLong() > 0).count();
        assertThat(columnsWithColour).hasSize((int) intervalsWithSwitches);
        // above a column's highest cell the plot stays white
        Element lowestTop = cells.stream().max(java.util.Comparator.comparingDouble(c -> Double.parseDouble(c.getAttribute("y"))))
                .orElseThrow();
        double x = centreX(lowestTop);
        double top = cells.stream().filter(c -> centreX(c) == x).mapToDouble(c -> Double.parseDouble(c.getAttribute("y")))
                .min().orElseThrow();
        if (top > plotTop + 4) {
            assertThat(rgb(png, x, plotTop + 1)).isEqualTo(0xffffff);
            assertThat(rgb(png, x, top - 2)).isEqualTo(0xffffff);
        }

        // The run's JSON output replays into the same picture, byte for byte.
        Path ndjson = dir.resolve("run.ndjson");
        Files.writeString(ndjson, run.out());
        Path replayed = dir.resolve("replayed.svg");
        Jar.Run replay = Jar.run("--replay=" + ndjson, "--heatmap=" + replayed);
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.err()).contains("drew " + intervals.size() + " intervals");
        assertThat(Files.readString(replayed)).isEqualTo(new String(live, java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * --per-cpu: the same ping-pong, pinned to CPU 0, seen in CPU 0's panel (in the darkest colour,
     * in every interval it ran) and not in CPU 1's; each panel's cells add up to its CPU's count in
     * the summary, and the JSON output replays to the same SVG byte for byte.
     */
    @Test
    void perCpuAPingPongPinnedToCpu0ShowsInCpu0sPanel() throws Exception {
        Path svg = dir.resolve("cpus.svg");
        Traced traced = tracePingPong("--per-cpu", "--heatmap=" + svg);
        Jar.Run run = traced.run();
        List<JsonNode> intervals = traced.intervals();
        JsonNode summary = traced.summary();
        Map<Integer, Long> perCpu = new java.util.TreeMap<>();
        for (JsonNode cpu : summary.get("per_cpu")) {
            perCpu.put(cpu.get("cpu").asInt(), cpu.get("count").asLong());
        }
        assertThat(perCpu.get(0)).isGreaterThanOrEqualTo(80_000); // the pinned ping-pong's 2 × 40000

        byte[] live = Files.readAllBytes(svg);
        Document doc = parse(live);
        assertThat(cells(doc).stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(summary.get("count").asLong());
        java.util.SortedMap<Integer, List<Element>> byCpu = HeatmapSvgParts.cpuCells(doc);
        Map<Integer, Long> drawn = new java.util.TreeMap<>();
        byCpu.forEach((cpu, list) -> drawn.put(cpu, list.stream().mapToLong(HeatmapSvgParts::count).sum()));
        assertThat(drawn).isEqualTo(perCpu);
        assertThat(texts(doc)).contains("CPU 0");

        // In the browser: CPU 0's busiest cell (the ping-pong) in the darkest colour, where the SVG puts it
        Element root = doc.getDocumentElement();
        BufferedImage png = Chromium.screenshot(svg, Integer.parseInt(root.getAttribute("width")),
                Integer.parseInt(root.getAttribute("height")), dir.resolve("cpus.png"));
        Map<String, Integer> colours = classColours(doc);
        Element busiest = byCpu.get(0).stream().max(java.util.Comparator.comparingLong(HeatmapSvgParts::count)).orElseThrow();
        assertThat(colours.get(busiest.getAttribute("class"))).as(title(busiest)).isEqualTo(DARKEST);
        assertThat(rgb(png, centreX(busiest), centreY(busiest))).as(title(busiest)).isEqualTo(DARKEST);
        // a coloured column in CPU 0's panel for each interval in which CPU 0 switched
        Element frame0 = HeatmapSvgParts.cpuFrame(doc, 0);
        long cpu0Intervals = intervals.stream().filter(i -> countOn(i, 0) > 0).count();
        assertThat(colouredColumns(png, frame0, byCpu.get(0))).hasSize((int) cpu0Intervals);
        // CPU 1's panel shows the darkest colour only where the SVG has a cell of the top class (not the ping-pong)
        if (byCpu.containsKey(1)) {
            boolean darkestCell = byCpu.get(1).stream().anyMatch(c -> colours.get(c.getAttribute("class")) == DARKEST);
            assertThat(pixels(png, HeatmapSvgParts.cpuFrame(doc, 1)).contains(DARKEST)).isEqualTo(darkestCell);
        }

        // The run's JSON output replays into the same picture, byte for byte.
        Path ndjson = dir.resolve("cpus.ndjson");
        Files.writeString(ndjson, run.out());
        Path replayed = dir.resolve("cpus-replayed.svg");
        Jar.Run replay = Jar.run("--replay=" + ndjson, "--per-cpu", "--heatmap=" + replayed);
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(Files.readString(replayed)).isEqualTo(new String(live, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A traced run's output: its interval objects and its summary. */
    private record Traced(Jar.Run run, List<JsonNode> intervals, JsonNode summary) {
    }

    /**
     * A ping-pong of 40000 round trips pinned to CPU 0, traced whole however long it takes on this
     * machine: ctxswitch (--interval=1s --format=json and {@code args}) runs until it is stopped, once the
     * ping-pong has ended and at least two intervals were reported (columns and a time axis to read).
     */
    private Traced tracePingPong(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--backend=libbpf", "--interval=1s", "--format=json"));
        all.addAll(List.of(args));
        Jar.Running ctxswitch = Jar.start(List.of(), Map.of(), all.toArray(String[]::new));
        ctxswitch.awaitErr("tracing with libbpf", 60);
        Process bench = new ProcessBuilder("taskset", "-c", "0", "perf", "bench", "sched", "pipe", "-l", "40000")
                .redirectErrorStream(true).start();
        bench.getInputStream().readAllBytes();
        assertThat(bench.waitFor()).isZero();
        ctxswitch.awaitOut("\"kind\":\"interval\"", 2, 60);
        ctxswitch.signal("INT");
        Jar.Run run = ctxswitch.finish(60);
        assertThat(run.exit()).as(run.err()).isZero();
        List<JsonNode> intervals = new ArrayList<>();
        JsonNode summary = null;
        for (String line : run.out().split("\n")) {
            JsonNode o = JSON.readTree(line);
            if (o.get("kind").asText().equals("interval")) {
                intervals.add(o);
            } else {
                summary = o;
            }
        }
        assertThat(summary).isNotNull();
        return new Traced(run, intervals, summary);
    }

    /** The switches in the interval's histogram of {@code cpu}: what that CPU's panel draws in its column. */
    private static long countOn(JsonNode interval, int cpu) {
        for (JsonNode c : interval.get("per_cpu")) {
            if (c.get("cpu").asInt() == cpu) {
                return c.get("histogram").findValues("count").stream().mapToLong(JsonNode::asLong).sum();
            }
        }
        return 0;
    }

    /** The colour of each cell class, from the SVG's own style sheet. */
    private static Map<String, Integer> classColours(Document doc) {
        Map<String, Integer> colours = new java.util.HashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.(c[0-9])\\{fill:#([0-9a-f]{6})\\}")
                .matcher(doc.getElementsByTagName("style").item(0).getTextContent());
        while (m.find()) {
            colours.put(m.group(1), Integer.parseInt(m.group(2), 16));
        }
        return colours;
    }

    /** The colours inside a panel's frame (its border left out). */
    private static java.util.Set<Integer> pixels(BufferedImage png, Element frame) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        int x0 = (int) Double.parseDouble(frame.getAttribute("x")) + 1;
        int y0 = (int) Double.parseDouble(frame.getAttribute("y")) + 1;
        int x1 = x0 + (int) Double.parseDouble(frame.getAttribute("width")) - 2;
        int y1 = y0 + (int) Double.parseDouble(frame.getAttribute("height")) - 2;
        for (int x = x0; x < x1; x++) {
            for (int y = y0; y < y1; y++) {
                seen.add(rgb(png, x, y));
            }
        }
        return seen;
    }

    /** The x of each of the panel's cell columns that shows some colour inside the frame. */
    private static java.util.Set<Integer> colouredColumns(BufferedImage png, Element frame, List<Element> cells) {
        java.util.Set<Integer> coloured = new java.util.TreeSet<>();
        int top = (int) Double.parseDouble(frame.getAttribute("y")) + 1;
        int bottom = top + (int) Double.parseDouble(frame.getAttribute("height")) - 2;
        for (Element cell : cells) {
            int x = (int) centreX(cell);
            for (int y = top; y < bottom; y++) {
                if (rgb(png, x, y) != 0xffffff) {
                    coloured.add(x);
                    break;
                }
            }
        }
        return coloured;
    }

    private static Element plot(Document doc) {
        NodeList rects = doc.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getAttribute("class").equals("plot")) {
                return r;
            }
        }
        throw new AssertionError("no plot area");
    }

    private static double centreX(Element cell) {
        return Double.parseDouble(cell.getAttribute("x")) + Double.parseDouble(cell.getAttribute("width")) / 2;
    }

    private static double centreY(Element cell) {
        return Double.parseDouble(cell.getAttribute("y")) + Double.parseDouble(cell.getAttribute("height")) / 2;
    }

    private static int rgb(BufferedImage png, double x, double y) {
        return png.getRGB((int) x, (int) y) & 0xffffff;
    }
}
