package io.ctxswitch.cli;

import io.ctxswitch.core.host.HostIdentity;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.report.heatmap.HeatmapFile;
import io.ctxswitch.core.report.heatmap.HeatmapHeader;
import io.ctxswitch.core.report.heatmap.HeatmapPanels;
import io.ctxswitch.core.run.TraceSession;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.stats.LatencyStats;
import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code --heatmap} while tracing: each interval's histogram becomes a column, and the file is
 * rewritten at each interval (so that a run cut short still leaves its picture) and at the end.
 * Everything else goes on to the console; interval reports only if the user asked for
 * {@code --interval} (without it the heat map's intervals are its own, 1 s). With {@code --per-cpu},
 * each CPU's histogram of the interval also becomes a column of that CPU's panel.
 */
final class HeatmapListener implements TraceSession.Listener {
    static final String IN_PROGRESS = "in progress";

    private final TraceSession.Listener console;
    private final boolean intervalsToConsole;
    private final HeatmapFile file;
    private final HostIdentity host;
    private final String backend;
    private final PrintStream err;
    private final boolean perCpu;
    private final HeatmapPanels panels;
    private HeatmapHeader header;
    private boolean warned;

    HeatmapListener(TraceSession.Listener console, boolean intervalsToConsole, HeatmapFile file, HostIdentity host,
                    String backend, boolean perCpu, PrintStream err) {
        this.console = console;
        this.perCpu = perCpu;
        this.panels = new HeatmapPanels(perCpu);
        this.intervalsToConsole = intervalsToConsole;
        this.file = file;
        this.host = host;
        this.backend = backend;
        this.err = err;
        this.header = new HeatmapHeader(host.host(), host.kernel(), backend, null);
    }

    /** The first picture, before tracing: an empty frame, and the proof that the file can be written. */
    void writeEmpty() throws IOException {
        file.write(header, panels, "waiting for the first interval");
    }

    @Override
    public void started(LatencySource source) {
        console.started(source);
        header = new HeatmapHeader(host.host(), host.kernel(), backend, source.probeDescription());
    }

    @Override
    public void interval(LatencyStats part, long intervalNs) {
        if (intervalsToConsole) {
            console.interval(part, intervalNs);
        }
        // The JSON output's bins, from the same figures, so that replaying that output draws the same panels.
        panels.addInterval(Summary.of("interval", backend, header.probe(), intervalNs, part, perCpu, 0));
        try {
            file.write(header, panels, IN_PROGRESS);
        } catch (IOException e) {
            if (!warned) { // once: the run goes on, the final write will say whether it failed for good
                err.println("ctxswitch: warning: cannot refresh the heat map " + file.target() + ": " + e.getMessage());
                warned = true;
            }
        }
    }

    @Override
    public void progress(long elapsedNs, long switches) {
        console.progress(elapsedNs, switches);
    }

    @Override
    public void stopped() {
        console.stopped();
    }

    /** The final picture. */
    void finish() throws IOException {
        file.write(header, panels, null);
    }
}
