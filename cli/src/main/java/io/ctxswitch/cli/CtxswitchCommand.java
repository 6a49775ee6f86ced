package io.ctxswitch.cli;

import com.google.inject.Provider;
import io.ctxswitch.core.report.Durations;
import io.ctxswitch.core.report.JsonRenderer;
import io.ctxswitch.core.report.Summary;
import io.ctxswitch.core.report.TextRenderer;
import io.ctxswitch.core.report.heatmap.HeatmapFile;
import io.ctxswitch.core.report.heatmap.JsonReportReplay;
import io.ctxswitch.core.host.HostIdentity;
import io.ctxswitch.core.run.TraceSession;
import io.ctxswitch.core.spi.Availability;
import io.ctxswitch.core.spi.LatencySource;
import io.ctxswitch.core.spi.ProbeMode;
import io.ctxswitch.core.spi.SourceException;
import io.ctxswitch.core.spi.TraceOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ctxswitch",
        mixinStandardHelpOptions = true,
        versionProvider = CtxswitchCommand.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Measures context-switch latency: on each CPU, the time from the moment one task stops running"
                + " to the moment the next task starts. Traces until Ctrl+C (or --duration), then prints count,"
                + " min, max, mean, percentiles and a histogram, in total and, if asked, per CPU and per task.",
            "Needs root (or CAP_BPF and CAP_PERFMON).",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success (also after Ctrl+C or SIGTERM, with the summary)",
            "1:unexpected error",
            "2:usage error",
            "3:environment: no privilege, a missing tool or kernel feature (the message says how to get it);"
                + " also when perf or bpftrace dies mid-run, after the figures it measured until then",
            "4:input: an unreadable or unrecognisable trace",
            "130:a second Ctrl+C: exited at once, without a summary"})
