package io.ctxswitch.core.report.heatmap;

import io.ctxswitch.core.report.HistogramBins;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a heat map shows: one column per interval, each holding the counts of the report's histogram
 * bins (four per power of two, the same bins as the JSON {@code histogram}), so that a live run and
 * the replay of its JSON output fill the same grid from the same figures.
 *
 * <p>Bounded: past {@link #maxColumns} columns, neighbouring columns merge in pairs and each column
 * then spans twice as many intervals. An hour at 1 s stays a picture a browser opens at once and
 * that fits a screen (225 columns of 16 s), and a day-long run does not fill the heap. Merging
 * depends only on the sequence of intervals, so a replay merges exactly as the live run did.
 */
public final class HeatmapGrid {
    /**
     * The most columns drawn: 4 pixels each or more across 1024. With 512, an hour of a ping-pong
     * at 1 s (450 columns of 8 s, 50 cells each, each with its tooltip) came to 2.9 MB; with 256,
     * under 2 MB (bench/heatmap-hour.sh).
     */
    public static final int DEFAULT_MAX_COLUMNS = 256;

    /**
     * Intervals {@code [startNs, startNs + durationNs)} since the start, and the non-empty bins:
     * {@code from[i] <= latency < to[i]} for {@code count[i]} switches, ordered by {@code from}.
     */
    public record Column(long startNs, long durationNs, int intervals, long[] from, long[] to, long[] count) {
        public long total() {
            return Arrays.stream(count).sum();
        }

        Column merge(Column next) {
            int n = from.length + next.from.length;
            long[] f = new long[n];
            long[] t = new long[n];
            long[] c = new long[n];
            int i = 0;
            int j = 0;
            int k = 0;
            while (i < from.length || j < next.from.length) {
                if (j == next.from.length || (i < from.length && from[i] < next.from[j])) {
                    f[k] = from[i];
                    t[k] = to[i];
                    c[k++] = count[i++];
                } else if (i == from.length || next.from[j] < from[i]) {
                    f[k] = next.from[j];
                    t[k] = next.to[j];
                    c[k++] = next.count[j++];
                } else { // the same bin: bins sit on one grid of edges
                    f[k] = from[i];
                    t[k] = to[i];
                    c[k++] = count[i++] + next.count[j++];
                }
            }
            return new Column(startNs, durationNs + next.durationNs, intervals + next.intervals,
                    Arrays.copyOf(f, k), Arrays.copyOf(t, k), Arrays.copyOf(c, k));
        }
    }

    private final int maxColumns;
    private final List<Column> columns = new ArrayList<>();
    private int span = 1; // intervals per column
    private int intervals;
    private long elapsedNs;
    private long firstIntervalNs;

    public HeatmapGrid() {
        this(DEFAULT_MAX_COLUMNS);
    }

    public HeatmapGrid(int maxColumns) {
        if (maxColumns < 2 || maxColumns % 2 != 0) {
            throw new IllegalArgumentException("maxColumns must be even and at least 2, not " + maxColumns);
        }
        this.maxColumns = maxColumns;
    }

    /** One interval of {@code durationNs} with its histogram (empty bins are skipped). */
    public void addInterval(long durationNs, List<HistogramBins.Bin> bins) {
        if (durationNs < 0) {
            throw new IllegalArgumentException("negative interval " + durationNs);
        }
        List<HistogramBins.Bin> sorted = bins.stream().filter(b -> b.count() > 0)
                .sorted(java.util.Comparator.comparingLong(HistogramBins.Bin::fromNs)).toList();
        long[] f = new long[sorted.size()];
        long[] t = new long[sorted.size()];
        long[] c = new long[sorted.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = sorted.get(i).fromNs();
            t[i] = sorted.get(i).toNs();
            c[i] = sorted.get(i).count();
        }
        Column column = new Column(elapsedNs, durationNs, 1, f, t, c);
        if (intervals == 0) {
            firstIntervalNs = durationNs;
        }
        elapsedNs += durationNs;
        intervals++;
        Column last = columns.isEmpty() ? null : columns.get(columns.size() - 1);
        if (last != null && last.intervals() < span) {
            columns.set(columns.size() - 1, last.merge(column));
            return;
        }
        if (columns.size() == maxColumns) {
            halve();
            last = columns.get(columns.size() - 1);
            if (last.intervals() < span) {
                columns.set(columns.size() - 1, last.merge(column));
                return;
            }
        }
        columns.add(column);
    }

    /** Merges neighbouring columns in pairs; each column then spans twice as many intervals. */
    private void halve() {
        List<Column> merged = new ArrayList<>(columns.size() / 2 + 1);
        for (int i = 0; i < columns.size(); i += 2) {
            merged.add(i + 1 < columns.size() ? columns.get(i).merge(columns.get(i + 1)) : columns.get(i));
        }
        columns.clear();
        columns.addAll(merged);
        span *= 2;
    }

    /**
     * The same intervals with no switch in them: where a CPU's grid starts when that CPU's first
     * switch comes after the run's first interval, so that every CPU's columns are the run's columns.
     */
    HeatmapGrid emptyCopy() {
        return withColumns(columns.stream()
                .map(c -> new Column(c.startNs(), c.durationNs(), c.intervals(), new long[0], new long[0], new long[0])).toList());
    }

    /**
     * A copy whose neighbouring columns are merged in pairs, as a long run's are, until at most
     * {@code most} are left: for a panel too narrow to give each column two pixels. Column {@code k}
     * of the copy holds columns {@code k × f} to {@code k × f + f - 1} of this grid, f a power of two.
     */
    HeatmapGrid coarsened(int most) {
        HeatmapGrid copy = withColumns(columns);
        while (copy.columns.size() > Math.max(1, most)) {
            copy.halve();
        }
        return copy;
    }

    /** This grid's intervals, in {@code columns}. */
    private HeatmapGrid withColumns(List<Column> replaced) {
        HeatmapGrid copy = new HeatmapGrid(maxColumns);
        copy.columns.addAll(replaced);
        copy.span = span;
        copy.intervals = intervals;
        copy.elapsedNs = elapsedNs;
        copy.firstIntervalNs = firstIntervalNs;
        return copy;
    }

    public List<Column> columns() {
        return List.copyOf(columns);
    }

    /** Intervals per column (a power of two). */
    public int span() {
        return span;
    }

    public int intervals() {
        return intervals;
    }

    public long elapsedNs() {
        return elapsedNs;
    }

    /** Every switch in the grid. */
    public long total() {
        return columns.stream().mapToLong(Column::total).sum();
    }

    /** The first interval's duration: what "one column per interval" means (the last one is often shorter). */
    public long firstIntervalNs() {
        return firstIntervalNs;
    }
}
