package io.ctxswitch.core.report;

import java.util.List;
import java.util.Locale;

/**
 * The summary for a terminal: a header naming backend and probe, aligned figures with units, an
 * ASCII histogram in the style of bpftrace and BCC, and the per-CPU and per-process tables asked for.
 */
public final class TextRenderer {
    private static final int BAR_WIDTH = 40;
    /** The width of the summary's labels, enough for "stddev" and "p99.9"; longer percentile labels widen it. */
    private static final int LABEL_WIDTH = 7;

    private final Percentiles percentiles;

    /** With the default percentiles' columns in the interval rows. */
    public TextRenderer() {
        this(Percentiles.DEFAULT);
    }

    /** @param percentiles whose {@link Percentiles#inRows} are the interval rows' columns */
    public TextRenderer(Percentiles percentiles) {
        this.percentiles = percentiles;
    }

    public String render(Summary s) {
        StringBuilder out = new StringBuilder();
        out.append("ctxswitch: context-switch latency, backend ").append(s.backend())
                .append(", probe ").append(s.probe()).append('\n');
        out.append(String.format(Locale.ROOT, "traced %s: %,d switches, %,d unpaired, %,d no-switch, %,d lost%s%n",
                Durations.format(s.durationNs()), s.count(), s.unpaired(), s.noSwitch(), s.lost(),
                s.skippedLines() > 0 ? String.format(Locale.ROOT, ", %,d lines skipped", s.skippedLines()) : ""));
        if (!s.filter().isEmpty()) {
            out.append(String.format(Locale.ROOT, "filters: %s (applied to the incoming task; %,d switches left out)%n",
                    s.filter().describe(), s.filtered()));
        }
        if (s.outliers() != null) {
            out.append(String.format(Locale.ROOT, "slower: %,d switches at or above %s printed, %,d lost on the way to"
                    + " user space (counted in lost; printed + lost = every switch at or above it)%n",
                    s.outliers().printed(), Durations.format(s.outliers().thresholdNs()), s.outliers().lost()));
        }
        if (s.untimed() > 0) {
            out.append(String.format(Locale.ROOT,
                    "untimed: %,d switches seen by sched_switch but not measured (%,d with no start seen, %,d with no end"
                            + " seen; the probe text says which switches its probes miss)%n",
                    s.untimed(), s.untimedNoStart(), s.untimedNoEnd()));
        }
        if (s.count() == 0) {
            out.append("\nno context switch was measured\n");
            return out.toString();
        }
        out.append('\n');
        int width = s.percentiles().stream().mapToInt(p -> p.percentile().label().length()).max().orElse(0);
        String figure = "  %-" + Math.max(LABEL_WIDTH, width) + "s %12s%n";
        out.append(String.format(Locale.ROOT, figure, "count", String.format(Locale.ROOT, "%,d", s.count())));
        out.append(String.format(Locale.ROOT, figure, "min", Durations.format(s.minNs())));
        out.append(String.format(Locale.ROOT, figure, "mean", Durations.format(s.meanNs())));
        out.append(String.format(Locale.ROOT, figure, "stddev", Durations.format(s.stddevNs())));
        for (Summary.PercentileFigure p : s.percentiles()) {
            out.append(String.format(Locale.ROOT, figure, p.percentile().label(), Durations.format(p.ns())));
        }
        out.append(String.format(Locale.ROOT, figure, "max", Durations.format(s.maxNs())));
        out.append(String.format(Locale.ROOT, "  (percentiles and stddev within %.0f %%; count, min, mean and max exact)%n",
                Summary.PERCENTILE_RELATIVE_ERROR * 100));
        histogram(out, s.histogram());
        if (!s.perCpu().isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n  %4s %12s %10s %10s %10s%n", "cpu", "count", "min", "mean", "max"));
            for (Summary.CpuLine c : s.perCpu()) {
                out.append(String.format(Locale.ROOT, "  %4d %,12d %10s %10s %10s%n", c.cpu(), c.count(),
                        fmt(c.minNs()), fmt(c.meanNs()), fmt(c.maxNs())));
            }
        }
        if (s.byKind() != null) {
            out.append(String.format(Locale.ROOT, "%n  %-10s %12s %10s %10s %10s %10s%n", "kind", "count", "min", "mean", "p99", "max"));
            for (Summary.KindLine k : s.byKind()) {
                out.append(String.format(Locale.ROOT, "  %-10s %,12d %10s %10s %10s %10s%n", k.kind().label(), k.count(),
                        fmt(k.minNs()), fmt(k.meanNs()), fmt(k.p99Ns()), fmt(k.maxNs())));
            }
        }
        if (s.byCgroup() != null) {
            cgroups(out, s.byCgroup());
        }
        if (!s.topProcesses().isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n  %8s  %-16s %12s %10s %10s%n", "pid", "comm", "count", "mean", "max"));
            for (Summary.ProcessLine p : s.topProcesses()) {
                out.append(String.format(Locale.ROOT, "  %8d  %-16s %,12d %10s %10s%n", p.pid(), p.comm(), p.count(),
                        Durations.format(p.meanNs()), Durations.format(p.maxNs())));
            }
        }
        if (s.processTableOverflow() > 0) {
            out.append(String.format(Locale.ROOT, "%n  per-process table full: %,d switches not attributed to a task%n",
                    s.processTableOverflow()));
        }
        return out.toString();
    }