final class CtxswitchCommand implements Callable<Integer> {

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
            description = "auto (the best that can run here, and says which), libbpf, bpftrace or perf. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--probe", defaultValue = "auto", paramLabel = "MODE", converter = ProbeModeConverter.class,
            description = "auto, sched-tp (Linux 6.15+), fentry or kprobe (older kernels; they miss preemptions): the probe points to measure between. auto takes the best this kernel has. Default: ${DEFAULT-VALUE}.")
    ProbeMode probe;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Trace this long (5s, 500ms, 2m, 1h), then print the summary. Default: until Ctrl+C or SIGTERM.")
    Duration duration;

    @Option(names = "--interval", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Also report every TIME: one row per interval (text) or one JSON object per line. Intervals add up to the summary.")
    Duration interval;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text or json (one object per summary, on one line). Default: ${DEFAULT-VALUE}.")
    OutputFormat format;

    @Option(names = "--per-cpu", description = "List count, min, mean and max for each CPU.")
    boolean perCpu;

    @Option(names = "--top", defaultValue = "0", paramLabel = "N",
            description = "List the N tasks switched in most often, with their latency (a switch counts for the task that starts).")
    int top;

    @Option(names = "--replay", paramLabel = "FILE",
            description = "Read a recorded trace instead of tracing: perf script text, a perf.data file, or bpftrace output of ctxswitch's script (- for standard input). The format is recognised from the content.")
    String replay;

    @Option(names = "--record", paramLabel = "FILE",
            description = "With --backend=perf: keep the recording (a perf.data file); with --backend=bpftrace: keep bpftrace's output. Either can be read again with --replay.")
    java.nio.file.Path record;

    @Option(names = "--heatmap", paramLabel = "FILE.svg",
            description = "Also draw a latency heat map over time into FILE.svg (time across, one column per --interval, default 1s; latency up; colour by count), refreshed at each interval. Needs the libbpf backend, or --replay of ctxswitch's --format=json --interval output.")
    java.nio.file.Path heatmap;

    @Option(names = "--perf", paramLabel = "PATH", description = "The perf binary to use. Default: perf on PATH.")
    java.nio.file.Path perfPath;

    @Option(names = "--bpftrace", paramLabel = "PATH", description = "The bpftrace binary to use (0.17 or later). Default: bpftrace on PATH.")
    java.nio.file.Path bpftracePath;

    @Option(names = "--list-backends", description = "Say which backends this build has and whether each can run here, then exit.")
    boolean listBackends;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, Provider<LatencySource>> backends;
    private final ReplayOpener replays;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    CtxswitchCommand(Map<String, Provider<LatencySource>> backends, ReplayOpener replays, PrintStream out, PrintStream err,
                     boolean terminal) {
        this.backends = backends;
        this.replays = replays;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws SourceException {
        BackendSelector selector = new BackendSelector(backends);
        if (top < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top must be 0 or more, not " + top);
        }
        if (!selector.known(backend)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown backend '" + backend
                    + "' (expected auto, " + String.join(", ", BackendSelector.PREFERENCE) + ")");
        }
        checkCombinations();
        // The trap goes in first: a signal while loading or starting a child stops the session cleanly.
        TraceSession session = new TraceSession();
        SignalTrap trap = new SignalTrap(session::requestStop);
        trap.install();
        TraceOptions options = new TraceOptions(probe, top > 0, perfPath, record, bpftracePath);
        if (listBackends) {
            return listBackends(options);
        }
        LatencySource source;
        java.util.function.Function<LatencySource, String> announcement; // the notice once started, or null
        if (replay != null) {
            trap.waitingFor("-".equals(replay) ? "standard input" : replay);
            ReplayOpener.Opened opened = replays.open(replay, options, System.in);
            trap.waitingFor(null);
            source = opened.source();
            checkHeatmapReplay(source, opened.format());
            announcement = s -> null; // a replay says nothing until its summary, or its one-line error
        } else {
            BackendSelector.Choice choice = selector.choose(backend, options);
            if (choice.note() != null) {
                err.println("ctxswitch: " + choice.note());
            }
            source = choice.source();
            if (source.probeChoiceNote() != null) {
                err.println("ctxswitch: " + source.probeChoiceNote());
            }
            if (interval != null && !source.name().equals("libbpf")) {
                source.close();
                throw new CommandLine.ParameterException(spec.commandLine(), "--interval needs the libbpf backend: the "
                        + source.name() + " backend reads its recording when tracing stops");
            }
            if (heatmap != null && !source.name().equals("libbpf")) {
                source.close();
                throw new CommandLine.ParameterException(spec.commandLine(), "--heatmap needs figures per interval, which"
                        + " only the libbpf backend has: the " + source.name() + " backend reads its recording when tracing stops");
            }
            String until = duration != null ? "for " + Durations.format(duration.toNanos()) : "press Ctrl+C to stop";
            announcement = s -> "tracing with " + s.name() + ", " + s.probeDescription() + "; " + until;
        }
        String name = source.name();
        // A replay's host is unknown (a perf trace does not say); a live run's is this one.
        HostIdentity host = replay == null ? HostIdentity.local() : HostIdentity.UNKNOWN;
        ConsoleListener console = new ConsoleListener(out, err, format, name,
                terminal && format == OutputFormat.text && replay == null, perCpu, top, announcement, host);
        TraceSession.Listener listener = console;
        HeatmapListener heatmapListener = null;
        if (heatmap != null && replay == null) {
            heatmapListener = new HeatmapListener(console, interval != null, new HeatmapFile(heatmap), host, name, err);
            try {
                heatmapListener.writeEmpty();
            } catch (java.io.IOException e) {
                source.close();
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot write the heat map " + heatmap
                        + ": " + HeatmapWriteError.reason(e));
            }
            listener = heatmapListener;
        }
        if (heatmap != null && perCpu) {
            err.println("ctxswitch: note: the heat map shows all CPUs together: intervals keep exact figures per CPU"
                    + " but one histogram for all of them, so there is nothing per CPU to draw");
        }
        // The heat map's columns are intervals: 1 s unless --interval says otherwise.
        Duration tick = interval != null || heatmapListener == null ? interval : HEATMAP_INTERVAL;
        TraceSession.Result result = session.run(source, options, duration, tick,
                terminal ? Duration.ofMillis(250) : null, listener);
        if (source instanceof JsonReportReplay recorded) {
            return drawRecording(recorded);
        }
        if (!result.began()) {
            err.println("ctxswitch: stopped before tracing began; nothing was measured");
        }
        long covered = source.coveredNs().orElse(result.durationNs());
        // Asked again at the end: a replay learns its probe from the trace it reads.
        Summary summary = Summary.of("summary", name, source.probeDescription(), covered, result.total(), perCpu, top);
        if (format == OutputFormat.json) {
            out.println(new JsonRenderer(host).render(summary));
        } else {
            if (interval != null) {
                out.println();
            }
            out.print(new TextRenderer().render(summary));
        }
        out.flush();
        for (String warning : source.warnings()) {
            err.println("ctxswitch: warning: " + warning);
        }
        SourceException failure = source.failure();
        if (heatmap != null && source instanceof io.ctxswitch.core.report.heatmap.TimedReplay timed) {
            try { // a trace does not say which host or kernel it came from
                new HeatmapFile(heatmap).write(new io.ctxswitch.core.report.heatmap.HeatmapHeader(null, null, name,
                        source.probeDescription()), timed.timeline(), null);
            } catch (java.io.IOException e) {
                err.println("ctxswitch: cannot write the heat map " + heatmap + ": " + HeatmapWriteError.reason(e));
                if (failure == null) {
                    return SourceException.Kind.ENVIRONMENT.exitCode();
                }
            }
        }
        if (heatmapListener != null && result.began()) {
            try {
                heatmapListener.finish();
            } catch (java.io.IOException e) {
                err.println("ctxswitch: cannot write the heat map " + heatmap + ": " + HeatmapWriteError.reason(e));
                if (failure == null) {
                    return SourceException.Kind.ENVIRONMENT.exitCode();
                }
            }
        }
        if (failure != null) { // the figures above are partial: say why, and exit as for that error
            err.println("ctxswitch: " + failure.getMessage());
            return failure.kind().exitCode();
        }
        return 0;
    }

    /** The columns of a heat map when --interval does not say. */
    static final Duration HEATMAP_INTERVAL = Duration.ofSeconds(1);

    /**
     * --heatmap with --replay: ctxswitch's own JSON output has intervals; the other formats have
     * none to draw (bpftrace's output has no time axis; perf traces are not binned by time yet).
     * Our JSON output is a report, not a trace, so it replays only into a heat map (else it is an input
     * error, like any input that is not a trace).
     */
    private void checkHeatmapReplay(LatencySource source, String formatName) throws SourceException {
        boolean recording = source instanceof JsonReportReplay;
        if (heatmap != null && source instanceof io.ctxswitch.core.report.heatmap.TimedReplay timed) {
            timed.binBy(HEATMAP_INTERVAL.toNanos()); // a trace with timestamps: binned by its own time
            return;
        }
        if (heatmap == null && recording) {
            source.close();
            throw SourceException.input(replay + " is ctxswitch's own JSON output, not a trace: it replays only into a"
                    + " heat map (--heatmap=FILE.svg)");
        }
        if (heatmap != null && !recording) {
            source.close();
            throw new CommandLine.ParameterException(spec.commandLine(), "--heatmap cannot draw " + formatName + ": "
                    + (source.name().equals("bpftrace") ? "bpftrace's output has no time axis (its figures are totals)"
                            : "it has no timestamps to bin by")
                    + "; it draws ctxswitch's own --format=json --interval output");
        }
    }

    /** Draws a replayed recording of our JSON output; its summary is in the recording already. */
    private int drawRecording(JsonReportReplay recorded) throws SourceException {
        SourceException failure = recorded.failure();
        if (failure != null) {
            throw failure;
        }
        try {
            new HeatmapFile(heatmap).write(recorded.header(), recorded.grid(), null);
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot write the heat map " + heatmap
                    + ": " + HeatmapWriteError.reason(e));
        }
        err.printf(java.util.Locale.ROOT, "ctxswitch: drew %,d intervals (%,d switches) into %s%s%n",
                recorded.grid().intervals(), recorded.grid().total(), heatmap,
                recorded.summaryCount() == null ? "; the recording has no summary (the run was cut short)" : "");
        return 0;
    }

    /** Options that make no sense together are usage errors, said in one line. */
    private void checkCombinations() {
        if (replay != null) {
            notWithReplay(duration != null, "--duration");
            notWithReplay(interval != null, "--interval");
            notWithReplay(record != null, "--record");
            notWithReplay(listBackends, "--list-backends");
            notWithReplay(!BackendSelector.AUTO.equals(backend), "--backend");
        }
        if (record != null && !"perf".equals(backend) && !"bpftrace".equals(backend)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--record keeps a perf recording or bpftrace's output: use it with --backend=perf or --backend=bpftrace");
        }
    }

    private void notWithReplay(boolean given, String option) {
        if (given) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    option + " does not apply to --replay, which reads the whole trace in its own format");
        }
    }

    private int listBackends(TraceOptions options) {
        for (String name : BackendSelector.PREFERENCE) {
            if (!backends.containsKey(name)) {
                out.printf("%-9s not in this build yet%n", name);
                continue;
            }
            Availability a = backends.get(name).get().availability(options);
            out.printf("%-9s %-11s %s%n", name, a.available() ? "available" : "unavailable", a.reason());
        }
        return 0;
    }

    static final class ProbeModeConverter implements CommandLine.ITypeConverter<ProbeMode> {
        @Override
        public ProbeMode convert(String value) {
            try {
                return ProbeMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CtxswitchCommand.class.getPackage().getImplementationVersion();
            return new String[] {"ctxswitch " + (v == null ? "(development build)" : v)};
        }
    }
}
