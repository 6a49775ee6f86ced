package io.ctxswitch.core.report.heatmap;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** The ticks along a panel's left edge (latency) and bottom edge (time since the start). */
final class PanelAxes {
    private PanelAxes() {
    }

    /** The least height between two latency labels, so that a short panel's labels do not overlap. */
    static final double LABEL_SPACING = 13;

    /**
     * Ticks at round latencies left of the plot at {@code x0}; labelled if {@code labels}, skipping a
     * label too close above the previous one. {@code fine} allows ticks at 2 and 5 times a power of
     * ten too, where the range is short.
     */
    static void latency(SvgWriter svg, DoubleUnaryOperator y, LatencyRange range, double x0, boolean labels, boolean fine) {
        svg.start("g", "class", "axis");
        double labelled = Double.POSITIVE_INFINITY;
        for (long tick : Ticks.latencies(range.lowNs(), range.highNs(), fine)) {
            double ty = y.applyAsDouble(tick);
            svg.empty("line", "x1", x0 - 6, "y1", ty, "x2", x0, "y2", ty);
            if (labels && labelled - ty >= LABEL_SPACING) {
                svg.textElement("text", Ticks.latency(tick), "x", x0 - 9, "y", ty + 4, "text-anchor", "end");
                labelled = ty;
            }
        }
        svg.end();
    }

    /**
     * Ticks at round times since the start below the plot, each placed inside the run's column that
     * holds that time; at most about {@code maxLabels}, labelled if {@code labels}.
     *
     * @param columns the run's columns, {@code unit} pixels wide each from {@code x0}
     */
    static void time(SvgWriter svg, List<HeatmapGrid.Column> columns, double x0, double unit, double bottom,
                     int maxLabels, boolean labels) {
        svg.start("g", "class", "axis");
        if (!columns.isEmpty()) {
            HeatmapGrid.Column last = columns.get(columns.size() - 1);
            long end = last.startNs() + last.durationNs();
            long step = Ticks.timeStepSeconds(end, maxLabels);
            int col = 0;
            for (long s = 0; s * 1_000_000_000L <= end; s += step) {
                long t = s * 1_000_000_000L;
                while (col < columns.size() - 1 && columns.get(col).startNs() + columns.get(col).durationNs() <= t) {
                    col++;
                }
                HeatmapGrid.Column c = columns.get(col);
                double within = c.durationNs() == 0 ? 0 : Math.min(1, (double) (t - c.startNs()) / c.durationNs());
                double x = x0 + (col + within) * unit;
                svg.empty("line", "x1", x, "y1", bottom, "x2", x, "y2", bottom + 6);
                if (labels) {
                    svg.textElement("text", Ticks.elapsed(s), "x", x, "y", bottom + 20, "text-anchor", "middle");
                }
            }
        }
        svg.end();
    }
}
