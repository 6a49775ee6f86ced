package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.report.Durations;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * Draws {@link HeatmapPanels} as a self-contained SVG (no script, font, or image from outside):
 * time since the start across, latency up on a log scale, one rectangle per non-empty bin of each
 * column coloured by its count, each with a {@code <title>} that a browser shows on hover; with
 * {@code --per-cpu}, a small panel per CPU below ({@link CpuPanels}) on the same axes and colours.
 * The same figures and header always give the same bytes, which is what lets a replay of a run's
 * JSON output be compared with the live run's picture.
 */
public final class HeatmapSvg {
    static final int LEFT = 80;
    static final int TOP = 76;
    static final int RIGHT = 190;
    static final int BOTTOM = 52;
    static final int PLOT_WIDTH = 1024;
    static final int PLOT_HEIGHT = 420;
    /** Where the legend's last possible row ends: per-CPU panels start below it, should they reach under it. */
    private static final int LEGEND_BOTTOM = TOP + 22 + ColourScale.PALETTE.length * 20;

    /** Writes the picture of one grid (all CPUs together). */
    public void write(HeatmapHeader header, HeatmapGrid grid, String note, OutputStream out) {
        write(header, new HeatmapPanels(grid, false), note, out);
    }

    /** Writes the picture of {@code panels}; {@code note} (e.g. "in progress"), if not null, ends the title. */
    public void write(HeatmapHeader header, HeatmapPanels panels, String note, OutputStream out) {
        HeatmapGrid grid = panels.all();
        List<HeatmapGrid.Column> columns = grid.columns();
        int columnWidth = columns.isEmpty() ? 40 : Math.max(2, Math.min(40, PLOT_WIDTH / columns.size()));
        int plotWidth = Math.max(columnWidth * columns.size(), 200);
        CpuPanels cpus = panels.cpus().isEmpty() ? null : new CpuPanels(panels.cpus(), columns.size(), columnWidth, plotWidth);
        List<HeatmapGrid> drawn = new ArrayList<>(List.of(grid));
        if (cpus != null) {
            drawn.addAll(cpus.grids());
        }
        LatencyRange range = LatencyRange.of(drawn);
        long maxCount = PanelCells.maxCount(drawn);
        double perOctave = Math.max(8, Math.min(60, Math.floor(PLOT_HEIGHT / range.octaves())));
        int plotHeight = (int) (perOctave * range.octaves());
        int width = LEFT + plotWidth + RIGHT;
        int height = TOP + plotHeight + BOTTOM;
        int cpusTop = Math.max(height, LEGEND_BOTTOM + 8);
        if (cpus != null) {
            width = Math.max(width, LEFT + cpus.width() + 24);
            height = cpusTop + cpus.height();
        }
        ColourScale colours = new ColourScale(maxCount);
        double bottom = TOP + plotHeight;
        DoubleUnaryOperator y = range.y(bottom, perOctave);

        try (SvgWriter svg = new SvgWriter(out, width, height)) {
            svg.textElement("title", "ctxswitch: context-switch latency over time (" + header.line() + ")");
            svg.textElement("style", style(colours) + (cpus == null ? "" : CpuPanels.STYLE));
            svg.empty("rect", "width", width, "height", height, "fill", "#ffffff");
            title(svg, header, grid, note);
            svg.empty("rect", "class", "plot", "x", LEFT, "y", TOP, "width", plotWidth, "height", plotHeight);
            PanelCells.draw(svg, "cells", grid, 1, columns.size(), LEFT, columnWidth, y, colours, "");
            PanelAxes.latency(svg, y, range, LEFT, true, true);
            double middle = TOP + plotHeight / 2.0;
            svg.textElement("text", "latency (log scale)", "x", 16, "y", middle, "text-anchor", "middle",
                    "transform", "rotate(-90 16 " + SvgWriter.value(middle) + ")");
            PanelAxes.time(svg, columns, LEFT, columnWidth, bottom, 10, true);
            svg.textElement("text", "time since the start", "x", LEFT, "y", bottom + 42);
            if (range.empty()) {
                svg.textElement("text", "no switch measured yet", "x", LEFT + plotWidth / 2, "y", TOP + plotHeight / 2,
                        "text-anchor", "middle");
            }
            legend(svg, colours, LEFT + plotWidth + 24, range.empty());
            if (cpus != null) {
                cpus.draw(svg, LEFT, cpusTop, columns, range, colours);
            }
        }
    }

    private static void title(SvgWriter svg, HeatmapHeader header, HeatmapGrid grid, String note) {
        svg.textElement("text", "Context-switch latency over time" + (note == null ? "" : " (" + note + ")"),
                "class", "title", "x", LEFT, "y", 24);
        svg.textElement("text", header.line(), "x", LEFT, "y", 44);
        String span = grid.span() == 1 ? "one column per interval of " + Durations.format(grid.firstIntervalNs())
                : "one column per " + grid.span() + " intervals of " + Durations.format(grid.firstIntervalNs());
        svg.textElement("text", String.format(Locale.ROOT, "%,d switches in %,d intervals (%s); %s; hover a cell for its figures",
                grid.total(), grid.intervals(), Durations.format(grid.elapsedNs()), span), "x", LEFT, "y", 62);
    }

    private static void legend(SvgWriter svg, ColourScale colours, int x, boolean empty) {
        svg.start("g", "class", "legend");
        svg.textElement("text", "switches per cell", "x", x, "y", TOP + 10);
        if (!empty) {
            for (int c = colours.classes() - 1, row = 0; c >= 0; c--, row++) {
                int top = TOP + 22 + row * 20;
                long high = colours.highest(c);
                String range = high < 0 ? String.format(Locale.ROOT, "%,d or more", colours.lowest(c))
                        : high == colours.lowest(c) ? String.format(Locale.ROOT, "%,d", high)
                        : String.format(Locale.ROOT, "%,d to %,d", colours.lowest(c), high);
                svg.empty("rect", "x", x, "y", top, "width", 16, "height", 14, "class", "c" + c);
                svg.textElement("text", range, "x", x + 22, "y", top + 11);
            }
        }
        svg.end();
    }

    private static String style(ColourScale colours) {
        StringBuilder css = new StringBuilder("text{font:12px sans-serif;fill:#222}.title{font-size:16px;font-weight:bold}"
                + ".plot{fill:#ffffff;stroke:#888}.axis line{stroke:#444}");
        for (int c = 0; c < colours.classes(); c++) {
            css.append(".c").append(c).append("{fill:").append(colours.colour(c)).append('}');
        }
        return css.toString(); // CSS text, escaped by the XML writer like any other text
    }
}
