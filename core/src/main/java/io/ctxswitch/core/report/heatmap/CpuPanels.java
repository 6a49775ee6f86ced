package io.ctxswitch.core.report.heatmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;

/**
 * The small multiples of {@code --per-cpu}: one panel per CPU, in rows below the all-CPU panel, on
 * its time and latency axes (scaled down) and its colours. Up to {@value #MOST_PER_ROW} panels a row
 * (two CPUs side by side, 64 in an 8 × 8 square, 256 in 32 rows of 8), each at least
 * {@value #MIN_PLOT_WIDTH} pixels wide. A panel too narrow to give each of the run's columns
 * {@value #MIN_COLUMN_PX} pixels draws them merged in pairs (or fours...), which also keeps the file
 * of a many-CPU machine from growing with every interval of every CPU.
 */
final class CpuPanels {
    static final int MOST_PER_ROW = 8;
    static final int MIN_PLOT_WIDTH = 100;
    static final int WIDE_PLOT_WIDTH = 400; // what a panel gets, up to the all-CPU plot's full width, when there are few
    static final double MIN_COLUMN_PX = 3;
    static final int GAP = 48; // room for one panel's last time label ("1:00:00") and the next one's first
    static final int HEADING = 28;
    static final int ABOVE = 18; // each panel's title
    static final int BELOW = 30; // each panel's time ticks and labels

    /** Columns a fraction of a pixel wide would show seams where anti-aliased edges meet. */
    static final String STYLE = ".cpu-cells rect{shape-rendering:crispEdges}";

    private final SortedMap<Integer, HeatmapGrid> grids = new TreeMap<>(); // coarsened as drawn
    private final int runColumns;
    private final int perRow;
    private final int width;
    private final double plotWidth;
    private final int plotHeight;
    private final double unit; // the width of one of the run's columns
    private final int perColumn; // the run's columns in one of a panel's

    /**
     * @param cpus          each CPU's grid, over the run's columns
     * @param runColumns    how many columns the all-CPU panel has
     * @param mainUnit      their width there, in pixels
     * @param mainPlotWidth the all-CPU plot's width: a panel takes the same share of its own width
     */
    CpuPanels(SortedMap<Integer, HeatmapGrid> cpus, int runColumns, double mainUnit, int mainPlotWidth) {
        this.runColumns = runColumns;
        perRow = Math.min(MOST_PER_ROW, (int) Math.ceil(Math.sqrt(cpus.size())));
        // As wide as the all-CPU plot, and wide enough to read even when that one is narrow (a short run)
        width = Math.max(Math.max(mainPlotWidth, Math.min(HeatmapSvg.PLOT_WIDTH, perRow * WIDE_PLOT_WIDTH)),
                perRow * MIN_PLOT_WIDTH + (perRow - 1) * GAP);
        plotWidth = (double) (width - (perRow - 1) * GAP) / perRow;
        plotHeight = (int) Math.max(60, Math.min(180, Math.round(plotWidth * 0.4)));
        unit = mainUnit * plotWidth / mainPlotWidth;
        int merge = 1;
        while (unit * merge < MIN_COLUMN_PX) {
            merge *= 2;
        }
        int most = (runColumns + merge - 1) / merge;
        int drawn = 1;
        for (Map.Entry<Integer, HeatmapGrid> e : cpus.entrySet()) {
            HeatmapGrid coarse = e.getValue().coarsened(most);
            grids.put(e.getKey(), coarse);
            drawn = coarse.span() / e.getValue().span();
        }
        perColumn = drawn;
    }

    /** Whether a panel is wide enough for its count beside its title ("CPU 127" and "12,345,678"). */
    private boolean countShown() {
        return plotWidth >= 160;
    }

    /** The grids as drawn, for the shared latency axis and colour scale. */
    List<HeatmapGrid> grids() {
        return new ArrayList<>(grids.values());
    }

    /** The width the panels take, in pixels, from the all-CPU plot's left edge. */
    int width() {
        return width;
    }

    /** The height the panels and their heading take, in pixels. */
    int height() {
        int rows = (grids.size() + perRow - 1) / perRow;
        return HEADING + rows * (ABOVE + plotHeight + BELOW);
    }

    /** Draws the heading and the panels from {@code top} down, the plots' left edges from {@code left}. */
    void draw(SvgWriter svg, double left, double top, List<HeatmapGrid.Column> runColumnList, LatencyRange range,
              ColourScale colours) {
        svg.textElement("text", String.format(Locale.ROOT, "Each CPU that had a switch (%d): the same time and latency axes"
                        + " and colours as above%s; %s", grids.size(),
                perColumn == 1 ? "" : ", each column here holding " + perColumn + " of the columns above",
                countShown() ? "its switches at its top right" : "hover a panel for its switches"),
                "x", left, "y", top + 16);
        double perOctave = plotHeight / range.octaves();
        int i = 0;
        for (Map.Entry<Integer, HeatmapGrid> e : grids.entrySet()) {
            int row = i / perRow;
            int col = i % perRow;
            double x = left + col * (plotWidth + GAP);
            double plotTop = top + HEADING + row * (ABOVE + plotHeight + BELOW) + ABOVE;
            double bottom = plotTop + plotHeight;
            DoubleUnaryOperator y = range.y(bottom, perOctave);
            String cpu = "CPU " + e.getKey();
            svg.start("g", "class", "cpu", "id", "cpu-" + e.getKey());
            svg.textElement("text", cpu, "class", "cpu-title", "x", x, "y", plotTop - 5);
            String switches = String.format(Locale.ROOT, "%,d", e.getValue().total());
            if (countShown()) {
                svg.textElement("text", switches, "class", "cpu-count", "x", x + plotWidth, "y", plotTop - 5, "text-anchor", "end");
            }
            svg.rect(x, plotTop, plotWidth, plotHeight, "plot", cpu + ": " + switches + " switches");
            PanelCells.draw(svg, "cpu-cells", e.getValue(), perColumn, runColumns, x, unit, y, colours, cpu + ", ");
            PanelAxes.latency(svg, y, range, x, col == 0, false);
            boolean lowest = i + perRow >= grids.size(); // no panel below it: its time labels show
            PanelAxes.time(svg, runColumnList, x, unit, bottom, Math.max(2, (int) (plotWidth / 90)), lowest);
            svg.end();
            i++;
        }
    }
}
