package io.ctxswitch.core.report;

import java.util.Locale;

/** Nanoseconds in the unit that reads best: ns, us, ms or s. */
public final class Durations {
    private Durations() {
    }

    /** E.g. "312 ns", "1.27 us", "14.0 ms", "2.50 s". */
    public static String format(double ns) {
        if (Double.isNaN(ns)) {
            return "-";
        }
        if (ns < 1_000) {
            return String.format(Locale.ROOT, "%.0f ns", ns);
        }
        if (ns < 1_000_000) {
            return scaled(ns / 1e3, "us");
        }
        if (ns < 1_000_000_000) {
            return scaled(ns / 1e6, "ms");
        }
        return scaled(ns / 1e9, "s");
    }

    /**
     * A histogram edge in nanoseconds with bpftrace's binary suffixes, exact for our edges:
     * 320, 1K (1024), 1.25K (1280), 12K, 2.5M.
     */
    public static String edge(long ns) {
        String[] suffixes = {"", "K", "M", "G", "T"};
        int i = 0;
        double value = ns;
        while (value >= 1024 && i < suffixes.length - 1) {
            value /= 1024;
            i++;
        }
        return trim(value) + suffixes[i];
    }

    private static String scaled(double value, String unit) {
        String pattern = value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s";
        return String.format(Locale.ROOT, pattern, value, unit);
    }

    private static String trim(double value) {
        String s = String.format(Locale.ROOT, "%.3f", value);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
