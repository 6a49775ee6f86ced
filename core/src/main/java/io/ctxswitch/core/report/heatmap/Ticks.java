package io.ctxswitch.core.report.heatmap;

import java.util.ArrayList;
import java.util.List;

/** Where the axes get labels, and what the labels say. */
final class Ticks {
    private Ticks() {
    }

    /**
     * Latencies for the log-scale axis between {@code lowNs} and {@code highNs}: every power of ten,
     * and also 2 and 5 times it when the range spans fewer than three powers of ten and {@code fineAllowed}.
     */
    static List<Long> latencies(double lowNs, double highNs, boolean fineAllowed) {
        boolean fine = fineAllowed && highNs / Math.max(lowNs, 1) < 1000;
        List<Long> ticks = new ArrayList<>();
        for (long decade = 1; decade <= 100_000_000_000L; decade *= 10) {
            for (long m : fine ? new long[] {1, 2, 5} : new long[] {1}) {
                long v = decade * m;
                if (v >= lowNs && v <= highNs) {
                    ticks.add(v);
                }
            }
        }
        return ticks;
    }

    /** "100 ns", "2 us", "50 ms", "1 s": the units of the text report, with no decimals at the ticks. */
    static String latency(long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return trim(ns / 1e3) + " us";
        }
        if (ns < 1_000_000_000) {
            return trim(ns / 1e6) + " ms";
        }
        return trim(ns / 1e9) + " s";
    }

    /** A step in seconds that gives at most about {@code labels} labels over {@code totalNs}. */
    static long timeStepSeconds(long totalNs, int labels) {
        long[] steps = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
        double seconds = totalNs / 1e9;
        for (long s : steps) {
            if (seconds / s <= labels) {
                return s;
            }
        }
        return (long) Math.ceil(seconds / labels / 86400) * 86400;
    }

    /** Time since the start: "45 s" below a minute, then "12:05" (m:ss) and "1:02:05" (h:mm:ss). */
    static String elapsed(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return String.format(java.util.Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
        }
        return String.format(java.util.Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    /** Times since the start to the millisecond, for tooltips: "12.004-13.005 s". */
    static String instantRange(long fromNs, long toNs) {
        return String.format(java.util.Locale.ROOT, "%.3f-%.3f s", fromNs / 1e9, toNs / 1e9);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.valueOf(v);
    }
}
