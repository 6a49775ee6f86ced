package io.ctxswitch.core.report;

import io.ctxswitch.core.model.SwitchKind;
import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.CgroupStats;
import io.ctxswitch.core.stats.CgroupTable;
import io.ctxswitch.core.stats.ExactStats;
import io.ctxswitch.core.stats.KindTable;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.ProcessStats;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Everything a report shows, computed once from a {@link LatencyStats}: the figures of the JSON
 * contract (README.md, "JSON"). Figures of an empty measurement are null.
 *
 * @param kind "summary" for the whole run, "interval" for one {@code --interval} report
 * @param percentiles those asked for ({@link Percentiles#shown}), in ascending order
 * @param byKind the breakdown by kind of switch ({@code --by=kind}), every kind in order; null when not asked
 * @param byCgroup the top cgroups ({@code --by=cgroup}); null when not asked
 */
public record Summary(
        String kind,
        String backend,
        String probe,
        long durationNs,
        long count,
        Long minNs,
        Long maxNs,
        Double meanNs,
        Double stddevNs,
        List<PercentileFigure> percentiles,
        long unpaired,
        long noSwitch,
        long untimedNoStart,
        long untimedNoEnd,
        long lost,
        long skippedLines,
        long processTableOverflow,
        List<HistogramBins.Bin> histogram,
        List<CpuLine> perCpu,
        List<ProcessLine> topProcesses,
        long filtered,
        SwitchFilter filter,
        List<KindLine> byKind,
        Outliers outliers,
        Cgroups byCgroup) {

    /** The same figures, saying that {@code filter} was in force (its left-out switches are in {@link #filtered}). */
    public Summary withFilter(SwitchFilter filter) {
        return new Summary(kind, backend, probe, durationNs, count, minNs, maxNs, meanNs, stddevNs, percentiles,
                unpaired, noSwitch, untimedNoStart, untimedNoEnd, lost, skippedLines, processTableOverflow,
                histogram, perCpu, topProcesses, filtered, filter, byKind, outliers, byCgroup);
    }

    /**
     * {@code --slower}: the threshold, how many outliers were printed, and how many were lost on their way
     * to user space (part of {@link #lost}). Printed plus lost is every kept switch at or above the threshold.
     */
    public record Outliers(long thresholdNs, long printed, long lost) {
    }

    /** The same figures, with what {@code --slower} printed and lost. */
    public Summary withOutliers(Outliers outliers) {
        return new Summary(kind, backend, probe, durationNs, count, minNs, maxNs, meanNs, stddevNs, percentiles,
                unpaired, noSwitch, untimedNoStart, untimedNoEnd, lost, skippedLines, processTableOverflow,
                histogram, perCpu, topProcesses, filtered, filter, byKind, outliers, byCgroup);
    }

    /** Switches that happened but could not be timed (see {@link LatencyStats#addUntimed}). */
    public long untimed() {
        return untimedNoStart + untimedNoEnd;
    }

    /** The percentiles' relative error bound that reports state. */
    public static final double PERCENTILE_RELATIVE_ERROR = 0.01;

    /** One percentile's value; null when nothing was measured. */
    public record PercentileFigure(Percentile percentile, Long ns) {
    }

    /** The value of a percentile this summary shows. */
    public Long percentileNs(Percentile percentile) {
        for (PercentileFigure f : percentiles) {
            if (f.percentile().equals(percentile)) {
                return f.ns();
            }
        }
        throw new IllegalArgumentException(percentile.label() + " is not among this summary's percentiles " + percentiles);
    }

    /**
     * One CPU's figures; min, max and mean are null when it had no exact sample (see
     * {@link LatencyStats#perCpu}). {@code histogram}: its exact counts in the report's bins, or null
     * where the source does not know them (bpftrace keeps one histogram for all CPUs).
     */
    public record CpuLine(int cpu, long count, Long minNs, Long maxNs, Double meanNs, List<HistogramBins.Bin> histogram) {
    }

    /**
     * One kind of switch ({@code --by=kind}, {@link SwitchKind}): its exact count, min, mean and max, and its
     * p99 from its own distribution (clamped into its min and max); figures null when it had no sample.
     */
    public record KindLine(SwitchKind kind, long count, Long minNs, Double meanNs, Long maxNs, Long p99Ns) {
    }

    /** How many cgroups {@code --by=cgroup} lists at most: the others are summed in {@link Cgroups#otherCount}. */
    public static final int TOP_CGROUPS = 10;

    /**
     * {@code --by=cgroup}: the cgroups switched into most ({@link #TOP_CGROUPS} at most), the switches into all
     * the others, and those no cgroup's figures hold because a bounded table was full. The three add up to
     * the count.
     */
    public record Cgroups(List<CgroupLine> top, long otherCount, long overflow) {
    }

    /**
     * One cgroup v2: its path below the hierarchy's root (null if it was gone before its path was resolved:
     * its id still says which it was), its id, and the exact count, mean and max of the switches into its
     * tasks, with their p99 from its own distribution (clamped into its max; as precise as the source's
     * buckets: see README.md, "Breakdown by cgroup").
     */
    public record CgroupLine(String path, long id, long count, Double meanNs, Long maxNs, Long p99Ns) {
    }

    public record ProcessLine(int pid, int tgid, String comm, long count, double meanNs, long maxNs) {
    }

    /** With the default percentiles ({@link Percentiles#DEFAULT}). */
    public static Summary of(String kind, String backend, String probe, long durationNs,
                             LatencyStats stats, boolean perCpu, int top) {
        return of(kind, backend, probe, durationNs, stats, perCpu, top, Percentiles.DEFAULT);
    }

    /**
     * @param perCpu whether to list CPUs ({@code --per-cpu})
     * @param top how many tasks to list ({@code --top}); 0 for none
     * @param percentiles which percentiles to show ({@code --percentiles})
     */
    public static Summary of(String kind, String backend, String probe, long durationNs,
                             LatencyStats stats, boolean perCpu, int top, Percentiles percentiles) {
        ExactStats total = stats.total();
        boolean empty = total.isEmpty();
        Histogram h = stats.distribution();
        Long min = empty ? null : total.minNs();
        Long max = empty ? null : total.maxNs();
        List<CpuLine> cpus = !perCpu ? List.of() : stats.perCpu().stream().map(Summary::line).toList();
        List<ProcessLine> procs = stats.processes().top(top).stream().map(Summary::line).toList();
        return new Summary(kind, backend, probe, durationNs, total.count(), min, max,
                empty ? null : total.meanNs(),
                empty || h.getTotalCount() == 0 ? null : h.getStdDeviation(),
                percentiles.shown().stream().map(p -> new PercentileFigure(p, percentile(h, p.asDouble(), min, max))).toList(),
                stats.unpaired(), stats.noSwitch(), stats.untimedNoStart(), stats.untimedNoEnd(), stats.lost(), stats.skippedLines(),
                stats.processes().overflowSamples(),
                empty ? List.of() : HistogramBins.of(h, min, max),
                cpus, procs, stats.filtered(), SwitchFilter.NONE, byKind(stats.kinds()), null, byCgroup(stats.cgroups()));
    }

    /** Every kind, in {@link SwitchKind} order, for a classified run; null when the run did not classify. */
    private static List<KindLine> byKind(KindTable kinds) {
        if (!kinds.classified()) {
            return null;
        }
        return java.util.Arrays.stream(SwitchKind.values()).map(k -> {
            ExactStats e = kinds.stats(k);
            Long min = e.isEmpty() ? null : e.minNs();
            Long max = e.isEmpty() ? null : e.maxNs();
            return new KindLine(k, e.count(), min, e.isEmpty() ? null : e.meanNs(), max,
                    percentile(kinds.distributionOf(k), 99.0, min, max));
        }).toList();
    }

    /** The top cgroups by count, and what the others and the overflow hold; null when the run did not track cgroups. */
    private static Cgroups byCgroup(CgroupTable table) {
        if (!table.tracked()) {
            return null;
        }
        List<CgroupStats> all = table.byCount();
        List<CgroupLine> top = all.stream().limit(TOP_CGROUPS).map(c -> {
            ExactStats e = c.latency();
            return new CgroupLine(c.path(), c.id(), e.count(), e.meanNs(), e.maxNs(),
                    percentile(c.distribution(), 99.0, e.minNs(), e.maxNs()));
        }).toList();
        long others = all.stream().skip(TOP_CGROUPS).mapToLong(c -> c.latency().count()).sum();
        return new Cgroups(top, others, table.overflowSamples());
    }

    private static CpuLine line(LatencyStats.CpuEntry c) {
        ExactStats e = c.stats();
        return new CpuLine(c.cpu(), e.count(), e.isEmpty() ? null : e.minNs(), e.isEmpty() ? null : e.maxNs(),
                e.isEmpty() ? null : e.meanNs(), c.bins() == null ? null : HistogramBins.of(c.bins()));
    }

    private static ProcessLine line(ProcessStats p) {
        ExactStats l = p.latency();
        return new ProcessLine(p.pid(), p.tgid(), p.comm(), l.count(), l.meanNs(), l.maxNs());
    }

    /**
     * A percentile from the distribution, clamped to the exact min and max so that
     * min ≤ p50 ≤ … ≤ max holds although the histogram reports the top of a bucket.
     */
    private static Long percentile(Histogram h, double percentile, Long min, Long max) {
        if (min == null || h.getTotalCount() == 0) {
            return null;
        }
        long value = h.getValueAtPercentile(percentile);
        return Math.max(min, Math.min(max, value));
    }
}