    /** --by=cgroup's table; the path last, since paths have any length. A cgroup gone before its path was known shows "?". */
    private static void cgroups(StringBuilder out, Summary.Cgroups c) {
        out.append(String.format(Locale.ROOT, "%n  %12s %10s %10s %10s %12s  %s%n", "count", "mean", "p99", "max", "cgroup id", "cgroup"));
        for (Summary.CgroupLine l : c.top()) {
            out.append(String.format(Locale.ROOT, "  %,12d %10s %10s %10s %12d  %s%n", l.count(), fmt(l.meanNs()), fmt(l.p99Ns()),
                    fmt(l.maxNs()), l.id(), l.path() == null ? "? (removed before its path was read)" : l.path()));
        }
        if (c.otherCount() > 0) {
            out.append(String.format(Locale.ROOT, "  %,12d switches into other cgroups (%d listed at most)%n", c.otherCount(),
                    Summary.TOP_CGROUPS));
        }
        if (c.overflow() > 0) {
            out.append(String.format(Locale.ROOT, "  %,12d switches not attributed to a cgroup: its table was full%n", c.overflow()));
        }
        if (!c.top().isEmpty()) { // README.md, "Breakdown by cgroup": each cgroup's histogram has a bucket per power of two
            out.append("  (count, mean and max exact; a cgroup's p99 within a factor of 1.42, from power-of-two buckets)\n");
        }
    }

    /** The header of {@link #intervalLine} rows. */
    public String intervalHeader() {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-8s %10s %10s %10s", "time", "switches", "min", "mean"));
        for (Percentile p : percentiles.inRows()) {
            row.append(String.format(Locale.ROOT, " %10s", p.label()));
        }
        return row.append(String.format(Locale.ROOT, " %10s %9s%n", "max", "unpaired")).toString();
    }

    /** One compact row per {@code --interval}, like vmstat; {@code s} must show the rows' percentiles. */
    public String intervalLine(String clock, Summary s) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-8s %,10d %10s %10s", clock, s.count(),
                fmt(s.minNs()), fmt(s.meanNs())));
        for (Percentile p : percentiles.inRows()) {
            row.append(String.format(Locale.ROOT, " %10s", fmt(s.percentileNs(p))));
        }
        return row.append(String.format(Locale.ROOT, " %10s %,9d%n", fmt(s.maxNs()), s.unpaired())).toString();
    }

    private static String fmt(Number ns) {
        return ns == null ? "-" : Durations.format(ns.doubleValue());
    }

    /** Rows as bpftrace prints them; a run of empty bins shows as one row so that outliers don't stretch the picture. */
    private static void histogram(StringBuilder out, List<HistogramBins.Bin> bins) {
        long peak = bins.stream().mapToLong(HistogramBins.Bin::count).max().orElse(0);
        if (peak == 0) {
            return;
        }
        out.append(String.format(Locale.ROOT, "%n  %-16s %12s  distribution%n", "latency (ns)", "count"));
        for (int i = 0; i < bins.size(); i++) {
            HistogramBins.Bin b = bins.get(i);
            long to = b.toNs();
            while (b.count() == 0 && i + 1 < bins.size() && bins.get(i + 1).count() == 0) {
                to = bins.get(++i).toNs();
            }
            int width = (int) Math.round((double) b.count() * BAR_WIDTH / peak);
            if (width == 0 && b.count() > 0) {
                width = 1; // a bin that has samples never looks empty
            }
            String range = "[" + Durations.edge(b.fromNs()) + ", " + Durations.edge(to) + ")";
            out.append(String.format(Locale.ROOT, "  %-16s %,12d |%-" + BAR_WIDTH + "s|%n",
                    range, b.count(), "@".repeat(width)));
        }
    }
}
