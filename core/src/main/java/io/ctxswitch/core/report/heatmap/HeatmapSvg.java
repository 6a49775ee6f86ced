package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.report.Durations;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link HeatmapGrid} as a self-contained SVG (no script, font, or image from outside):
 * time since the start across, latency up on a log scale, one rectangle per non-empty bin of each
 * column coloured by its count, each with a {@code <title>} that a browser shows on hover. The
 * same grid and header always give the same bytes, which is what lets a replay of a run's JSON
 * output be compared with the live run's picture.
 */
public final class HeatmapSvg {
    static final int LEFT = 80;
    static final int TOP = 76;
    static final int RIGHT = 190;
    static final int BOTTOM = 52;
    static final int PLOT_WIDTH = 1024;
    static final int PLOT_HEIGHT = 420;

    /** Writes the picture of {@code grid}; {@code note} (e.g. "in progress"), if not null, ends the title. */
    public void write(HeatmapHeader header, HeatmapGrid grid, String note, OutputStream out) {
        List<HeatmapGrid.Column> columns = grid.columns();
        int columnWidth = columns.isEmpty() ? 40 : Math.max(2, Math.min(40, PLOT_WIDTH / columns.size()));
        int plotWidth = Math.max(columnWidth * columns.size(), 200);
        long low = Long.MAX_VALUE;
        long high = 0;
        long maxCount = 0;
        for (HeatmapGrid.Column c : columns) {
            for (int i = 0; i < c.from().length; i++) {
                low = Math.min(low, Math.max(1, c.from()[i]));
                high = Math.max(high, c.to()[i]);
                maxCount = Math.max(maxCount, c.count()[i]);
            }
        }
        boolean empty = maxCount == 0;
        double lowOctave = empty ? 10 : Math.floor(log2(low)); // empty: 1 us to 8 us, for the frame
        double highOctave = empty ? 13 : Math.max(lowOctave + 1, Math.ceil(log2(high)));
        double perOctave = Math.max(8, Math.min(60, Math.floor(PLOT_HEIGHT / (highOctave - lowOctave))));
        int plotHeight = (int) (perOctave * (highOctave - lowOctave));
        int width = LEFT + plotWidth + RIGHT;
        int height = TOP + plotHeight + BOTTOM;
        ColourScale colours = new ColourScale(maxCount);
        double bottom = TOP + plotHeight;
        java.util.function.DoubleUnaryOperator y = ns -> bottom - (log2(Math.max(ns, 0.5)) - lowOctave) * perOctave;

        try (SvgWriter svg = new SvgWriter(out, width, height)) {
            svg.textElement("title", "ctxswitch: context-switch latency over time (" + header.line() + ")");
            svg.textElement("style", style(colours));
            svg.empty("rect", "width", width, "height", height, "fill", "#ffffff");
            title(svg, header, grid, note, width);
            svg.empty("rect", "class", "plot", "x", LEFT, "y", TOP, "width", plotWidth, "height", plotHeight);
            svg.start("g", "class", "cells");
            for (int col = 0; col < columns.size(); col++) {
                HeatmapGrid.Column c = columns.get(col);
                String time = Ticks.instantRange(c.startNs(), c.startNs() + c.durationNs());
                int x = LEFT + col * columnWidth;
                for (int i = 0; i < c.from().length; i++) {
                    double top = y.applyAsDouble(c.to()[i]);
                    double cellHeight = y.applyAsDouble(c.from()[i]) - top;
                    svg.rect(x, top, columnWidth, cellHeight, "c" + colours.classOf(c.count()[i]),
                            time + ", " + latencyRange(c.from()[i], c.to()[i]) + ": "
                                    + String.format(Locale.ROOT, "%,d", c.count()[i]));
                }
            }
            svg.end();
            latencyAxis(svg, y, Math.pow(2, lowOctave), Math.pow(2, highOctave), plotHeight);
            timeAxis(svg, columns, columnWidth, bottom);
            if (empty) {
                svg.textElement("text", "no switch measured yet", "x", LEFT + plotWidth / 2, "y", TOP + plotHeight / 2,
                        "text-anchor", "middle");
            }
            legend(svg, colours, LEFT + plotWidth + 24, empty);
        }
    }

    private static void title(SvgWriter svg, HeatmapHeader header, HeatmapGrid grid, String note, int width) {
        svg.textElement("text", "Context-switch latency over time" + (note == null ? "" : " (" + note + ")"),
                "class", "title", "x", LEFT, "y", 24);
        svg.textElement("text", header.line(), "x", LEFT, "y", 44);
        String span = grid.span() == 1 ? "one column per interval of " + Durations.format(grid.firstIntervalNs())
                : "one column per " + grid.span() + " intervals of " + Durations.format(grid.firstIntervalNs());
        svg.textElement("text", String.format(Locale.ROOT, "%,d switches in %,d intervals (%s); %s; hover a cell for its figures",
                grid.total(), grid.intervals(), Durations.format(grid.elapsedNs()), span), "x", LEFT, "y", 62);
    }

    private static void latencyAxis(SvgWriter svg, java.util.function.DoubleUnaryOperator y, double low, double high,
                                    int plotHeight) {
        svg.start("g", "class", "axis");
        for (long tick : Ticks.latencies(low, high)) {
            double ty = y.applyAsDouble(tick);
            svg.empty("line", "x1", LEFT - 6, "y1", ty, "x2", LEFT, "y2", ty);
            svg.textElement("text", Ticks.latency(tick), "x", LEFT - 9, "y", ty + 4, "text-anchor", "end");
        }
        svg.end();
        double middle = TOP + plotHeight / 2.0;
        svg.textElement("text", "latency (log scale)", "x", 16, "y", middle, "text-anchor", "middle",
                "transform", "rotate(-90 16 " + SvgWriter.value(middle) + ")");
    }

    /** Labels at round times since the start, placed inside the column that holds that time. */
    private static void timeAxis(SvgWriter svg, List<HeatmapGrid.Column> columns, int columnWidth, double bottom) {
        svg.start("g", "class", "axis");
        if (!columns.isEmpty()) {
            HeatmapGrid.Column last = columns.get(columns.size() - 1);
            long end = last.startNs() + last.durationNs();
            long step = Ticks.timeStepSeconds(end);
            int col = 0;
            for (long s = 0; s * 1_000_000_000L <= end; s += step) {
                long t = s * 1_000_000_000L;
                while (col < columns.size() - 1 && columns.get(col).startNs() + columns.get(col).durationNs() <= t) {
                    col++;
                }
                HeatmapGrid.Column c = columns.get(col);
                double within = c.durationNs() == 0 ? 0 : Math.min(1, (double) (t - c.startNs()) / c.durationNs());
                double x = LEFT + (col + within) * columnWidth;
                svg.empty("line", "x1", x, "y1", bottom, "x2", x, "y2", bottom + 6);
                svg.textElement("text", Ticks.elapsed(s), "x", x, "y", bottom + 20, "text-anchor", "middle");
            }
        }
        svg.end();
        svg.textElement("text", "time since the start", "x", LEFT, "y", bottom + 42);
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

    /** "1.02-1.28 us", "896 ns-1.02 us": short, since an hour-long map has thousands of them. */
    static String latencyRange(long fromNs, long toNs) {
        String from = Durations.format(fromNs);
        String to = Durations.format(toNs);
        String fromUnit = from.substring(from.indexOf(' '));
        return to.endsWith(fromUnit) ? from.substring(0, from.indexOf(' ')) + "-" + to : from + "-" + to;
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }
}
