package io.ctxswitch.core.report.heatmap;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts to colours: up to eight classes with bounds spaced evenly in log(count), since a cell's
 * count ranges from 1 to hundreds of thousands and a linear scale would show only the busiest cell.
 * Classes rather than a continuous gradient: each has a CSS class (a few bytes per cell) and a line
 * in the legend that says exactly which counts it holds.
 */
final class ColourScale {
    /** Light to dark (ColorBrewer's YlOrRd, light end dropped so that the palest cell still shows on white). */
    static final String[] PALETTE = {"#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"};

    private final long[] lower; // lower[i]: the smallest count of class i

    ColourScale(long maxCount) {
        List<Long> bounds = new ArrayList<>();
        long max = Math.max(1, maxCount);
        for (int i = 0; i < PALETTE.length; i++) {
            long bound = Math.max(1, (long) Math.floor(Math.pow(max, (double) i / PALETTE.length)));
            if (bounds.isEmpty() || bound > bounds.get(bounds.size() - 1)) {
                bounds.add(bound);
            }
        }
        lower = bounds.stream().mapToLong(Long::longValue).toArray();
    }

    int classes() {
        return lower.length;
    }

    /** The class of a count of at least 1. */
    int classOf(long count) {
        int c = 0;
        while (c + 1 < lower.length && count >= lower[c + 1]) {
            c++;
        }
        return c;
    }

    /** The colour of class {@code c}: the darkest class is always the palette's darkest. */
    String colour(int c) {
        return PALETTE[PALETTE.length - lower.length + c];
    }

    long lowest(int c) {
        return lower[c];
    }

    /** The largest count of class {@code c}, or -1 for the top class (open-ended up to the maximum). */
    long highest(int c) {
        return c + 1 < lower.length ? lower[c + 1] - 1 : -1;
    }
}
