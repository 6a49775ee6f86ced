package io.ctxswitch.core.report.heatmap;

/**
 * The run a heat map shows, for its title. {@code host} and {@code kernel} are null where the input
 * does not say (a replayed perf trace); a replay of our JSON output has them as recorded.
 */
public record HeatmapHeader(String host, String kernel, String backend, String probe) {

    String line() {
        return "host " + orUnknown(host) + ", kernel " + orUnknown(kernel) + ", backend " + orUnknown(backend)
                + ", probe " + orUnknown(probe);
    }

    private static String orUnknown(String s) {
        return s == null || s.isEmpty() ? "unknown" : s;
    }
}
