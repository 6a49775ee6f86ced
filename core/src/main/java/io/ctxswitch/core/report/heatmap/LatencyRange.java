package io.ctxswitch.core.report.heatmap;

import java.util.Collection;
import java.util.function.DoubleUnaryOperator;

/**
 * The latency axis every panel of a heat map shares: whole powers of two from below the lowest bin
 * drawn to above the highest, so that all panels put a latency at the same height.
 *
 * @param empty no cell to draw: the axis spans 1 us to 8 us, for the frame
 */
record LatencyRange(double lowOctave, double highOctave, boolean empty) {

    static LatencyRange of(Collection<HeatmapGrid> grids) {
        long low = Long.MAX_VALUE;
        long high = 0;
        for (HeatmapGrid grid : grids) {
            for (HeatmapGrid.Column c : grid.columns()) {
                for (int i = 0; i < c.from().length; i++) {
                    low = Math.min(low, Math.max(1, c.from()[i]));
                    high = Math.max(high, c.to()[i]);
                }
            }
        }
        if (high == 0) {
            return new LatencyRange(10, 13, true);
        }
        double lowOctave = Math.floor(log2(low));
        return new LatencyRange(lowOctave, Math.max(lowOctave + 1, Math.ceil(log2(high))), false);
    }

    double octaves() {
        return highOctave - lowOctave;
    }

    double lowNs() {
        return Math.pow(2, lowOctave);
    }

    double highNs() {
        return Math.pow(2, highOctave);
    }

    /** Latency to height in a plot whose bottom edge is at {@code bottom}, {@code perOctave} pixels per power of two. */
    DoubleUnaryOperator y(double bottom, double perOctave) {
        return ns -> bottom - (log2(Math.max(ns, 0.5)) - lowOctave) * perOctave;
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }
}
