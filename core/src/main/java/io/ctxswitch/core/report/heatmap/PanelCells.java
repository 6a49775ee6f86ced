package io.ctxswitch.core.report.heatmap;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * The cells of one panel: a rectangle per non-empty bin of each column, coloured by its count, with
 * a {@code <title>} that a browser shows on hover. A panel narrower than its run's columns draws a
 * coarsened grid ({@link HeatmapGrid#coarsened}): each of its columns then covers
 * {@code perColumn} of the run's columns, at the same place on the time axis.
 */
final class PanelCells {
    private PanelCells() {
    }

    /**
     * @param grid        what to draw, its column {@code k} holding the run's columns {@code k × perColumn} and on
     * @param runColumns  how many columns the run has: the time axis's width is {@code runColumns × unit}
     * @param x0          the plot's left edge
     * @param unit        the width of one of the run's columns, in pixels
     * @param titlePrefix what a tooltip starts with ("CPU 3, "), or "" for none
     */
    static void draw(SvgWriter svg, String groupClass, HeatmapGrid grid, int perColumn, int runColumns, double x0,
                     double unit, DoubleUnaryOperator y, ColourScale colours, String titlePrefix) {
        List<HeatmapGrid.Column> columns = grid.columns();
        svg.start("g", "class", groupClass);
        for (int col = 0; col < columns.size(); col++) {
            HeatmapGrid.Column c = columns.get(col);
            String time = Ticks.instantRange(c.startNs(), c.startNs() + c.durationNs());
            int first = col * perColumn;
            double x = x0 + first * unit;
            double width = (Math.min(runColumns, first + perColumn) - first) * unit;
            for (int i = 0; i < c.from().length; i++) {
                double top = y.applyAsDouble(c.to()[i]);
                double cellHeight = y.applyAsDouble(c.from()[i]) - top;
                svg.rect(x, top, width, cellHeight, "c" + colours.classOf(c.count()[i]),
                        titlePrefix + time + ", " + latencyRange(c.from()[i], c.to()[i]) + ": "
                                + String.format(Locale.ROOT, "%,d", c.count()[i]));
            }
        }
        svg.end();
    }

    /** The largest count of a cell in any of {@code grids}: the top of the shared colour scale. */
    static long maxCount(Iterable<HeatmapGrid> grids) {
        long max = 0;
        for (HeatmapGrid grid : grids) {
            for (HeatmapGrid.Column c : grid.columns()) {
                for (long n : c.count()) {
                    max = Math.max(max, n);
                }
            }
        }
        return max;
    }

    /** "1.02-1.28 us", "896 ns-1.02 us": short, since an hour-long map has thousands of them. */
    static String latencyRange(long fromNs, long toNs) {
        String from = io.ctxswitch.core.report.Durations.format(fromNs);
        String to = io.ctxswitch.core.report.Durations.format(toNs);
        String fromUnit = from.substring(from.indexOf(' '));
        return to.endsWith(fromUnit) ? from.substring(0, from.indexOf(' ')) + "-" + to : from + "-" + to;
    }
}
