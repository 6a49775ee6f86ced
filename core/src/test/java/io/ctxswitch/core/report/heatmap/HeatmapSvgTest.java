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
    void anEmptyGridIsAFrameSayingSo() throws Exception {
        Document doc = parse(render(new HeatmapGrid(), "waiting for the first interval"));
        assertThat(cells(doc)).isEmpty();
        assertThat(texts(doc)).contains("no switch measured yet");
    }
}
