package io.ctxswitch.core.report;

import io.ctxswitch.core.spi.SwitchFilter;
import io.ctxswitch.core.stats.ExactStats;
import io.ctxswitch.core.stats.LatencyStats;
import io.ctxswitch.core.stats.ProcessStats;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Everything a report shows, computed once from a {@link LatencyStats}: the figures of the JSON
 * contract (README.md, "JSON"). Figures of an empty measurement are null.
 *
 * @param kind "summary" for the whole run, "interval" for one {@code --interval} report
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
        Long p50Ns,
        Long p90Ns,
        Long p99Ns,
        Long p999Ns,
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
        SwitchFilter filter) {

    /** The same figures, saying that {@code filter} was in force (its left-out switches are in {@link #filtered}). */
    public Summary withFilter(SwitchFilter filter) {
        return new Summary(kind, backend, probe, durationNs, count, minNs, maxNs, meanNs, stddevNs, p50Ns, p90Ns, p99Ns,
                p999Ns, unpaired, noSwitch, untimedNoStart, untimedNoEnd, lost, skippedLines, processTableOverflow,
                histogram, perCpu, topProcesses, filtered, filter);
    }

    /** Switches that happened but could not be timed (see {@link LatencyStats#addUntimed}). */
    public long untimed() {
        return untimedNoStart + untimedNoEnd;
    }

    /** The percentiles' relative error bound that reports state. */
    public static final double PERCENTILE_RELATIVE_ERROR = 0.01;

    public record CpuLine(int cpu, long count, long minNs, long maxNs, double meanNs) {
    }

    public record ProcessLine(int pid, int tgid, String comm, long count, double meanNs, long maxNs) {
    }

    /**
     * @param perCpu whether to list CPUs ({@code --per-cpu})
     * @param top how many tasks to list ({@code --top}); 0 for none
     */
    public static Summary of(String kind, String backend, String probe, long durationNs,
                             LatencyStats stats, boolean perCpu, int top) {
        ExactStats total = stats.total();
        boolean empty = total.isEmpty();
        Histogram h = stats.distribution();
        Long min = empty ? null : total.minNs();
        Long max = empty ? null : total.maxNs();
        List<CpuLine> cpus = !perCpu ? List.of() : stats.perCpu().stream()
                .map(c -> new CpuLine(c.cpu(), c.stats().count(), c.stats().minNs(), c.stats().maxNs(), c.stats().meanNs()))
                .toList();
        List<ProcessLine> procs = stats.processes().top(top).stream().map(Summary::line).toList();
        return new Summary(kind, backend, probe, durationNs, total.count(), min, max,
                empty ? null : total.meanNs(),
                empty || h.getTotalCount() == 0 ? null : h.getStdDeviation(),
                percentile(h, 50, min, max), percentile(h, 90, min, max),
                percentile(h, 99, min, max), percentile(h, 99.9, min, max),
                stats.unpaired(), stats.noSwitch(), stats.untimedNoStart(), stats.untimedNoEnd(), stats.lost(), stats.skippedLines(),
                stats.processes().overflowSamples(),
                empty ? List.of() : HistogramBins.of(h, min, max),
                cpus, procs, stats.filtered(), SwitchFilter.NONE);
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
