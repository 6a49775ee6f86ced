package io.ctxswitch.core.report.heatmap;

import static io.ctxswitch.core.testing.HeatmapSvgParts.cells;
import static io.ctxswitch.core.testing.HeatmapSvgParts.parse;
import static io.ctxswitch.core.testing.HeatmapSvgParts.texts;
import static io.ctxswitch.core.testing.HeatmapSvgParts.title;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctxswitch.core.report.HistogramBins.Bin;
import io.ctxswitch.core.testing.HeatmapSvgParts;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

@Timeout(20)
class HeatmapSvgTest {
    static final HeatmapHeader HEADER = new HeatmapHeader("box", "6.18.0", "libbpf", "sched-tp (a -> b)");

    static byte[] render(HeatmapGrid grid, String note) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new HeatmapSvg().write(HEADER, grid, note, out);
        return out.toByteArray();
    }

    static byte[] render(HeatmapPanels panels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new HeatmapSvg().write(HEADER, panels, null, out);
        return out.toByteArray();
    }

    /** The same three intervals, with CPU 0 and CPU 1 (which has no switch in the first interval) on their own. */
    private static HeatmapPanels threeIntervalsOnTwoCpus() {
        HeatmapPanels panels = new HeatmapPanels(true);
        panels.addInterval(1_000_000_000L, List.of(new Bin(768, 896, 100_000), new Bin(896, 1024, 0), new Bin(1024, 1280, 3)),
                java.util.Map.of(0, List.of(new Bin(768, 896, 100_000), new Bin(896, 1024, 0), new Bin(1024, 1280, 3))));
        panels.addInterval(1_000_100_000L, List.of(), java.util.Map.of());
        panels.addInterval(400_000_000L, List.of(new Bin(40_960, 49_152, 7), new Bin(768, 896, 10)),
                java.util.Map.of(0, List.of(new Bin(768, 896, 10)), 1, List.of(new Bin(40_960, 49_152, 7))));
        return panels;
    }

    private static HeatmapGrid threeIntervals() {
        HeatmapGrid grid = new HeatmapGrid();
        grid.addInterval(1_000_000_000L, List.of(new Bin(768, 896, 100_000), new Bin(896, 1024, 0), new Bin(1024, 1280, 3)));
        grid.addInterval(1_000_100_000L, List.of());
        grid.addInterval(400_000_000L, List.of(new Bin(40_960, 49_152, 7)));
        return grid;
    }

    @Test
    void oneCellPerNonEmptyBinWhoseCountsAddUpToTheGrid() throws Exception {
        Document doc = parse(render(threeIntervals(), null));
        List<Element> cells = cells(doc);
        assertThat(cells).hasSize(3);
        assertThat(cells.stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(100_010);
        Element busiest = cells.get(0);
        assertThat(title(busiest))
                .isEqualTo("0.000-1.000 s, 768-896 ns: 100,000");
        assertThat(busiest.getAttribute("class")).isEqualTo("c7"); // the darkest: the largest count
        // the third interval's column starts where the first two ended, after the empty one
        assertThat(Double.parseDouble(cells.get(2).getAttribute("x")) - Double.parseDouble(busiest.getAttribute("x")))
                .isEqualTo(2 * Double.parseDouble(busiest.getAttribute("width")));
        // higher latency is higher up
        assertThat(Double.parseDouble(cells.get(2).getAttribute("y"))).isLessThan(Double.parseDouble(busiest.getAttribute("y")));
    }

    @Test
    void axesLegendAndTitleAreThere() throws Exception {
        List<String> texts = texts(parse(render(threeIntervals(), "in progress")));
        assertThat(texts).contains("latency (log scale)", "time since the start", "switches per cell",
                "1 us", "10 us", "0 s", "1 s", "2 s",
                "host box, kernel 6.18.0, backend libbpf, probe sched-tp (a -> b)",
                "Context-switch latency over time (in progress)");
        assertThat(texts).anyMatch(t -> t.startsWith("100,010 switches in 3 intervals"));
    }

    @Test
    void selfContainedAndTheSameBytesForTheSameFigures() throws Exception {
        byte[] one = render(threeIntervals(), null);
        assertThat(render(threeIntervals(), null)).isEqualTo(one);
        String text = new String(one, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("<script", "<image", "href", "url(", "@import", "@font-face");
    }

    @Test
    void perCpuAPanelPerCpuWhoseCellsAddUpToItsSwitchesOnTheSharedScale() throws Exception {
        Document doc = parse(render(threeIntervalsOnTwoCpus()));
        assertThat(cells(doc)).hasSize(4); // the all-CPU panel, as without --per-cpu
        java.util.SortedMap<Integer, List<Element>> byCpu = HeatmapSvgParts.cpuCells(doc);
        assertThat(byCpu.keySet()).containsExactly(0, 1);
        assertThat(byCpu.get(0).stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(100_013);
        assertThat(byCpu.get(1).stream().mapToLong(HeatmapSvgParts::count).sum()).isEqualTo(7);
        assertThat(texts(doc)).contains("CPU 0", "CPU 1");
        assertThat(title(HeatmapSvgParts.cpuFrame(doc, 0))).isEqualTo("CPU 0: 100,013 switches"); // hover the panel
        Element late = byCpu.get(1).get(0);
        assertThat(title(late)).isEqualTo("CPU 1, 2.000-2.400 s, 41.0-49.2 us: 7");
        // on the all-CPU panel's colour scale (up to 100,000), not on CPU 1's own (up to 7, the darkest)
        assertThat(late.getAttribute("class")).isEqualTo("c" + new ColourScale(100_000).classOf(7)).isNotEqualTo("c7");
        // the same time axis: CPU 1's only cell is in the third column, as the 7 switches are above
        Element above = cells(doc).stream().filter(c -> title(c).endsWith(": 7")).findFirst().orElseThrow();
        Element frame1 = HeatmapSvgParts.cpuFrame(doc, 1);
        Element main = cells(doc).get(0);
        double mainLeft = Double.parseDouble(main.getAttribute("x"));
        double share = (Double.parseDouble(above.getAttribute("x")) - mainLeft) / Double.parseDouble(main.getAttribute("width"));
        double panelShare = (Double.parseDouble(late.getAttribute("x")) - Double.parseDouble(frame1.getAttribute("x")))
                / Double.parseDouble(late.getAttribute("width"));
        assertThat(panelShare).isCloseTo(share, org.assertj.core.data.Offset.offset(0.1));
        // two CPUs side by side, below the all-CPU panel
        Element frame0 = HeatmapSvgParts.cpuFrame(doc, 0);
        assertThat(frame1.getAttribute("y")).isEqualTo(frame0.getAttribute("y"));
        assertThat(Double.parseDouble(frame1.getAttribute("x")))
                .isGreaterThan(Double.parseDouble(frame0.getAttribute("x")) + Double.parseDouble(frame0.getAttribute("width")));
        assertThat(Double.parseDouble(frame0.getAttribute("y"))).isGreaterThan(Double.parseDouble(main.getAttribute("y")));
    }

    @Test
    void manyCpusFillRowsOfEightAndMergeColumnsTooNarrowToSee() throws Exception {
        HeatmapPanels panels = new HeatmapPanels(true);
        java.util.Map<Integer, List<Bin>> byCpu = new java.util.TreeMap<>();
        for (int cpu = 0; cpu < 64; cpu++) {
            byCpu.put(cpu, List.of(new Bin(1024, 1280, cpu + 1)));
        }
        for (int i = 0; i < 256; i++) {
            panels.addInterval(1_000_000_000L, List.of(new Bin(1024, 1280, 64 * 65 / 2)), byCpu);
        }
        Document doc = parse(render(panels));
        java.util.SortedMap<Integer, List<Element>> cells = HeatmapSvgParts.cpuCells(doc);
        assertThat(cells).hasSize(64);
        java.util.Set<String> lefts = new java.util.TreeSet<>();
        for (int cpu = 0; cpu < 64; cpu++) {
            assertThat(cells.get(cpu).stream().mapToLong(HeatmapSvgParts::count).sum()).as("CPU %d", cpu).isEqualTo(256L * (cpu + 1));
            lefts.add(HeatmapSvgParts.cpuFrame(doc, cpu).getAttribute("x"));
            for (Element cell : cells.get(cpu)) {
                assertThat(Double.parseDouble(cell.getAttribute("width"))).isGreaterThanOrEqualTo(CpuPanels.MIN_COLUMN_PX);
            }
        }
        assertThat(lefts).hasSize(CpuPanels.MOST_PER_ROW);
        assertThat(cells.get(0)).hasSizeLessThan(256); // merged: each cell holds several intervals
        assertThat(texts(doc)).anyMatch(t -> t.contains("each column here holding " + 256 / cells.get(0).size() + " of the columns above"));
    }

    @Test
    void withoutPerCpuThePanelsAreTheGridAlone() throws Exception {
        HeatmapPanels panels = threeIntervalsOnTwoCpus();
        HeatmapPanels allOnly = new HeatmapPanels(false);
        allOnly.addInterval(1_000_000_000L, List.of(new Bin(768, 896, 100_000), new Bin(896, 1024, 0), new Bin(1024, 1280, 3)),
                java.util.Map.of(0, List.of(new Bin(768, 896, 100_000))));
        allOnly.addInterval(1_000_100_000L, List.of(), java.util.Map.of());
        allOnly.addInterval(400_000_000L, List.of(new Bin(40_960, 49_152, 7), new Bin(768, 896, 10)), java.util.Map.of());
        assertThat(allOnly.cpus()).isEmpty();
        assertThat(render(allOnly)).isEqualTo(render(panels.all(), null));
    }

    @Test
    void anEmptyGridIsAFrameSayingSo() throws Exception {
        Document doc = parse(render(new HeatmapGrid(), "waiting for the first interval"));
        assertThat(cells(doc)).isEmpty();
        assertThat(texts(doc)).contains("no switch measured yet");
    }
}
