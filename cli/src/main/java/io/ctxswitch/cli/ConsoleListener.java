package io.ctxswitch.cli;

import io.ctxswitch.core.report.JsonRenderer;
import io.ctxswitch.core.report.Percentiles;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.report.TextRenderer;
import io.ctxswitch.core.run.TraceSession;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What the user sees while tracing: a one-line notice on stderr once attached, a status line
 * (elapsed time, switches so far) on a terminal, and the interval reports on stdout.
 */
final class ConsoleListener implements TraceSession.Listener {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final PrintStream out;
    private final PrintStream err;
    private final OutputFormat format;
    private final String backend;
    private final boolean statusLine;
    private final boolean perCpu;
    private final int top;
    private final Percentiles percentiles;
    private final java.util.function.Function<LatencySource, String> announcement;
    private final JsonRenderer json;
    /** The filters in force, which every interval's JSON line names too. */
    private io.ctxswitch.core.spi.SwitchFilter filter = io.ctxswitch.core.spi.SwitchFilter.NONE;
    private String probe = "";
    private boolean headerPrinted;
    private boolean statusShown;

    /** Says which filters are in force in each interval's report. */
    ConsoleListener filteredBy(io.ctxswitch.core.spi.SwitchFilter filter) {
        this.filter = filter;
        return this;
    }

    ConsoleListener(PrintStream out, PrintStream err, OutputFormat format, String backend, boolean statusLine,
                    boolean perCpu, int top, Percentiles percentiles, java.util.function.Function<LatencySource, String> announcement,
                    io.ctxswitch.core.host.HostIdentity host) {
        this.json = new JsonRenderer(host);
        this.out = out;
        this.err = err;
        this.format = format;
        this.backend = backend;
        this.statusLine = statusLine;
        this.perCpu = perCpu;
        this.top = top;
        this.percentiles = percentiles;
        this.announcement = announcement;
    }

    String probe() {
        return probe;
    }

    @Override
    public void started(LatencySource source) {
        probe = source.probeDescription();
        String notice = announcement.apply(source);
        if (notice != null) {
            err.println("ctxswitch: " + notice);
        }
    }

    @Override
    public void progress(long elapsedNs, long switches) {
        if (!statusLine) {
            return;
        }
        String count = switches < 0 ? "" : String.format(Locale.ROOT, ", %,d switches", switches);
        err.printf(Locale.ROOT, "\r\033[K  %.1f s%s", elapsedNs / 1e9, count);
        err.flush();
        statusShown = true;
    }

    @Override
    public void interval(LatencyStats part, long intervalNs) {
        clearStatus();
        Summary s = Summary.of("interval", backend, probe, intervalNs, part, perCpu, top, percentiles).withFilter(filter);
        if (format == OutputFormat.json) {
            out.println(json.render(s));
        } else {
            TextRenderer text = new TextRenderer(percentiles);
            if (!headerPrinted) {
                out.print(text.intervalHeader());
                headerPrinted = true;
            }
            out.print(text.intervalLine(LocalTime.now().format(CLOCK), s));
        }
        out.flush();
    }

    @Override
    public void stopped() {
        clearStatus();
    }

    private void clearStatus() {
        if (statusShown) {
            err.print("\r\033[K");
            err.flush();
            statusShown = false;
        }
    }
}
